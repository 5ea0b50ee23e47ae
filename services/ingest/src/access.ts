import { createHash, timingSafeEqual } from 'node:crypto';
import { addressToKeyBinary, checkConnectPassword, CONNECT_MAX_SKEW_SECONDS, mayPublish, maySubscribe } from '@hexlight/protocol';
import { skewWindowS, type Clock } from '@hexlight/kit';
import type { HotspotDirectory } from './registry/directory.ts';

// Who may connect, publish and subscribe (spec/wire.md §2), decided in one place for both broker
// seams: the embedded aedes broker's hooks and the HTTP hooks an external broker (EMQX) calls.

export interface HotspotPrincipal {
  role: 'hotspot';
  address: string;
  keyBinary: Uint8Array;
}
export interface ServicePrincipal {
  role: 'service';
  user: string;
}
export type Principal = HotspotPrincipal | ServicePrincipal;

export const ACCESS_DENY_REASONS = ['bad_token', 'unknown_hotspot', 'client_id_mismatch', 'bad_password', 'acl'] as const;
export type AccessDenyReason = (typeof ACCESS_DENY_REASONS)[number];

export type ConnectDecision =
  | { ok: true; principal: Principal }
  /** `detail`: the token check's own reason (malformed_token, stale_token, bad_signature), for logs. */
  | { ok: false; reason: AccessDenyReason; detail?: string };

export interface BrokerAccess {
  /** CONNECT: a service user by its configured password, else a hotspot by its connect token. */
  authenticate(clientId: string, username: string | undefined, password: string | Uint8Array | undefined): Promise<ConnectDecision>;
  /** The principal a connection authenticated as, from its username alone (for per-request authz). */
  principalOf(clientId: string, username: string): Principal | null;
  mayPublish(principal: Principal, topic: string): boolean;
  maySubscribe(principal: Principal, filter: string): boolean;
}

/** Service users are operator credentials (INGEST_SERVICE_USERS): they may do anything. */
export function createBrokerAccess(deps: { directory: HotspotDirectory; clock: Clock }, serviceUsers: Readonly<Record<string, string>>): BrokerAccess {
  const { directory, clock } = deps;
  const skewWindow = skewWindowS(clock, CONNECT_MAX_SKEW_SECONDS);
  const isServiceUser = (username: string | undefined): username is string => !!username && Object.hasOwn(serviceUsers, username);

  return {
    async authenticate(clientId, username, password) {
      const pass = password === undefined ? '' : typeof password === 'string' ? password : Buffer.from(password).toString('utf8');
      if (isServiceUser(username)) {
        return sameSecret(serviceUsers[username]!, pass) ? { ok: true, principal: { role: 'service', user: username } } : { ok: false, reason: 'bad_password' };
      }
      if (!username || username !== clientId) return { ok: false, reason: 'client_id_mismatch' };
      let keyBinary: Uint8Array;
      try {
        keyBinary = addressToKeyBinary(username);
      } catch {
        return { ok: false, reason: 'unknown_hotspot', detail: 'invalid_address' };
      }
      const check = checkConnectPassword(username, keyBinary, pass, Math.floor(clock.now() / 1000), skewWindow);
      if (!check.ok) return { ok: false, reason: 'bad_token', detail: check.reason };
      if (!(await directory.keyOf(username))) return { ok: false, reason: 'unknown_hotspot' };
      return { ok: true, principal: { role: 'hotspot', address: username, keyBinary } };
    },

    principalOf(clientId, username) {
      if (isServiceUser(username)) return { role: 'service', user: username };
      if (!username || username !== clientId) return null;
      try {
        return { role: 'hotspot', address: username, keyBinary: addressToKeyBinary(username) };
      } catch {
        return null;
      }
    },

    mayPublish(principal, topic) {
      return principal.role === 'service' || mayPublish(principal.address, topic);
    },

    // A hotspot's `$share/…` or `$queue/…` filter fails maySubscribe (its first level is not literal
    // `hotspot` or `network`), so a hotspot never joins a shared group where the filter reaches us intact.
    maySubscribe(principal, filter) {
      return principal.role === 'service' || maySubscribe(principal.address, filter);
    },
  };
}

/** Constant time whatever the lengths: the digests are compared, not the secrets. */
export function sameSecret(wanted: string, given: string): boolean {
  const a = createHash('sha256').update(wanted, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b);
}
