import type { Clock } from '@hexlight/kit';
import type { Db, Queryable } from '@hexlight/store';
import { computeEpoch, type EmissionSchedule, type EpochRewards, type PoolSplit } from '../epoch/index.ts';
import { EpochNotClosed, EpochOwnerUnknown } from './errors.ts';
import { assertEpochReady, readEpochInputs } from './inputs.ts';
import { type ClosedEpoch, type LedgerHotspotReward, readClosedEpoch, storedManifest } from './stored.ts';
import { epochWindow, type EpochWindow } from './window.ts';

/** The settings an epoch's rewards depend on (the same at close and at recompute). */
export interface EpochRewardConfig {
  readonly epochLengthMs: number;
  readonly schedule: EmissionSchedule;
  /** Default Helium IoT (6/24/50/7/7, treasury 6 %). */
  readonly split?: PoolSplit;
  /** USD per whole token, exact decimal text. */
  readonly tokenPriceUsd: string;
  readonly decimals: number;
}

export interface CloseEpochOptions extends EpochRewardConfig {
  readonly epochNumber: number;
  readonly clock: Clock;
  /** Wait after the epoch end before closing, for late reports and verdicts (default 0). */
  readonly graceMs?: number;
}

export interface CloseEpochResult {
  /** true when this call wrote the epoch; false when it was already closed (nothing changed). */
  readonly created: boolean;
  readonly epoch: ClosedEpoch;
}

/** Runs the epoch math over the stored shares of one window (shared by close and recompute). */
export async function computeStoredEpoch(q: Queryable, w: EpochWindow, config: EpochRewardConfig): Promise<EpochRewards> {
  const inputs = await readEpochInputs(q, w);
  return computeEpoch({
    epoch: { startMs: w.startMs, lengthMs: w.lengthMs },
    schedule: config.schedule,
    ...(config.split ? { split: config.split } : {}),
    pocShares: inputs.pocShares,
    dataShares: inputs.dataShares,
    tokenPriceUsd: config.tokenPriceUsd,
    decimals: config.decimals,
  });
}

/**
 * Closes one epoch: after the data-complete gate, computes its rewards and, in one transaction,
 * records the epoch, each hotspot's rewards under its current owner, and adds them to the owners'
 * lifetime totals. Closing a closed epoch returns the stored result and changes nothing.
 */
export async function closeEpoch(db: Db, opts: CloseEpochOptions): Promise<CloseEpochResult> {
  const w = epochWindow(opts.epochNumber, opts.epochLengthMs);
  const graceMs = opts.graceMs ?? 0;
  return db.transaction(async (tx) => {
    const stored = await readClosedEpoch(tx, w.epoch);
    if (stored) return { created: false, epoch: stored };
    const closedAtMs = opts.clock.now();
    await assertEpochReady(tx, w, closedAtMs, graceMs);
    const rewards = await computeStoredEpoch(tx, w, opts);
    const manifest = storedManifest(rewards);
    const pools = { ...rewards.rewardPools, operations: rewards.operations, oracles: rewards.oracles, treasury: rewards.treasury };

    // The primary key settles a race with a concurrent close: the loser inserts nothing.
    const inserted = await tx.query(
      `INSERT INTO reward_epochs (epoch, start_at, end_at, status, emission, beacon_pool, witness_pool, data_pool,
         operations_pool, oracles_pool, treasury_pool, beacon_unallocated, witness_unallocated, data_unallocated, manifest, closed_at)
       VALUES ($1, $2, $3, 'closed', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (epoch) DO NOTHING RETURNING epoch`,
      [w.epoch, new Date(w.startMs), new Date(w.endMs), rewards.emission.toString(),
        pools.beacon.toString(), pools.witness.toString(), pools.data.toString(),
        pools.operations.toString(), pools.oracles.toString(), pools.treasury.toString(),
        rewards.unallocated.beacon.toString(), rewards.unallocated.witness.toString(), rewards.unallocated.data.toString(),
        JSON.stringify(manifest), new Date(closedAtMs)],
    );
    if (inserted.rowCount === 0) {
      const winner = await readClosedEpoch(tx, w.epoch);
      if (!winner) throw EpochNotClosed('epoch row conflicted but cannot be read', { epoch: w.epoch });
      return { created: false, epoch: winner };
    }

    const hotspots = await withOwners(tx, w.epoch, rewards);
    if (hotspots.length > 0) {
      await tx.query(
        `INSERT INTO hotspot_rewards (epoch, hotspot, owner, beacon, witness, data, total)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[])`,
        [w.epoch, hotspots.map((h) => h.hotspot), hotspots.map((h) => h.owner), hotspots.map((h) => h.beacon.toString()),
          hotspots.map((h) => h.witness.toString()), hotspots.map((h) => h.data.toString()), hotspots.map((h) => h.total.toString())],
      );
      // Lifetime totals, as Helium's reward_index: rewards[owner] += amount, in the same transaction.
      await tx.query(
        `INSERT INTO owner_balances (owner, lifetime)
         SELECT owner, sum(total) FROM hotspot_rewards WHERE epoch = $1 GROUP BY owner
         ON CONFLICT (owner) DO UPDATE SET lifetime = owner_balances.lifetime + EXCLUDED.lifetime`,
        [w.epoch],
      );
    }
    const epoch: ClosedEpoch = {
      epoch: w.epoch,
      startMs: w.startMs,
      endMs: w.endMs,
      closedAtMs,
      emission: rewards.emission,
      pools,
      unallocated: rewards.unallocated,
      manifest,
      hotspots,
    };
    return { created: true, epoch };
  });
}

/** Owners as the registry has them now, read inside the closing transaction. */
async function withOwners(q: Queryable, epoch: number, rewards: EpochRewards): Promise<LedgerHotspotReward[]> {
  if (rewards.hotspots.length === 0) return [];
  const owners = await q.query<{ address: string; owner: string }>('SELECT address, owner FROM hotspots WHERE address = ANY($1::text[])', [
    rewards.hotspots.map((h) => h.hotspot),
  ]);
  const byAddress = new Map(owners.rows.map((r) => [r.address, r.owner]));
  return rewards.hotspots.map((h) => {
    const owner = byAddress.get(h.hotspot);
    if (owner === undefined) throw EpochOwnerUnknown(undefined, { epoch, hotspot: h.hotspot });
    return { ...h, owner };
  });
}
