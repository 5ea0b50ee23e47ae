import { createHash } from 'node:crypto';
import type { Db } from '@hexlight/store';
import { MapsApiKeyInvalid, MapsApiKeyMissing, MapsInsufficientDc } from './errors.ts';

export interface Caller { orgId: string; keyPrefix: string }

/** The billed endpoints of the coverage API (the `endpoint` of maps_usage rows). */
export const MAPS_API_ENDPOINTS = ['hexes', 'point', 'summary', 'tiles', 'export'] as const;
export type MapsApiEndpoint = (typeof MAPS_API_ENDPOINTS)[number];

/** Coverage API usage of this process, counted after each billing statement committed (/metrics reads it). */
export interface MapsApiStats {
  requests: Record<string, number>;
  hexes: Record<string, number>;
  dcBilled: number;
  /** Requests refused by the per-organisation rate limit (429 MAPS_RATE_LIMITED). */
  rateLimited: number;
}

export function createApiStats(): MapsApiStats {
  return { requests: {}, hexes: {}, dcBilled: 0, rateLimited: 0 };
}

export function countBilled(stats: MapsApiStats, endpoint: string, units: number, dc: number): void {
  stats.requests[endpoint] = (stats.requests[endpoint] ?? 0) + 1;
  stats.hexes[endpoint] = (stats.hexes[endpoint] ?? 0) + units;
  stats.dcBilled += dc;
}

/** `Authorization: Bearer <key>` or `x-api-key: <key>`; the key is looked up by its SHA-256 in org_api_keys. */
export async function authenticate(db: Db, headers: Record<string, unknown>): Promise<Caller> {
  const auth = typeof headers.authorization === 'string' ? headers.authorization : '';
  const key = auth.startsWith('Bearer ') ? auth.slice(7).trim() : typeof headers['x-api-key'] === 'string' ? (headers['x-api-key'] as string).trim() : '';
  if (!key) throw MapsApiKeyMissing();
  const hash = createHash('sha256').update(key, 'utf8').digest();
  const r = await db.query<{ org_id: string; prefix: string }>('SELECT org_id, prefix FROM org_api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [hash]);
  if (!r.rows[0]) throw MapsApiKeyInvalid();
  return { orgId: r.rows[0].org_id, keyPrefix: r.rows[0].prefix };
}

/**
 * Bills one request atomically: one statement debits the organisation (never below zero), appends
 * the dc_ledger burn with ref `maps:<request id>` (when dc > 0) and records the usage row; a single
 * statement is its own transaction, so either all three happen or none. An uncovered cost changes
 * nothing and throws MAPS_INSUFFICIENT_DC (402). Call it before the response is sent.
 */
export async function bill(db: Db, caller: Caller, req: { requestId: string; endpoint: MapsApiEndpoint; units: number; dc: number; atMs: number }): Promise<{ balance: bigint }> {
  const dc = BigInt(req.dc);
  const at = new Date(req.atMs);
  const r = await db.query<{ dc_balance: bigint }>(
    `WITH debit AS (
       UPDATE organisations SET dc_balance = dc_balance - $1 WHERE id = $2 AND dc_balance >= $1 RETURNING id, dc_balance
     ), burn AS (
       INSERT INTO dc_ledger (org_id, at, kind, amount, balance_after, ref, details)
       SELECT id, $3, 'burn', -$1::int8, dc_balance, $4, $5::jsonb FROM debit WHERE $1::int8 > 0
     ), usage AS (
       INSERT INTO maps_usage (request_id, org_id, at, endpoint, units, dc) SELECT $6, id, $3, $7, $8, $1 FROM debit
     )
     SELECT dc_balance FROM debit`,
    [dc, caller.orgId, at, `maps:${req.requestId}`, JSON.stringify({ endpoint: req.endpoint, units: req.units }), req.requestId, req.endpoint, req.units]);
  if (!r.rows[0]) {
    const cur = await db.query<{ dc_balance: bigint }>('SELECT dc_balance FROM organisations WHERE id = $1', [caller.orgId]);
    throw MapsInsufficientDc(undefined, { required_dc: req.dc, balance_dc: Number(cur.rows[0]?.dc_balance ?? 0n), units: req.units });
  }
  return { balance: r.rows[0].dc_balance };
}
