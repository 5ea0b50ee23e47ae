export * from './epoch/index.ts';
export * from './ledger/index.ts';
export * from './payouts/index.ts';
export * from './accounts/index.ts';
export * from './payments/index.ts';
export { fixedPrice, type PriceSource } from './price.ts';
export { createRewards, DEFAULT_SCHEDULE, loadRewardsConfig, type Rewards, type RewardsConfig, type RewardsDeps, type RewardsPassResult, type RewardsStats, REWARDS_LOCK } from './service.ts';
export { rewardsRoutes, type RewardsRoutesDeps } from './routes.ts';
