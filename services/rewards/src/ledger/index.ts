export { closeEpoch, computeStoredEpoch, type CloseEpochOptions, type CloseEpochResult, type EpochRewardConfig } from './close.ts';
export { EpochNotClosed, EpochNotReady, EpochOwnerUnknown, REWARDS_LEDGER_ERROR_CODES, RewardsLedgerErrors } from './errors.ts';
export { assertEpochReady, type EpochInputs, readEpochInputs } from './inputs.ts';
export {
  type EpochHotspotReward,
  type HistoryOptions,
  hotspotRewardHistory,
  type OwnerBalance,
  ownerBalance,
  ownerRewardHistory,
} from './queries.ts';
export { recomputeEpoch, type RecomputeOptions, type RecomputeResult } from './recompute.ts';
export { type ClosedEpoch, type LedgerHotspotReward, readClosedEpoch, type StoredManifest } from './stored.ts';
export { epochAt, epochWindow, type EpochWindow } from './window.ts';
