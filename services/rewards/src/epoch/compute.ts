import { allocate, compareAddress } from './allocate.ts';
import { applyDataCap, DC_PER_USD, type DataCap } from './data-cap.ts';
import { addDec, type Dec, decFromBigint, decToString, parseDec, ratioToFixed, scaleTo } from './decimal.ts';
import { type EmissionSchedule, emissionForEpoch } from './emission.ts';
import { EpochInputInvalid } from './errors.ts';
import { HELIUM_IOT_SPLIT, type PoolSplit, type Pools, splitPools, treasuryBps } from './split.ts';

/** One `poc_reward_shares` row (shares as the exact decimal text of `numeric(20, 8)`). */
export interface PocShareRow {
  readonly hotspot: string;
  readonly role: 'beacon' | 'witness';
  readonly shares: string;
}

export interface DataShareRow {
  readonly hotspot: string;
  readonly dcBurned: bigint;
}

export interface EpochInput {
  readonly epoch: { readonly startMs: number; readonly lengthMs: number };
  readonly schedule: EmissionSchedule;
  readonly split?: PoolSplit;
  readonly pocShares: readonly PocShareRow[];
  readonly dataShares: readonly DataShareRow[];
  /** USD per whole token, exact decimal text ("2.5"). */
  readonly tokenPriceUsd: string;
  /** Token decimals: bones per token = 10^decimals. */
  readonly decimals: number;
}

export interface HotspotReward {
  readonly hotspot: string;
  readonly beacon: bigint;
  readonly witness: bigint;
  readonly data: bigint;
  readonly total: bigint;
}

/** Digits printed for the per-share rates in the manifest (Helium keeps 15). */
export const RATE_DECIMALS = 15;

export interface EpochManifest {
  readonly startMs: number;
  readonly lengthMs: number;
  readonly emission: string;
  readonly split: PoolSplit & { readonly treasuryBps: number };
  readonly tokenPriceUsd: string;
  readonly decimals: number;
  readonly dcPerUsd: string;
  /** Exact Σ of each category's shares (DC for data): with the reward pools, the exact rates. */
  readonly totalShares: { readonly beacon: string; readonly witness: string; readonly data: string };
  /** Bones per share, `pool / Σ shares` at RATE_DECIMALS, half to even; "0" when Σ = 0. Display only. */
  readonly ratePerShare: { readonly beacon: string; readonly witness: string; readonly data: string };
}

export interface EpochRewards {
  readonly emission: bigint;
  /** The split of `emission` before the data cap. */
  readonly scheduledPools: Pools;
  readonly dataCap: DataCap;
  /** What each category distributes after the cap: beacon + toBeacon, witness + toWitness, data paid. */
  readonly rewardPools: { readonly beacon: bigint; readonly witness: bigint; readonly data: bigint };
  readonly unallocated: { readonly beacon: bigint; readonly witness: bigint; readonly data: bigint };
  readonly operations: bigint;
  readonly oracles: bigint;
  readonly treasury: bigint;
  /** Ascending by address; hotspots whose every amount is 0 are left out, as Helium does. */
  readonly hotspots: readonly HotspotReward[];
  readonly manifest: EpochManifest;
}

function sumInto(map: Map<string, Dec>, hotspot: string, value: Dec): void {
  map.set(hotspot, addDec(map.get(hotspot) ?? { m: 0n, s: 0 }, value));
}

function rate(pool: bigint, total: Dec): string {
  if (total.m === 0n) return '0';
  // pool / (m / 10^s) = pool × 10^s / m
  return ratioToFixed(pool * scaleTo({ m: 1n, s: 0 }, total.s), total.m, RATE_DECIMALS);
}

/** Rewards of one closed epoch: a pure function of its input, independent of row order. */
export function computeEpoch(input: EpochInput): EpochRewards {
  const split = input.split ?? HELIUM_IOT_SPLIT;
  const price = parseDec(input.tokenPriceUsd);
  const emission = emissionForEpoch(input.schedule, input.epoch.startMs, input.epoch.lengthMs);
  const scheduledPools = splitPools(emission, split);

  const beaconShares = new Map<string, Dec>();
  const witnessShares = new Map<string, Dec>();
  for (const row of input.pocShares) {
    if (row.role !== 'beacon' && row.role !== 'witness') {
      throw EpochInputInvalid(`unknown role ${String(row.role)}`, { hotspot: row.hotspot, field: 'role' });
    }
    sumInto(row.role === 'beacon' ? beaconShares : witnessShares, row.hotspot, parseDec(row.shares));
  }
  const dcShares = new Map<string, Dec>();
  let dcTotal = 0n;
  for (const row of input.dataShares) {
    if (row.dcBurned < 0n) throw EpochInputInvalid('negative DC burned', { hotspot: row.hotspot, field: 'dcBurned' });
    sumInto(dcShares, row.hotspot, decFromBigint(row.dcBurned));
    dcTotal += row.dcBurned;
  }

  const dataCap = applyDataCap(scheduledPools.data, dcTotal, price, input.decimals);
  const rewardPools = {
    beacon: scheduledPools.beacon + dataCap.toBeacon,
    witness: scheduledPools.witness + dataCap.toWitness,
    data: dataCap.paid,
  };
  const beacon = allocate(rewardPools.beacon, beaconShares);
  const witness = allocate(rewardPools.witness, witnessShares);
  const data = allocate(rewardPools.data, dcShares);

  const addresses = [...new Set([...beacon.amounts.keys(), ...witness.amounts.keys(), ...data.amounts.keys()])].sort(compareAddress);
  const hotspots: HotspotReward[] = [];
  for (const hotspot of addresses) {
    const b = beacon.amounts.get(hotspot) ?? 0n;
    const w = witness.amounts.get(hotspot) ?? 0n;
    const d = data.amounts.get(hotspot) ?? 0n;
    const total = b + w + d;
    if (total > 0n) hotspots.push({ hotspot, beacon: b, witness: w, data: d, total });
  }

  const manifest: EpochManifest = {
    startMs: input.epoch.startMs,
    lengthMs: input.epoch.lengthMs,
    emission: emission.toString(),
    split: { ...split, treasuryBps: treasuryBps(split) },
    tokenPriceUsd: decToString(price),
    decimals: input.decimals,
    dcPerUsd: DC_PER_USD.toString(),
    totalShares: {
      beacon: decToString(beacon.totalShares),
      witness: decToString(witness.totalShares),
      data: decToString(data.totalShares),
    },
    ratePerShare: {
      beacon: rate(rewardPools.beacon, beacon.totalShares),
      witness: rate(rewardPools.witness, witness.totalShares),
      data: rate(rewardPools.data, data.totalShares),
    },
  };

  return {
    emission,
    scheduledPools,
    dataCap,
    rewardPools,
    unallocated: { beacon: beacon.unallocated, witness: witness.unallocated, data: data.unallocated },
    operations: scheduledPools.operations,
    oracles: scheduledPools.oracles,
    treasury: scheduledPools.treasury,
    hotspots,
    manifest,
  };
}
