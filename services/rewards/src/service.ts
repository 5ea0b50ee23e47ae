/**
 * The rewards service: closes epochs as they become ready, then drives payouts, on a timer. Its
 * routes: the owner API (`rewardsRoutes`), organisations and their DC (`accountRoutes`) and card
 * payments (`paymentRoutes`). Settings come from REWARDS_*, PAYMENTS_PROVIDER, STRIPE_*, PUBLIC_URL and
 * DEVADDR_POOL (README "Configuration").
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Chain, PriorityFee } from '@hexlight/chain';
import { clockTimers, ConfigInvalid, envAdminToken, envBool, envInt, envString, freezeDeep, type Clock, type Logger, type Service } from '@hexlight/kit';
import { withAdvisoryLock, type Db } from '@hexlight/store';
import { DAY_MS, type EmissionSchedule } from './epoch/index.ts';
import { closeEpoch, EpochNotReady, epochAt, epochWindow, type EpochRewardConfig } from './ledger/index.ts';
import { createPayoutEngine, type PassResult, type PayoutEngine, type PayoutKeys } from './payouts/index.ts';
import { fixedPrice, type PriceSource } from './price.ts';
import { rewardsRoutes } from './routes.ts';
import { accountRoutes, DEFAULT_DEVADDR_POOL, parseDevAddrPool, type DevAddrPool } from './accounts/index.ts';
import { createPayments, loadPaymentsConfig, paymentRoutes, type Payments, type PaymentsConfig } from './payments/index.ts';

export interface RewardsConfig {
  readonly epochLengthMs: number;
  /** Wait after an epoch's end for late reports and verdicts before closing it. */
  readonly graceMs: number;
  readonly schedule: EmissionSchedule;
  /** Token decimals: base units per token = 10^decimals. */
  readonly decimals: number;
  /** USD per token for the fixed price source (embedded mode). */
  readonly tokenPriceUsd: string;
  readonly minPayout: bigint;
  readonly priorityFee: PriorityFee | undefined;
  /** Pause between passes, in clock ms (a `--speed` clock shortens it in real time). */
  readonly intervalMs: number;
  /** false: close epochs and keep the ledger, send nothing to the chain. */
  readonly payouts: boolean;
  /** At most this many epochs closed per pass (catching up after downtime). */
  readonly maxClosesPerPass: number;
  /** Bearer token of `/v1/admin/rewards/*` (ADMIN_TOKEN); undefined = off. */
  readonly adminToken: string | undefined;
  /** Card payments of DC: provider and its secrets, PUBLIC_URL. */
  readonly payments: PaymentsConfig;
  /** Where free DevAddr blocks come from (DEVADDR_POOL). */
  readonly devaddrPool: DevAddrPool;
}

/** Helium's IOT schedule from 2025-08-01: 44.52 M tokens a day (6 decimals), halving every 2 years. */
export const DEFAULT_SCHEDULE = { dailyTokens: 44_520_000n, startMs: Date.UTC(2025, 7, 1), halvingIntervalDays: 730 };

type Env = Record<string, string | undefined>;

