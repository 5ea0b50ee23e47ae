export { type Allocation, allocate, compareAddress } from './allocate.ts';
export { type DataCap, applyDataCap, DC_PER_USD, dcToBones, UNUSED_DATA_BEACON_PERCENT } from './data-cap.ts';
export { type Dec, DEC_ZERO, decFromBigint, decToString, parseDec } from './decimal.ts';
export { cumulativeEmission, DAY_MS, dailyRate, type EmissionSchedule, emissionForEpoch } from './emission.ts';
export { DecimalMalformed, EpochConfigInvalid, EpochInputInvalid, REWARDS_EPOCH_ERROR_CODES, RewardsEpochErrors } from './errors.ts';
export { HELIUM_IOT_SPLIT, type PoolSplit, type Pools, splitPools, treasuryBps } from './split.ts';
export {
  computeEpoch,
  type DataShareRow,
  type EpochInput,
  type EpochManifest,
  type EpochRewards,
  type HotspotReward,
  type PocShareRow,
  RATE_DECIMALS,
} from './compute.ts';
