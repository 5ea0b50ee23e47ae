import type { Db, Queryable } from '@hexlight/store';
import type { Logger } from '@hexlight/kit';
import type { BeaconRecord, ReportRecord, WitnessRecord } from './records.ts';

export interface WriterConfig {
  /** Flush when this many reports are waiting. */
  maxBatch: number;
  /** …or when the oldest waiting report has waited this long (ms). */
  maxDelayMs: number;
  /** Reports admitted but not yet committed; beyond it, `admit` waits (backpressure). */
  maxPending: number;
  /** Concurrent flush transactions (1 for PGlite, 2 is plenty for PostgreSQL on 2 cores). */
  concurrency: number;
}

export interface WriteResult {
  stored: boolean; // false = a duplicate of a report already stored
}

/** What a flush sees of a queued report. */
export interface BatchItem<R> {
  readonly record: R;
  readonly receivedAt: number;
}

/**
 * The work of one batch inside its transaction: returns the items it stored (the others were
 * resends), and optionally what to count once the transaction has committed.
 */
export type FlushBatch<R> = (tx: Queryable, items: readonly BatchItem<R>[]) => Promise<{ fresh: ReadonlySet<BatchItem<R>>; committed?: () => void }>;

interface Item<R> extends BatchItem<R> {
  resolve: (r: WriteResult) => void;
  reject: (err: Error) => void;
}

export interface WriterStats {
  pending: number;
  batches: number;
  lastBatchMs: number;
  lastBatchSize: number;
  failures: number;
  stored: number;
  duplicates: number;
}

/**
 * Batched durable writes. `write` resolves only after the transaction holding the report has
 * committed, so the caller can PUBACK. A failed flush is retried with backoff and nothing is
 * acknowledged meanwhile: when the database is down, ingest stops acknowledging instead of
 * dropping, and `admit` stops new work once `maxPending` reports are waiting.
 */
export class BatchWriter<R = ReportRecord> {
  private queue: Item<R>[] = [];
  private flushing = 0;
  private timer: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private closed = false;
  /** > 0 while flushing is paused after a failure, until the retry timer fires. */
  private retryDelay = 0;
  /** The last retry delay: doubles per failed retry (100 ms … 5 s), back to 0 on a commit. */
  private backoff = 0;
  readonly stats: WriterStats = { pending: 0, batches: 0, lastBatchMs: 0, lastBatchSize: 0, failures: 0, stored: 0, duplicates: 0 };

  constructor(
    private readonly db: Db,
    private readonly config: WriterConfig,
    private readonly log: Logger,
    private readonly flushBatch: FlushBatch<R>,
  ) {}

  /** Resolves when there is room for one more report. */
  admit(): Promise<void> {
    if (this.stats.pending < this.config.maxPending) {
      this.stats.pending++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(() => { this.stats.pending++; resolve(); }));
  }

  /** Gives back a slot taken by `admit` for a report that will not be written (refused). */
  release(): void {
    this.stats.pending--;
    this.wakeWaiters();
  }

  /** Queues an admitted report; resolves after commit. */
  write(record: R, receivedAt: number): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error('writer closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ record, receivedAt, resolve, reject });
      if (this.queue.length >= this.config.maxBatch) this.kick();
      else if (!this.timer && this.retryDelay === 0) this.timer = setTimeout(() => this.kick(), this.config.maxDelayMs);
    });
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.queue.length > 0 && this.flushing < this.config.concurrency && this.retryDelay === 0) {
      const batch = this.queue.splice(0, this.config.maxBatch);
      this.flushing++;
      void this.flush(batch);
    }
  }

  private async flush(batch: Item<R>[]): Promise<void> {
    const started = performance.now();
    try {
      const { fresh, committed } = await this.db.transaction((tx) => this.flushBatch(tx, batch));
      // Counting only: what is committed is acknowledged whatever happens here.
      try {
        committed?.();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'ingest.write.count-failed');
      }
      const ms = performance.now() - started;
      Object.assign(this.stats, { batches: this.stats.batches + 1, lastBatchMs: ms, lastBatchSize: batch.length });
      this.retryDelay = 0;
      this.backoff = 0;
      for (const item of batch) {
        const stored = fresh.has(item as BatchItem<R>);
        if (stored) this.stats.stored++;
        else this.stats.duplicates++;
        item.resolve({ stored });
      }
      this.stats.pending -= batch.length;
      this.wakeWaiters();
    } catch (err) {
      this.stats.failures++;
      if (this.closed) {
        this.stats.pending -= batch.length;
        for (const item of batch) item.reject(err as Error);
        return;
      }
      // Put the batch back in front and retry later: nothing in it has been acknowledged.
      this.queue.unshift(...batch);
      // One retry timer at a time (a concurrent batch failing meanwhile just waits for it); the
      // delay grows across retries, so it is kept apart from the pause flag the timer clears.
      if (this.retryDelay === 0) {
        this.backoff = Math.min(Math.max(this.backoff * 2, 100), 5_000);
        this.retryDelay = this.backoff;
        setTimeout(() => { this.retryDelay = 0; this.kick(); }, this.retryDelay).unref();
      }
      this.log.warn({ err: (err as Error).message, retryInMs: this.retryDelay, waiting: this.queue.length }, 'ingest.write.failed');
    } finally {
      this.flushing--;
      if (this.queue.length >= this.config.maxBatch) this.kick();
      else if (this.queue.length > 0 && !this.timer && this.retryDelay === 0) this.timer = setTimeout(() => this.kick(), this.config.maxDelayMs);
    }
  }

  private wakeWaiters(): void {
    while (this.waiters.length > 0 && this.stats.pending < this.config.maxPending) this.waiters.shift()!();
  }

  /**
   * Forgets report ids older than `retentionMs` (the raw tables' retention): a resend arrives
   * within minutes, and an id kept forever would grow without bound.
   */
  async pruneIds(olderThan: Date): Promise<number> {
    const res = await this.db.query(`DELETE FROM report_ids WHERE received_at < $1`, [olderThan]);
    return res.rowCount;
  }

  /** Flushes what is queued, then refuses new writes; anything still unwritten is rejected (not acknowledged). */
  async close(timeoutMs = 10_000): Promise<void> {
    this.kick();
    const deadline = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.flushing > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      if (this.retryDelay === 0) this.kick();
    }
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const item of this.queue.splice(0)) item.reject(new Error('ingest stopping'));
    for (const w of this.waiters.splice(0)) w();
  }
}

