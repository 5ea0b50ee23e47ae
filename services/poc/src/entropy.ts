import { createHash, randomBytes } from 'node:crypto';
import bs58 from 'bs58';
import { encodeEntropy, ENTROPY_TOPIC } from '@hexlight/protocol';
import type { Db } from '@hexlight/store';
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

/**
 * Publishes new entropy every `intervalMs` (60 s of the clock's time) retained on network/entropy,
 * stored first so a beacon built on it can always be joined to it.
 */
export function createEntropyPublisher(deps: EntropyDeps, intervalMs = 60_000): Service & { current(): EntropyRecord | null; publishNow(): Promise<void> } {
  const timers = clockTimers(deps.clock);
  let timer: NodeJS.Timeout | null = null;
  let current: EntropyRecord | null = null;

  async function tick(): Promise<void> {
    const timestamp = Math.floor(deps.clock.now() / 1000);
    const rec = deriveEntropy(await deps.source.latest(), timestamp);
    await deps.db.query(
      `INSERT INTO entropy (data, timestamp, version, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (data) DO NOTHING`,
      [rec.data, BigInt(rec.timestamp), rec.version, new Date(deps.clock.now())],
    );
    await deps.publish(ENTROPY_TOPIC, Buffer.from(encodeEntropy(rec)), { qos: 1, retain: true });
    current = rec;
    deps.log.debug({ timestamp }, 'poc.entropy.published');
  }

  return {
    name: 'entropy',
    current: () => current,
    publishNow: tick,
    async start() {
      await tick();
      timer = timers.setInterval(() => tick().catch((err: Error) => deps.log.warn({ err: err.message }, 'poc.entropy.failed')), intervalMs);
    },
    async stop() {
      if (timer) timers.clearInterval(timer);
      timer = null;
    },
  };
}
