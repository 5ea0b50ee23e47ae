import { createHash, randomBytes } from 'node:crypto';
import bs58 from 'bs58';
import { encodeEntropy, ENTROPY_TOPIC } from '@hexlight/protocol';
import { tryAdvisoryLock, type AdvisoryLock, type Db } from '@hexlight/store';
import { clockTimers, type Clock, type Logger, type Service } from '@hexlight/kit';

/** Where fresh unpredictability comes from (Helium: the chain's latest blockhash). */
export interface EntropySource {
  latest(): Promise<Uint8Array>;
}

/** 32 bytes from the OS CSPRNG (tests, and deployments without a chain). */
export const randomEntropySource: EntropySource = { latest: async () => randomBytes(32) };

/** The narrow part of the Chain port entropy needs. */
export interface BlockhashSource {
  latestBlockhash(): Promise<{ blockhash: string }>;
}

/**
 * Helium's source: the chain's latest blockhash (base58, 32 bytes). Nobody can predict it, and
 * anyone can check afterwards that the network did not pick it.
 */
export function chainEntropySource(chain: BlockhashSource): EntropySource {
  return { latest: async () => bs58.decode((await chain.latestBlockhash()).blockhash) };
}

export interface EntropyDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  source: EntropySource;
  publish(topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }): Promise<void>;
}

export interface EntropyRecord {
  data: Uint8Array;
  timestamp: number;
  version: number;
}

/** Helium's derivation: data = hash(timestamp as i64 LE ‖ source); SHA-256 stands in for blake3. */
export function deriveEntropy(source: Uint8Array, timestampS: number): EntropyRecord {
  const ts = Buffer.alloc(8);
  ts.writeBigInt64LE(BigInt(timestampS));
  return { data: createHash('sha256').update(ts).update(source).digest(), timestamp: timestampS, version: 0 };
}

/** The advisory lock whose holder is the one entropy publisher among all PoC instances. */
export const ENTROPY_LOCK = 'hexlight.entropy';

export interface EntropyStats {
  /** true while this instance holds the publisher lock. */
  leader: boolean;
  /** Entropies this instance created and published. */
  published: number;
  /** Ticks left to the instance holding the lock. */
  skipped: number;
}

export interface EntropyPublisher extends Service {
  current(): EntropyRecord | null;
  /** A new entropy now if this instance is (or becomes) the publisher; otherwise nothing (tests, demos). */
  publishNow(): Promise<void>;
  readonly stats: EntropyStats;
}

/**
 * Publishes new entropy every `intervalMs` (60 s of the clock's time) retained on network/entropy,
 * stored first so a beacon built on it can always be joined to it.
 *
 * Several PoC instances may run: the publisher is the one holding the `hexlight.entropy` advisory
 * lock (session-level, on a connection held for the process's lifetime, so it frees itself when
 * that process dies). The others try to take it on each tick and skip while they cannot. A new
 * holder first re-publishes the newest stored entropy if it is less than an interval old (the
 * previous holder's, or its own before a restart), so a hand-over adds no extra entropy.
 */
export function createEntropyPublisher(deps: EntropyDeps, intervalMs = 60_000): EntropyPublisher {
  const timers = clockTimers(deps.clock);
  let timer: NodeJS.Timeout | null = null;
  let current: EntropyRecord | null = null;
  let lease: AdvisoryLock | null = null;
  const stats: EntropyStats = { leader: false, published: 0, skipped: 0 };

  /** Keeps or takes the lock; 'new' when this call took it. */
  async function lead(): Promise<'held' | 'new' | null> {
    if (lease) {
      if (await lease.alive()) return 'held';
      deps.log.warn({ lock: ENTROPY_LOCK }, 'poc.entropy.lock_lost');
      await lease.release();
      lease = null;
      stats.leader = false;
    }
    lease = await tryAdvisoryLock(deps.db, ENTROPY_LOCK);
    stats.leader = lease !== null;
    if (!lease) return null;
    deps.log.info({ lock: ENTROPY_LOCK }, 'poc.entropy.leader');
    return 'new';
  }

  async function tick(force = false): Promise<void> {
    const role = await lead();
    if (!role) {
      stats.skipped++;
      deps.log.debug({ lock: ENTROPY_LOCK }, 'poc.entropy.skipped');
      return;
    }
    const nowMs = deps.clock.now();
    if (role === 'new' && !force) {
      const last = await deps.db.query<{ data: Uint8Array; timestamp: bigint; version: number }>(
        `SELECT data, timestamp, version FROM entropy ORDER BY timestamp DESC LIMIT 1`,
      );
      const rec = last.rows[0];
      if (rec && Number(rec.timestamp) * 1000 > nowMs - intervalMs) {
        current = { data: rec.data, timestamp: Number(rec.timestamp), version: rec.version };
        await deps.publish(ENTROPY_TOPIC, Buffer.from(encodeEntropy(current)), { qos: 1, retain: true });
        deps.log.debug({ timestamp: current.timestamp }, 'poc.entropy.republished');
        return;
      }
    }
    const timestamp = Math.floor(nowMs / 1000);
    const rec = deriveEntropy(await deps.source.latest(), timestamp);
    await deps.db.query(
      `INSERT INTO entropy (data, timestamp, version, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (data) DO NOTHING`,
      [rec.data, BigInt(rec.timestamp), rec.version, new Date(nowMs)],
    );
    await deps.publish(ENTROPY_TOPIC, Buffer.from(encodeEntropy(rec)), { qos: 1, retain: true });
    current = rec;
    stats.published++;
    deps.log.debug({ timestamp }, 'poc.entropy.published');
  }

  return {
    name: 'entropy',
    stats,
    current: () => current,
    publishNow: () => tick(true),
    async start() {
      await tick();
      timer = timers.setInterval(() => tick().catch((err: Error) => deps.log.warn({ err: err.message }, 'poc.entropy.failed')), intervalMs);
    },
    async stop() {
      if (timer) timers.clearInterval(timer);
      timer = null;
      await lease?.release();
      lease = null;
      stats.leader = false;
    },
  };
}
