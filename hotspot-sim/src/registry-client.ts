import type { HotspotKey, SolanaWallet } from '@hexlight/protocol';
import { signEd25519 } from '@hexlight/protocol';
import { defineError } from '@hexlight/kit';

// The hotspot registry API as an owner's app would use it (services/ingest README "Hotspot
// registry API"). The signed strings are the wire contract, built here rather than imported from
// the ingest service: the simulator is a client and must not depend on a service's internals.

export type Capability = 'full' | 'data_only';

export interface Assertion {
  nonce: number;
  /** H3 res-12 cell, lower-case hex. */
  location: string;
  region: string;
  /** dBi × 10 */
  gain: number;
  /** m */
  elevation: number;
  capability: Capability;
}

export const RegistryRequestFailed = defineError('SIM_REGISTRY_REQUEST_FAILED', 'the registry API refused a simulator request', { httpStatus: 502 });

export function onboardMessage(address: string, owner: string, unixSeconds: number): Uint8Array {
  return Buffer.from(`hexlight-onboard:v1:${address}:${owner}:${unixSeconds}`, 'utf8');
}

export function assertMessage(address: string, a: Assertion): Uint8Array {
  return Buffer.from(`hexlight-assert:v1:${address}:${a.nonce}:${a.location}:${a.region}:${a.gain}:${a.elevation}:${a.capability}`, 'utf8');
}

export interface RegistryClient {
  /** 'created' (201) or 'exists' (409 HOTSPOT_EXISTS, e.g. a restart with the same seed). */
  onboard(key: HotspotKey, owner: SolanaWallet, unixSeconds: number): Promise<'created' | 'exists'>;
  /**
   * Asserts with `nonce`; if the registry already holds a larger one (NONCE_REPLAYED, e.g. clocks
   * differ), retries once just above it. Returns the nonce that was accepted.
   */
  assert(address: string, owner: SolanaWallet, assertion: Assertion): Promise<number>;
}

type Fetch = typeof fetch;

interface ErrorBody {
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
}

export function createRegistryClient(apiUrl: string, fetchImpl: Fetch = fetch): RegistryClient {
  const base = apiUrl.replace(/\/+$/, '');

  const post = async (path: string, body: unknown): Promise<{ status: number; body: ErrorBody }> => {
    let res: Response;
    try {
      res = await fetchImpl(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (cause) {
      throw RegistryRequestFailed(`POST ${base}${path} failed: ${(cause as Error).message}`, { path, status: 0 }, cause);
    }
    const text = await res.text();
    let parsed: ErrorBody = {};
    try {
      parsed = text ? (JSON.parse(text) as ErrorBody) : {};
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed };
  };

  const failure = (step: string, address: string, res: { status: number; body: ErrorBody }) =>
    RegistryRequestFailed(`${step} ${address}: HTTP ${res.status} ${res.body.code ?? ''} ${res.body.message ?? ''}`.trim(), {
      step, address, status: res.status, code: res.body.code,
    });

  return {
    async onboard(key, owner, unixSeconds) {
      const msg = onboardMessage(key.address, owner.address, unixSeconds);
      const res = await post('/v1/hotspots', {
        address: key.address,
        owner: owner.address,
        timestamp: unixSeconds,
        hotspot_signature: Buffer.from(signEd25519(key.privateKey, msg)).toString('base64'),
        owner_signature: Buffer.from(owner.sign(msg)).toString('base64'),
      });
      if (res.status === 201) return 'created';
      if (res.status === 409 && res.body.code === 'HOTSPOT_EXISTS') return 'exists';
      throw failure('onboard', key.address, res);
    },

    async assert(address, owner, assertion) {
      const send = (a: Assertion) => post(`/v1/hotspots/${encodeURIComponent(address)}/assert`, {
        nonce: a.nonce,
        location: a.location,
        region: a.region,
        gain: a.gain,
        elevation: a.elevation,
        capability: a.capability,
        owner_signature: Buffer.from(owner.sign(assertMessage(address, a))).toString('base64'),
      });
      let res = await send(assertion);
      if (res.status === 200) return assertion.nonce;
      const last = res.body.details?.last_nonce;
      if (res.status === 409 && res.body.code === 'NONCE_REPLAYED' && typeof last === 'number' && Number.isSafeInteger(last + 1)) {
        const retry = { ...assertion, nonce: last + 1 };
        res = await send(retry);
        if (res.status === 200) return retry.nonce;
      }
      throw failure('assert', address, res);
    },
  };
}