/**
 * Claims the batch's report ids in report_ids and returns the items whose ids were new: a resend
 * (in this batch or of a report committed before) is dropped here. Ids are claimed in sorted
 * order so two concurrent batches holding the same resends cannot deadlock on them.
 */
export async function claimReportIds<T extends BatchItem<{ id: Uint8Array }>>(tx: Queryable, batch: readonly T[]): Promise<T[]> {
  // A resend can sit in the same batch as its original: keep the first.
  const unique = new Map<string, T>();
  for (const item of batch) {
    const key = Buffer.from(item.record.id).toString('hex');
    if (!unique.has(key)) unique.set(key, item);
  }
  const keys = [...unique.keys()].sort();
  const items = keys.map((k) => unique.get(k)!);
  const claimed = await tx.query<{ id: Uint8Array }>(
    `INSERT INTO report_ids (id, received_at)
     SELECT * FROM unnest($1::bytea[], $2::timestamptz[])
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [items.map((i) => i.record.id), items.map((i) => new Date(i.receivedAt))],
  );
  const newIds = new Set(claimed.rows.map((r) => Buffer.from(r.id).toString('hex')));
  return items.filter((i) => newIds.has(Buffer.from(i.record.id).toString('hex')));
}

/** Beacons and witnesses: claim ids in report_ids, then insert only the reports whose ids were new. */
export const writeReportBatch: FlushBatch<ReportRecord> = async (tx, batch) => {
  const fresh = await claimReportIds(tx, batch);
  const beacons = fresh.filter((i) => i.record.kind === 'beacon');
  const witnesses = fresh.filter((i) => i.record.kind === 'witness');
  if (beacons.length > 0) await insertBeacons(tx, beacons);
  if (witnesses.length > 0) await insertWitnesses(tx, witnesses);
  return { fresh: new Set(fresh) };
};

async function insertBeacons(tx: Queryable, items: readonly BatchItem<ReportRecord>[]): Promise<void> {
  const rs = items.map((i) => i.record as BeaconRecord);
  await tx.query(
    `INSERT INTO beacon_reports (id, received_at, hotspot, local_entropy, remote_entropy, data, frequency, channel, datarate, tx_power, hotspot_ts, tmst, payload)
     SELECT * FROM unnest($1::bytea[], $2::timestamptz[], $3::text[], $4::bytea[], $5::bytea[], $6::bytea[], $7::int8[], $8::int4[], $9::int4[], $10::int4[], $11::numeric[], $12::int8[], $13::bytea[])`,
    [
      rs.map((r) => r.id), items.map((i) => new Date(i.receivedAt)), rs.map((r) => r.hotspot), rs.map((r) => r.localEntropy),
      rs.map((r) => r.remoteEntropy), rs.map((r) => r.data), rs.map((r) => r.frequency), rs.map((r) => r.channel),
      rs.map((r) => r.datarate), rs.map((r) => r.txPower), rs.map((r) => r.hotspotTs), rs.map((r) => r.tmst), rs.map((r) => r.payload),
    ],
  );
}

async function insertWitnesses(tx: Queryable, items: readonly BatchItem<ReportRecord>[]): Promise<void> {
  const rs = items.map((i) => i.record as WitnessRecord);
  await tx.query(
    `INSERT INTO witness_reports (id, received_at, hotspot, data, signal, snr, frequency, datarate, hotspot_ts, tmst, payload)
     SELECT * FROM unnest($1::bytea[], $2::timestamptz[], $3::text[], $4::bytea[], $5::int4[], $6::int4[], $7::int8[], $8::int4[], $9::numeric[], $10::int8[], $11::bytea[])`,
    [
      rs.map((r) => r.id), items.map((i) => new Date(i.receivedAt)), rs.map((r) => r.hotspot), rs.map((r) => r.data),
      rs.map((r) => r.signal), rs.map((r) => r.snr), rs.map((r) => r.frequency), rs.map((r) => r.datarate),
      rs.map((r) => r.hotspotTs), rs.map((r) => r.tmst), rs.map((r) => r.payload),
    ],
  );
}
