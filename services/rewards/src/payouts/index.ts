export {
  createPayoutEngine,
  type CrashPoint,
  type PassResult,
  type PayoutConfig,
  type PayoutEngine,
  type PayoutEngineDeps,
  type PayoutKeys,
  type PayoutStatus,
} from './engine.ts';
export { EscrowShort, PayoutConfigInvalid, REWARDS_PAYOUT_ERROR_CODES, RewardsPayoutErrors } from './errors.ts';
export { formatReconcile, reconcile, type Difference, type ReconcileOptions, type ReconcileReport } from './reconcile.ts';
