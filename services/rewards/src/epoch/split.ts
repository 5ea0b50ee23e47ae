import { EpochConfigInvalid } from './errors.ts';

/** Shares of an epoch's emission in basis points; the treasury gets what is left. */
export interface PoolSplit {
  readonly beaconBps: number;
  readonly witnessBps: number;
  readonly dataBps: number;
  readonly operationsBps: number;
  readonly oraclesBps: number;
}

/**
 * Helium IoT (`iot_verifier/src/reward_share.rs`): beacons 6 %, witnesses 24 %, data 50 %,
 * operations 7 %, oracles 7 %; the remaining 6 % (Helium's on-chain veHNT delegators) is our treasury.
 */
export const HELIUM_IOT_SPLIT: PoolSplit = Object.freeze({
  beaconBps: 600,
  witnessBps: 2400,
  dataBps: 5000,
  operationsBps: 700,
  oraclesBps: 700,
});

export interface Pools {
  readonly beacon: bigint;
  readonly witness: bigint;
  readonly data: bigint;
  readonly operations: bigint;
  readonly oracles: bigint;
  readonly treasury: bigint;
}

const BPS = 10_000n;

export function treasuryBps(split: PoolSplit): number {
  return 10_000 - (split.beaconBps + split.witnessBps + split.dataBps + split.operationsBps + split.oraclesBps);
}

function checkSplit(split: PoolSplit): void {
  for (const [field, bps] of Object.entries(split)) {
    if (!Number.isInteger(bps) || bps < 0) throw EpochConfigInvalid(`${field} must be a non-negative integer`, { field });
  }
  if (treasuryBps(split) < 0) throw EpochConfigInvalid('split adds up to more than 10,000 bps', { field: 'split' });
}

/**
 * Each named pool is floor(emission × bps / 10,000); the treasury is the residual, so it takes the
 * rounding dust (at most 4 bones) and the pools sum to `emission` exactly.
 */
export function splitPools(emission: bigint, split: PoolSplit = HELIUM_IOT_SPLIT): Pools {
  checkSplit(split);
  if (emission < 0n) throw EpochConfigInvalid('emission must be ≥ 0', { field: 'emission' });
  const part = (bps: number): bigint => (emission * BigInt(bps)) / BPS;
  const beacon = part(split.beaconBps);
  const witness = part(split.witnessBps);
  const data = part(split.dataBps);
  const operations = part(split.operationsBps);
  const oracles = part(split.oraclesBps);
  const treasury = emission - beacon - witness - data - operations - oracles;
  return { beacon, witness, data, operations, oracles, treasury };
}
