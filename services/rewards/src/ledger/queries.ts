import type { Queryable } from '@hexlight/store';
import { hotspotRewardOf, type HotspotRewardRow, type LedgerHotspotReward } from './stored.ts';

// Read side for the owner API: per-epoch rewards with their breakdown, and balances.

export interface EpochHotspotReward extends LedgerHotspotReward {
  readonly epoch: number;
}

export interface HistoryOptions {
  /** Newest first; rows with epoch < beforeEpoch (for paging). */
  readonly beforeEpoch?: number;
  /** Default 30, at most 1,000. */
  readonly limit?: number;
}

export interface OwnerBalance {
  readonly owner: string;
  readonly lifetime: bigint;
  readonly paid: bigint;
  /** lifetime − paid: what a payout still has to send. */
  readonly owed: bigint;
}

const COLUMNS = 'epoch, hotspot, owner, beacon::text, witness::text, data::text, total::text';

function page(opts: HistoryOptions): [number, number] {
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 30), 1), 1000);
  return [opts.beforeEpoch ?? Number.MAX_SAFE_INTEGER, limit];
}

function rowOf(r: HotspotRewardRow): EpochHotspotReward {
  return { epoch: Number(r.epoch), ...hotspotRewardOf(r) };
}

/** One hotspot's rewards per epoch with the beacon/witness/data breakdown, newest first. */
export async function hotspotRewardHistory(q: Queryable, hotspot: string, opts: HistoryOptions = {}): Promise<EpochHotspotReward[]> {
  const [before, limit] = page(opts);
  const res = await q.query<HotspotRewardRow>(
    `SELECT ${COLUMNS} FROM hotspot_rewards WHERE hotspot = $1 AND epoch < $2 ORDER BY epoch DESC LIMIT $3`,
    [hotspot, before, limit],
  );
  return res.rows.map(rowOf);
}

/** Rewards credited to an owner (the owner at each epoch's close), per epoch and hotspot, newest first. */
export async function ownerRewardHistory(q: Queryable, owner: string, opts: HistoryOptions = {}): Promise<EpochHotspotReward[]> {
  const [before, limit] = page(opts);
  const res = await q.query<HotspotRewardRow>(
    `SELECT ${COLUMNS} FROM hotspot_rewards WHERE owner = $1 AND epoch < $2 ORDER BY epoch DESC, hotspot LIMIT $3`,
    [owner, before, limit],
  );
  return res.rows.map(rowOf);
}

/** Lifetime, paid and owed for one owner; zeros for an owner never rewarded. */
export async function ownerBalance(q: Queryable, owner: string): Promise<OwnerBalance> {
  const res = await q.query<{ lifetime: string; paid: string }>('SELECT lifetime::text, paid::text FROM owner_balances WHERE owner = $1', [owner]);
  const row = res.rows[0];
  const lifetime = BigInt(row?.lifetime ?? '0');
  const paid = BigInt(row?.paid ?? '0');
  return { owner, lifetime, paid, owed: lifetime - paid };
}
