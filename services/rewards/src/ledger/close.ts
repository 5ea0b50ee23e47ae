import type { Clock } from '@hexlight/kit';
import type { Db, Queryable } from '@hexlight/store';
import { computeEpoch, type EmissionSchedule, type EpochRewards, type PoolSplit } from '../epoch/index.ts';
import { inChunks, integerArray, textArray } from './bulk.ts';
import { EpochNotClosed, EpochOwnerUnknown } from './errors.ts';
import { assertEpochReady, type EpochInputs, readEpochInputs, readEpochInputsWithOwners } from './inputs.ts';
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
  return computeInputs(w, config, await readEpochInputs(q, w));
}

function computeInputs(w: EpochWindow, config: EpochRewardConfig, inputs: EpochInputs): EpochRewards {
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
    const inputs = await readEpochInputsWithOwners(tx, w);
    const rewards = computeInputs(w, opts, inputs);
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

    const hotspots = withOwners(w.epoch, rewards, inputs.owners);
    // In address order, so the primary key and the hotspot index fill front to back.
    await inChunks(
      tx,
      `INSERT INTO hotspot_rewards (epoch, hotspot, owner, beacon, witness, data, total)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[])`,
      hotspots,
      (chunk) => [w.epoch, textArray(chunk.map((h) => h.hotspot)), textArray(chunk.map((h) => h.owner)), integerArray(chunk.map((h) => h.beacon)),
        integerArray(chunk.map((h) => h.witness)), integerArray(chunk.map((h) => h.data)), integerArray(chunk.map((h) => h.total))],
    );
    // Lifetime totals, as Helium's reward_index: rewards[owner] += amount, in the same transaction.
    const owed = ownerTotals(hotspots);
    await inChunks(
      tx,
      `INSERT INTO owner_balances (owner, lifetime) SELECT * FROM unnest($1::text[], $2::numeric[])
       ON CONFLICT (owner) DO UPDATE SET lifetime = owner_balances.lifetime + EXCLUDED.lifetime`,
      owed,
      (chunk) => [textArray(chunk.map(([owner]) => owner)), integerArray(chunk.map(([, total]) => total))],
    );
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

/** Each rewarded hotspot with its owner as the registry had it when the inputs were read, inside the closing transaction. */
function withOwners(epoch: number, rewards: EpochRewards, owners: ReadonlyMap<string, string>): LedgerHotspotReward[] {
  return rewards.hotspots.map((h) => {
    const owner = owners.get(h.hotspot);
    if (owner === undefined) throw EpochOwnerUnknown(undefined, { epoch, hotspot: h.hotspot });
    return { hotspot: h.hotspot, beacon: h.beacon, witness: h.witness, data: h.data, total: h.total, owner };
  });
}

/** Σ total per owner, in code-unit order of the owner (the primary key's order under the C collation). */
function ownerTotals(hotspots: readonly LedgerHotspotReward[]): [string, bigint][] {
  const totals = new Map<string, bigint>();
  for (const h of hotspots) totals.set(h.owner, (totals.get(h.owner) ?? 0n) + h.total);
  // The default sort is code-unit order too, without a comparator call per comparison.
  return [...totals.keys()].sort().map((owner) => [owner, totals.get(owner)!]);
}
