import { REPORT_LEAVES, reportId } from '@hexlight/protocol';
import type { HotspotDirectory } from './registry/directory.ts';
import type { Verifier } from './verify-pool.ts';
import type { BatchWriter } from './writer.ts';
import type { IngestOutcome, RefusalReason } from './records.ts';

export interface IngestCounters {
  received: number;
  stored: number;
  duplicates: number;
  refused: Record<RefusalReason, number>;
}

/**
 * The path every report takes, whichever broker it came through: topic leaf → admission
 * (backpressure) → decode + key + signature (verify pool) → batched durable write. The promise
 * resolves only once the report is committed (or refused), so the caller acknowledges then.
 */
export class ReportPipeline {
  readonly counters: IngestCounters = {
    received: 0, stored: 0, duplicates: 0,
    refused: { bad_signature: 0, wrong_topic: 0, malformed: 0, oversized: 0, key_mismatch: 0, unknown_hotspot: 0 },
  };

  constructor(
    private readonly directory: HotspotDirectory,
    private readonly verifier: Verifier,
    private readonly writer: BatchWriter,
  ) {}

  async ingest(address: string, leaf: string, payload: Uint8Array, receivedAt: number): Promise<IngestOutcome> {
    this.counters.received++;
    const kind = (REPORT_LEAVES as Record<string, string | undefined>)[leaf];
    if (kind !== 'beacon' && kind !== 'witness') return this.refuse(reportId(payload), 'wrong_topic');
    const keyBinary = await this.directory.keyOf(address);
    if (!keyBinary) return this.refuse(reportId(payload), 'unknown_hotspot');
    await this.writer.admit();
    let outcome;
    try {
      outcome = await this.verifier.check({ kind, payload, address, keyBinary });
    } catch (err) {
      this.writer.release();
      throw err;
    }
    if (!outcome.ok) {
      this.writer.release();
      return this.refuse(outcome.id, outcome.reason);
    }
    const { stored } = await this.writer.write(outcome.record, receivedAt);
    if (stored) this.counters.stored++;
    else this.counters.duplicates++;
    return { status: stored ? 'stored' : 'duplicate', id: outcome.record.id };
  }

  private refuse(id: Uint8Array, reason: RefusalReason): IngestOutcome {
    this.counters.refused[reason]++;
    return { status: 'refused', id, reason };
  }
}

/** The JSON body published on `hotspot/<address>/rejected` (wire.md §3). */
export function rejectionMessage(topic: string, id: Uint8Array, reason: RefusalReason): string {
  return JSON.stringify({ topic, id: Buffer.from(id).toString('hex'), reason });
}
