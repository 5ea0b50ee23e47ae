import type { Db, Queryable } from '@hexlight/store';
import {
  OrgRangeInUse, OrgRangeInvalid, OrgRangeLimit, OrgRangeNotFound, OrgRangeOverlap, OrgRangePoolExhausted, OrgRangeTooLarge,
} from './errors.ts';

// DevAddr ranges an organisation routes: inclusive, unsigned 32-bit, never overlapping across all
// organisations. Every add checks for overlap under a table lock (SHARE ROW EXCLUSIVE conflicts
// with itself and with plain inserts and deletes), so two concurrent adds cannot both pass.

export const DEVADDR_MAX = 0xffff_ffff;
/** An explicit range: at most 2^20 addresses (a NetID type 0 network has 2^25; ask the operator). */
export const MAX_RANGE_SIZE = 1 << 20;
/** A block the network hands out (`{ size }`). */
export const MAX_FREE_BLOCK = 65_536;
export const MAX_RANGES_PER_ORG = 32;

export interface DevAddrPool {
  readonly start: number;
  readonly end: number;
}

/**
 * The block free ranges come from: Helium's original NetID 0x000024 (type 0, NwkID 0x24), whose
 * DevAddrs are 0x48000000–0x49FFFFFF. A network with its own NetID sets DEVADDR_POOL.
 */
export const DEFAULT_DEVADDR_POOL: DevAddrPool = { start: 0x4800_0000, end: 0x49ff_ffff };

export interface DevAddrRange {
  readonly id: bigint;
  readonly orgId: string;
  readonly start: number;
  readonly end: number;
  readonly createdAt: Date;
}

/** 8 hex digits ("48000000", any case) or an integer in [0, 2^32). */
export function parseDevAddr(value: unknown, field = 'dev_addr'): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= DEVADDR_MAX) return value;
  if (typeof value === 'string' && /^[0-9a-fA-F]{8}$/.test(value)) return Number.parseInt(value, 16);
  throw OrgRangeInvalid(`${field} must be 8 hex digits or an integer from 0 to ${DEVADDR_MAX}`, { field, value });
}

export function formatDevAddr(addr: number | bigint): string {
  return Number(addr).toString(16).padStart(8, '0');
}

/** "48000000-49FFFFFF" (DEVADDR_POOL). */
export function parseDevAddrPool(text: string): DevAddrPool {
  const m = /^([0-9a-fA-F]{8})-([0-9a-fA-F]{8})$/.exec(text.trim());
  if (!m) throw OrgRangeInvalid('expected <start>-<end> as 8 hex digits each, e.g. 48000000-49FFFFFF', { value: text });
  const pool = { start: Number.parseInt(m[1]!, 16), end: Number.parseInt(m[2]!, 16) };
  if (pool.start > pool.end) throw OrgRangeInvalid('the pool starts after it ends', { value: text });
  return pool;
}

interface RangeRow { id: bigint; org_id: string; start_addr: bigint; end_addr: bigint; created_at: Date }
const rangeOf = (r: RangeRow): DevAddrRange => ({ id: r.id, orgId: r.org_id, start: Number(r.start_addr), end: Number(r.end_addr), createdAt: r.created_at });

async function lockRanges(tx: Queryable, orgId: string): Promise<void> {
  await tx.query('LOCK TABLE devaddr_ranges IN SHARE ROW EXCLUSIVE MODE');
  const n = await tx.query<{ n: bigint }>('SELECT count(*) AS n FROM devaddr_ranges WHERE org_id = $1', [orgId]);
  if (n.rows[0]!.n >= BigInt(MAX_RANGES_PER_ORG)) throw OrgRangeLimit(`an organisation holds at most ${MAX_RANGES_PER_ORG} ranges`, { max: MAX_RANGES_PER_ORG });
}

async function insertRange(tx: Queryable, orgId: string, start: number, end: number, at: Date): Promise<DevAddrRange> {
  const r = await tx.query<RangeRow>(
    'INSERT INTO devaddr_ranges (org_id, start_addr, end_addr, created_at) VALUES ($1, $2, $3, $4) RETURNING id, org_id, start_addr, end_addr, created_at',
    [orgId, start, end, at],
  );
  return rangeOf(r.rows[0]!);
}