/** REWARDS_* settings; `defaults` lets `hexlight up` shorten epochs for a demo. */
export function loadRewardsConfig(env: Env = process.env, defaults: { epochS?: number; graceS?: number } = {}): Readonly<RewardsConfig> {
  const decimals = envInt(env, 'REWARDS_TOKEN_DECIMALS', 6, { min: 0, max: 9 });
  const dailyTokens = envBigint(env, 'REWARDS_DAILY_EMISSION_TOKENS', DEFAULT_SCHEDULE.dailyTokens);
  const epochS = envInt(env, 'REWARDS_EPOCH_S', defaults.epochS ?? 86_400, { min: 1, max: 86_400 * 7 });
  const price = envString(env, 'REWARDS_TOKEN_PRICE_USD', '0.0004');
  try {
    fixedPrice(price);
  } catch {
    throw ConfigInvalid(`REWARDS_TOKEN_PRICE_USD=${JSON.stringify(price)} is not a non-negative decimal`, { setting: 'REWARDS_TOKEN_PRICE_USD' });
  }
  const fee = envInt(env, 'REWARDS_PRIORITY_FEE_MICROLAMPORTS', 0, { min: 0 });
  const poolText = envString(env, 'DEVADDR_POOL');
  let devaddrPool = DEFAULT_DEVADDR_POOL;
  if (poolText !== undefined) {
    try {
      devaddrPool = parseDevAddrPool(poolText);
    } catch (err) {
      throw ConfigInvalid(`DEVADDR_POOL=${JSON.stringify(poolText)}: ${(err as Error).message}`, { setting: 'DEVADDR_POOL' });
    }
  }
  const start = envString(env, 'REWARDS_EMISSION_START');
  const startMs = start === undefined ? DEFAULT_SCHEDULE.startMs : Date.parse(start);
  if (!Number.isFinite(startMs)) throw ConfigInvalid(`REWARDS_EMISSION_START=${JSON.stringify(start)} is not an ISO date`, { setting: 'REWARDS_EMISSION_START' });
  return freezeDeep({
    epochLengthMs: epochS * 1000,
    graceMs: envInt(env, 'REWARDS_GRACE_S', defaults.graceS ?? 1_800, { min: 0 }) * 1000,
    schedule: { dailyEmission: dailyTokens * 10n ** BigInt(decimals), startMs, halvingIntervalDays: envInt(env, 'REWARDS_HALVING_DAYS', DEFAULT_SCHEDULE.halvingIntervalDays, { min: 0 }) },
    decimals,
    tokenPriceUsd: price,
    minPayout: envBigint(env, 'REWARDS_MIN_PAYOUT', 1n),
    priorityFee: fee > 0 ? { microLamports: fee } : undefined,
    intervalMs: envInt(env, 'REWARDS_INTERVAL_S', 10, { min: 1 }) * 1000,
    payouts: envBool(env, 'REWARDS_PAYOUTS', true),
    maxClosesPerPass: 50,
    adminToken: envAdminToken(env),
    payments: loadPaymentsConfig(env),
    devaddrPool,
  });
}

function envBigint(env: Env, name: string, fallback: bigint): bigint {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,30}$/.test(raw)) throw ConfigInvalid(`${name}=${JSON.stringify(raw)} is not a non-negative integer`, { setting: name });
  return BigInt(raw);
}

export interface RewardsDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly log: Logger;
  readonly chain: Chain;
  readonly keys: PayoutKeys;
  /** Default: the fixed price of the config. */
  readonly price?: PriceSource;
  /** Default: the adapter the config names (Stripe, or the embedded test provider). */
  readonly payments?: Payments;
}

export interface RewardsPassResult {
  readonly closed: number[];
  /** true: another instance held the rewarder lock, so this one did nothing this time. */
  readonly skipped?: true;
  /** Why the next epoch did not close, when it is due but refused (e.g. verifier_behind). */
  readonly waiting?: string;
  readonly payouts?: PassResult;
}

export interface Rewards extends Service {
  readonly routes: FastifyPluginAsync;
  readonly payouts: PayoutEngine;
  readonly payments: Payments;
  /**
   * One pass now (tests, demos): close what is ready, then one payout pass, under the rewarder
   * lock; `{ closed: [], skipped: true }` when another instance holds it.
   */
  runOnce(): Promise<RewardsPassResult>;
  /** What the last pass did, for status lines; `skipped`: passes left to another instance. */
  stats(): RewardsStats;
}

export interface RewardsStats {
  lastClosed: number | null;
  lastPass: RewardsPassResult | null;
  lastError: string | null;
  passes: number;
  skipped: number;
}

/**
 * The rewarder is a singleton elected per pass with a PostgreSQL advisory lock (session-level, on
 * a connection held for the pass): a second instance finds it taken and skips its pass.
 */
export const REWARDS_LOCK = 'hexlight.rewards';

