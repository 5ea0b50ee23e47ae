import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConfigInvalid, envString } from './config.ts';
import { defineError } from './errors.ts';

export const AdminUnauthorized = defineError('ADMIN_UNAUTHORIZED', 'admin credentials missing or wrong', { httpStatus: 401 });
export const AdminDisabled = defineError('ADMIN_DISABLED', 'the admin API is off (set ADMIN_TOKEN)', { httpStatus: 403 });
export const AdminRateLimited = defineError('ADMIN_RATE_LIMITED', 'too many failed admin authentications from this address; retry later', { httpStatus: 429 });

/** A token shorter than this is guessable, which is worse than no admin API at all. */
export const ADMIN_TOKEN_MIN_LENGTH = 24;

/** ADMIN_TOKEN: undefined (admin API off) or a token of at least ADMIN_TOKEN_MIN_LENGTH characters. */
export function envAdminToken(env: Record<string, string | undefined>): string | undefined {
  const token = envString(env, 'ADMIN_TOKEN');
  if (token !== undefined && token.length < ADMIN_TOKEN_MIN_LENGTH) {
    // The length only: the value is a secret even when it is a bad one.
    throw ConfigInvalid(`ADMIN_TOKEN has ${token.length} characters, fewer than ${ADMIN_TOKEN_MIN_LENGTH}: a short token can be guessed (e.g. openssl rand -hex 24)`, { setting: 'ADMIN_TOKEN' });
  }
  return token;
}

export interface AdminAuthStats {
  /** Admin requests with a missing or wrong token. */
  failures: number;
  /** Admin requests refused because their address failed too often (ADMIN_RATE_LIMITED). */
  rateLimited: number;
}

export interface AdminHooks {
  onRequest(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  onResponse(req: FastifyRequest, reply: FastifyReply): Promise<void>;
}

export interface AdminAuth {
  /** Route hooks of an admin route: `app.get(url, { ...auth.hooks(token), schema }, handler)`. */
  hooks(token: string | undefined): AdminHooks;
  stats(): AdminAuthStats;
}

export interface AdminAuthOptions {
  nowMs?: () => number;
  /** Failures per client address within `windowMs` after which the address is refused. */
  maxFailures?: number;
  windowMs?: number;
  /** Addresses remembered at most (bounded memory under a spray of addresses). */
  maxClients?: number;
}

type Outcome = 'ok' | 'missing' | 'wrong' | 'disabled' | 'rate_limited';

/**
 * Admin authentication: `Authorization: Bearer <token>` compared in constant time (digests, so the
 * length does not leak either); failures counted and, past `maxFailures` a minute from one client
 * address, refused with 429 ADMIN_RATE_LIMITED whatever the token, so it cannot be brute-forced;
 * each admin request written as one `admin.request` log line (method, route pattern, status,
 * outcome, client; never the token).
 */
export function createAdminAuth(opts: AdminAuthOptions = {}): AdminAuth {
  const nowMs = opts.nowMs ?? Date.now;
  const maxFailures = opts.maxFailures ?? 10;
  const windowMs = opts.windowMs ?? 60_000;
  const maxClients = opts.maxClients ?? 10_000;
  const failuresBy = new Map<string, number[]>();
  const outcomes = new WeakMap<FastifyRequest, Outcome>();
  const stats: AdminAuthStats = { failures: 0, rateLimited: 0 };

  const recent = (client: string, now: number): number[] => {
    const times = (failuresBy.get(client) ?? []).filter((t) => t > now - windowMs);
    if (times.length === 0) failuresBy.delete(client);
    else failuresBy.set(client, times);
    return times;
  };
  const fail = (client: string, now: number) => {
    stats.failures++;
    const times = recent(client, now);
    if (times.length === 0) {
      if (failuresBy.size >= maxClients) failuresBy.delete(failuresBy.keys().next().value!);
      failuresBy.set(client, times);
    }
    times.push(now);
  };
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

  return {
    stats: () => ({ ...stats }),
    hooks(token) {
      const wanted = token ? digest(token) : undefined;
      return {
        async onRequest(req, reply) {
          if (!wanted) {
            outcomes.set(req, 'disabled');
            throw AdminDisabled();
          }
          const now = nowMs();
          const client = req.ip;
          const times = recent(client, now);
          if (times.length >= maxFailures) {
            stats.rateLimited++;
            outcomes.set(req, 'rate_limited');
            const retry = Math.max(1, Math.ceil((times[0]! + windowMs - now) / 1000));
            reply.header('retry-after', retry);
            throw AdminRateLimited(undefined, { retry_after_s: retry });
          }
          const header = typeof req.headers.authorization === 'string' ? req.headers.authorization : '';
          const given = header.startsWith('Bearer ') ? header.slice(7) : '';
          if (!given) {
            fail(client, now);
            outcomes.set(req, 'missing');
            throw AdminUnauthorized();
          }
          if (!timingSafeEqual(digest(given), wanted)) {
            fail(client, now);
            outcomes.set(req, 'wrong');
            throw AdminUnauthorized();
          }
          outcomes.set(req, 'ok');
        },
        async onResponse(req, reply) {
          const auth = outcomes.get(req) ?? 'ok';
          // warn, not info: operator actions are rare and must show at `hexlight up`'s default level.
          req.log.warn({
            method: req.method, route: req.routeOptions.url, status: reply.statusCode, success: auth === 'ok' && reply.statusCode < 400, auth, client: req.ip,
          }, 'admin.request');
        },
      };
    },
  };
}

/**
 * The process's admin authentication: every service's admin routes share it, so `hexlight up`
 * gives an address one failure budget across all of them, and /metrics reads one count.
 */
export const processAdminAuth: AdminAuth = createAdminAuth();

/** The hooks of an admin route on the process's admin authentication; `token` undefined = admin API off. */
export function adminGuard(token: string | undefined): AdminHooks {
  return processAdminAuth.hooks(token);
}
