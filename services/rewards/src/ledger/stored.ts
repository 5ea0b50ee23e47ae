import type { Queryable } from '@hexlight/store';
import { compareAddress, type EpochManifest, type EpochRewards, type HotspotReward, type Pools } from '../epoch/index.ts';

/** The computation's manifest plus the pool arithmetic before allocation, all amounts as decimal text. */
export interface StoredManifest extends EpochManifest {
  readonly scheduledPools: {
    readonly beacon: string;
    readonly witness: string;
    readonly data: string;
    readonly operations: string;
    readonly oracles: string;
    readonly treasury: string;
  };
  readonly dataCap: {
    readonly dcValue: string;
    readonly paid: string;
    readonly unused: string;
    readonly toBeacon: string;
    readonly toWitness: string;
    readonly capBinding: boolean;
  };
}

export interface LedgerHotspotReward extends HotspotReward {
  /** hotspots.owner when the epoch closed; later owner changes do not move it. */
  readonly owner: string;
}

export interface ClosedEpoch {
  readonly epoch: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly closedAtMs: number;
  readonly emission: bigint;
  /** What each pool distributed: beacon and witness include the unused data pool, data is capped. */
  readonly pools: Pools;
  readonly unallocated: { readonly beacon: bigint; readonly witness: bigint; readonly data: bigint };
  readonly manifest: StoredManifest;
  /** Ascending by address (code-unit order), as computeEpoch emits them. */
  readonly hotspots: readonly LedgerHotspotReward[];
}

export function storedManifest(r: EpochRewards): StoredManifest {
  const p = r.scheduledPools;
  const c = r.dataCap;
  return {
    ...r.manifest,
    scheduledPools: {
      beacon: p.beacon.toString(),
      witness: p.witness.toString(),
      data: p.data.toString(),
      operations: p.operations.toString(),
      oracles: p.oracles.toString(),
      treasury: p.treasury.toString(),
    },
    dataCap: {
      dcValue: c.dcValue.toString(),
      paid: c.paid.toString(),
      unused: c.unused.toString(),
      toBeacon: c.toBeacon.toString(),
      toWitness: c.toWitness.toString(),
      capBinding: c.capBinding,
    },
  };
}

interface EpochRow {
  epoch: bigint;
  start_at: Date;
  end_at: Date;
  emission: string;
  beacon_pool: string;
  witness_pool: string;
  data_pool: string;
  operations_pool: string;
  oracles_pool: string;
  treasury_pool: string;
  beacon_unallocated: string;
  witness_unallocated: string;
  data_unallocated: string;
  manifest: StoredManifest;
  closed_at: Date;
}

export interface HotspotRewardRow {
  epoch: bigint;
  hotspot: string;
  owner: string;
  beacon: string;
  witness: string;
  data: string;
  total: string;
}

export function hotspotRewardOf(r: Omit<HotspotRewardRow, 'epoch'>): LedgerHotspotReward {
  return { hotspot: r.hotspot, owner: r.owner, beacon: BigInt(r.beacon), witness: BigInt(r.witness), data: BigInt(r.data), total: BigInt(r.total) };
}

/**
 * Sorted by address in code-unit order, so stored and computed lists compare. The rows usually
 * come back in the order the close inserted them, which is that order: check before sorting (a
 * comparator sort of a million rows takes seconds). SQL collation order is not code-unit order,
 * so ORDER BY alone would not do.
 */
function inAddressOrder(rows: LedgerHotspotReward[]): LedgerHotspotReward[] {
  for (let i = 1; i < rows.length; i++) {
    if (compareAddress(rows[i - 1]!.hotspot, rows[i]!.hotspot) > 0) return rows.sort((a, b) => compareAddress(a.hotspot, b.hotspot));
  }
  return rows;
}

/** The stored epoch, or undefined when it has not been closed. */
export async function readClosedEpoch(q: Queryable, epoch: number): Promise<ClosedEpoch | undefined> {
  const e = (await q.query<EpochRow>('SELECT * FROM reward_epochs WHERE epoch = $1', [epoch])).rows[0];
  if (!e) return undefined;
  // No epoch column: every row has this one, and each column read costs on a million rows.
  const hs = await q.query<Omit<HotspotRewardRow, 'epoch'>>(
    'SELECT hotspot, owner, beacon::text, witness::text, data::text, total::text FROM hotspot_rewards WHERE epoch = $1',
    [epoch],
  );
  return {
    epoch: Number(e.epoch),
    startMs: e.start_at.getTime(),
    endMs: e.end_at.getTime(),
    closedAtMs: e.closed_at.getTime(),
    emission: BigInt(e.emission),
    pools: {
      beacon: BigInt(e.beacon_pool),
      witness: BigInt(e.witness_pool),
      data: BigInt(e.data_pool),
      operations: BigInt(e.operations_pool),
      oracles: BigInt(e.oracles_pool),
      treasury: BigInt(e.treasury_pool),
    },
    unallocated: { beacon: BigInt(e.beacon_unallocated), witness: BigInt(e.witness_unallocated), data: BigInt(e.data_unallocated) },
    manifest: e.manifest,
    hotspots: inAddressOrder(hs.rows.map(hotspotRewardOf)),
  };
}