/** An explicit range `[start, end]`; ORG_RANGE_OVERLAP when any organisation routes part of it. */
export async function addRange(db: Db, orgId: string, range: { start: number; end: number }, at: Date): Promise<DevAddrRange> {
  const { start, end } = range;
  if (start > end) throw OrgRangeInvalid('the range starts after it ends', { start: formatDevAddr(start), end: formatDevAddr(end) });
  const size = end - start + 1;
  if (size > MAX_RANGE_SIZE) throw OrgRangeTooLarge(`a range holds at most ${MAX_RANGE_SIZE} addresses`, { size, max: MAX_RANGE_SIZE });
  return db.transaction(async (tx) => {
    await lockRanges(tx, orgId);
    const clash = await tx.query<RangeRow>(
      'SELECT id, org_id, start_addr, end_addr, created_at FROM devaddr_ranges WHERE start_addr <= $2 AND end_addr >= $1 ORDER BY start_addr LIMIT 1',
      [start, end],
    );
    const c = clash.rows[0];
    if (c) {
      // Another organisation's range is named by its addresses only.
      throw OrgRangeOverlap(undefined, {
        start: formatDevAddr(start), end: formatDevAddr(end),
        overlaps: { start: formatDevAddr(c.start_addr), end: formatDevAddr(c.end_addr), own: c.org_id === orgId },
      });
    }
    return insertRange(tx, orgId, start, end, at);
  });
}

/** The lowest free block of `size` addresses in the pool (first fit). */
export async function allocateRange(db: Db, orgId: string, size: number, pool: DevAddrPool, at: Date): Promise<DevAddrRange> {
  if (!Number.isInteger(size) || size < 1) throw OrgRangeInvalid('size must be a positive integer', { size });
  if (size > MAX_FREE_BLOCK) throw OrgRangeTooLarge(`the network hands out at most ${MAX_FREE_BLOCK} addresses at a time`, { size, max: MAX_FREE_BLOCK });
  return db.transaction(async (tx) => {
    await lockRanges(tx, orgId);
    const taken = await tx.query<{ start_addr: bigint; end_addr: bigint }>(
      'SELECT start_addr, end_addr FROM devaddr_ranges WHERE end_addr >= $1 AND start_addr <= $2 ORDER BY start_addr',
      [pool.start, pool.end],
    );
    let candidate = pool.start;
    for (const r of taken.rows) {
      if (Number(r.start_addr) - candidate >= size) break;
      candidate = Math.max(candidate, Number(r.end_addr) + 1);
    }
    if (pool.end - candidate + 1 < size) {
      throw OrgRangePoolExhausted(undefined, { size, pool: `${formatDevAddr(pool.start)}-${formatDevAddr(pool.end)}` });
    }
    return insertRange(tx, orgId, candidate, candidate + size - 1, at);
  });
}

export async function listRanges(q: Queryable, orgId: string): Promise<DevAddrRange[]> {
  const r = await q.query<RangeRow>('SELECT id, org_id, start_addr, end_addr, created_at FROM devaddr_ranges WHERE org_id = $1 ORDER BY start_addr', [orgId]);
  return r.rows.map(rangeOf);
}

/**
 * Deletes a range the organisation holds; ORG_RANGE_IN_USE while a device's DevAddr lies in it.
 * The delete locks the row first, so a device registered concurrently (which reads the range
 * FOR SHARE) is either seen here or refused there.
 */
export async function deleteRange(db: Db, orgId: string, id: bigint): Promise<void> {
  await db.transaction(async (tx) => {
    const del = await tx.query<{ start_addr: bigint; end_addr: bigint }>(
      'DELETE FROM devaddr_ranges WHERE id = $1 AND org_id = $2 RETURNING start_addr, end_addr', [id, orgId],
    );
    const r = del.rows[0];
    if (!r) throw OrgRangeNotFound(undefined, { id: id.toString() });
    const used = await tx.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM devices WHERE org_id = $1 AND dev_addr BETWEEN $2 AND $3', [orgId, r.start_addr, r.end_addr],
    );
    if (used.rows[0]!.n > 0n) throw OrgRangeInUse(undefined, { devices: Number(used.rows[0]!.n) });
  });
}