export function createRewards(deps: RewardsDeps, config: Readonly<RewardsConfig>): Rewards {
  const { db, clock, log } = deps;
  const price = deps.price ?? fixedPrice(config.tokenPriceUsd);
  const payments = deps.payments ?? createPayments(config.payments);
  const engine = createPayoutEngine(
    { db, chain: deps.chain, clock, log, keys: deps.keys },
    { decimals: config.decimals, minPayout: config.minPayout, ...(config.priorityFee ? { priorityFee: config.priorityFee } : {}) },
  );
  const timers = clockTimers(clock);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let lastPass: RewardsPassResult | null = null;
  let lastError: string | null = null;
  let lastClosed: number | null = null;
  let mintReady = false;
  let passes = 0;
  let skipped = 0;

  /** The first epoch to close: after the last closed one, else the one holding the first share. */
  async function nextEpoch(): Promise<number | null> {
    const last = await db.query<{ epoch: string | null }>('SELECT max(epoch)::text AS epoch FROM reward_epochs');
    if (last.rows[0]!.epoch !== null) return Number(last.rows[0]!.epoch) + 1;
    const first = await db.query<{ at: Date | null }>(
      `SELECT least((SELECT min(reward_at) FROM poc_reward_shares), (SELECT min(reward_at) FROM data_transfer_shares)) AS at`,
    );
    const at = first.rows[0]!.at;
    return at ? epochAt(at.getTime(), config.epochLengthMs) : null;
  }

  async function closeReady(): Promise<{ closed: number[]; waiting?: string }> {
    const closed: number[] = [];
    let next = await nextEpoch();
    while (next !== null && closed.length < config.maxClosesPerPass) {
      const w = epochWindow(next, config.epochLengthMs);
      if (clock.now() < w.endMs + config.graceMs) break;
      const rewardConfig: EpochRewardConfig = {
        epochLengthMs: config.epochLengthMs, schedule: config.schedule, decimals: config.decimals, tokenPriceUsd: await price.tokenPriceUsd(w.endMs),
      };
      try {
        const r = await closeEpoch(db, { ...rewardConfig, epochNumber: next, clock, graceMs: config.graceMs });
        log.info({ epoch: next, hotspots: r.epoch.hotspots.length, emission: r.epoch.emission.toString() }, 'rewards.epoch.closed');
      } catch (err) {
        if (!EpochNotReady.is(err)) throw err;
        const reason = String((err as { details?: { reason?: string } }).details?.reason ?? 'not ready');
        return { closed, waiting: `epoch ${next}: ${reason}` };
      }
      closed.push(next);
      lastClosed = next;
      next++;
    }
    return { closed };
  }

  async function runOnce(): Promise<RewardsPassResult> {
    const r = await withAdvisoryLock(db, REWARDS_LOCK, passLocked);
    if (r.acquired) return r.value;
    skipped++;
    log.debug({ lock: REWARDS_LOCK }, 'rewards.pass.skipped');
    return { closed: [], skipped: true };
  }

  async function passLocked(): Promise<RewardsPassResult> {
    passes++;
    const { closed, waiting } = await closeReady();
    let payouts: PassResult | undefined;
    if (config.payouts) {
      if (!mintReady) mintReady = (await engine.ensureMint(), true);
      payouts = await engine.pass();
    }
    lastPass = { closed, ...(waiting ? { waiting } : {}), ...(payouts ? { payouts } : {}) };
    return lastPass;
  }

  const tick = () => {
    running = runOnce().then(
      () => { lastError = null; },
      (err: Error) => {
        lastError = err.message;
        log.error({ err: err.message, code: (err as { code?: string }).code }, 'rewards.pass.failed');
      },
    ).finally(() => {
      if (!stopped) timer = timers.setTimeout(tick, config.intervalMs);
    });
  };

  return {
    name: 'rewards',
    payouts: engine,
    payments,
    routes: async (app) => {
      await app.register(rewardsRoutes({
        db, clock, epochLengthMs: config.epochLengthMs, graceMs: config.graceMs, payouts: engine, decimals: config.decimals,
        chain: deps.chain, mint: engine.mint, escrowOwner: engine.escrowOwner, adminToken: config.adminToken,
      }));
      await app.register(accountRoutes({ db, clock, devaddrPool: config.devaddrPool, adminToken: config.adminToken }));
      await app.register(paymentRoutes({ db, clock, log, payments, publicUrl: config.payments.publicUrl }));
    },
    runOnce,
    stats: () => ({ lastClosed, lastPass, lastError, passes, skipped }),
    async start() {
      stopped = false;
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) timers.clearTimeout(timer);
      await running; // a pass in flight finishes: every attempt it signed is recorded or sent
    },
  };
}

