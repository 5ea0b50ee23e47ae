import type { FastifyPluginAsync } from 'fastify';
import { ConfigInvalid, envAdminToken, envInt, envString, freezeDeep, type Clock, type Logger, type Service } from '@hexlight/kit';
import type { Db } from '@hexlight/store';
import { createEntropyPublisher, type EntropySource, type EntropyStats } from './entropy.ts';
import { createPocRunner, type RunnerStats } from './live/runner.ts';
import { pocRoutes } from './routes.ts';
import { DEFAULT_RULESET, rulesetByName } from './verifier/rulesets.ts';

export interface PocConfig {
  ruleset: string;
  entropyIntervalMs: number;
  verifyIntervalMs: number;
  batchSize: number;
  staleAfterMs: number;
  adminToken: string | undefined;
  denylistFile: string | undefined;
  denylistMode: 'fail-open' | 'fail-closed';
}

/** POC_* settings from the environment (README "Configuration"). */
export function loadPocConfig(env: Record<string, string | undefined> = process.env): Readonly<PocConfig> {
  const ruleset = envString(env, 'POC_RULESET', DEFAULT_RULESET);
  rulesetByName(ruleset); // POC_UNKNOWN_RULESET names the choices
  return freezeDeep({
    ruleset,
    entropyIntervalMs: envInt(env, 'ENTROPY_INTERVAL_S', 60, { min: 1 }) * 1000,
    verifyIntervalMs: envInt(env, 'POC_VERIFY_INTERVAL_S', 30, { min: 1 }) * 1000,
    batchSize: envInt(env, 'POC_BATCH', 2000, { min: 1, max: 50_000 }),
    staleAfterMs: envInt(env, 'POC_STALE_AFTER_S', 45 * 60, { min: 1 }) * 1000,
    adminToken: envAdminToken(env),
    denylistFile: envString(env, 'POC_DENYLIST_FILE'),
    denylistMode: denylistMode(envString(env, 'POC_DENYLIST_MODE', 'fail-open')),
  });
}

function denylistMode(v: string): 'fail-open' | 'fail-closed' {
  if (v !== 'fail-open' && v !== 'fail-closed') throw ConfigInvalid(`POC_DENYLIST_MODE=${v}: use fail-open or fail-closed`, { setting: 'POC_DENYLIST_MODE' });
  return v;
}

export interface PocDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  entropySource: EntropySource;
  /** Publishes on the network's broker (network/entropy). */
  publish(topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }): Promise<void>;
}

export interface Poc extends Service {
  readonly routes: FastifyPluginAsync;
  /** One verification pass now (tests, demos); the service also runs them on a timer. */
  verifyNow(): Promise<number>;
  /** Rotates entropy now (tests, demos); the service also rotates it on a timer. */
  rotateEntropy(): Promise<void>;
  stats(): PocStats;
}

/** The verifier's counters and the entropy publisher's (`entropyLeader`: this instance publishes). */
export interface PocStats extends RunnerStats {
  entropyLeader: boolean;
  entropyPublished: number;
  entropySkipped: number;
}

/** Entropy publisher + live verifier + owner API. */
export function createPoc(deps: PocDeps, config: Readonly<PocConfig>): Poc {
  const entropy = createEntropyPublisher({ db: deps.db, clock: deps.clock, log: deps.log, source: deps.entropySource, publish: deps.publish }, config.entropyIntervalMs);
  const runner = createPocRunner({ db: deps.db, clock: deps.clock, log: deps.log }, {
    rulesetName: config.ruleset, ruleset: rulesetByName(config.ruleset), intervalMs: config.verifyIntervalMs, batchSize: config.batchSize, staleAfterMs: config.staleAfterMs,
    denylistFile: config.denylistFile, denylistMode: config.denylistMode,
  });
  return {
    name: 'poc',
    routes: pocRoutes({ db: deps.db, clock: deps.clock, adminToken: config.adminToken }),
    verifyNow: () => runner.tick(),
    rotateEntropy: () => entropy.publishNow(),
    stats: () => ({ ...runner.stats, entropyLeader: entropy.stats.leader, entropyPublished: entropy.stats.published, entropySkipped: entropy.stats.skipped }),
    async start() {
      await entropy.start();
      await runner.start();
    },
    async stop() {
      await runner.stop();
      await entropy.stop();
    },
  };
}
