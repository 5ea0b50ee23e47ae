import { REPORT_LEAVES, reportId } from '@hexlight/protocol';
import type { HotspotDirectory } from './registry/directory.ts';
import type { Verifier } from './verify-pool.ts';
import type { BatchWriter } from './writer.ts';
import type { RoutedPacket } from './packets/meter.ts';
import type { DevAddrRoutes } from './packets/routes.ts';
import type { DeviceDirectory } from './packets/devices.ts';
import type { IngestOutcome, PacketRecord, RefusalReason } from './records.ts';

/** Where verified packet reports go: routing to an organisation, then the metering writer. */
export interface PacketPath {
  routes: DevAddrRoutes;
  devices: DeviceDirectory;
  writer: BatchWriter<RoutedPacket>;
}

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
    refused: {
      bad_signature: 0, wrong_topic: 0, malformed: 0, oversized: 0, key_mismatch: 0, unknown_hotspot: 0,
      malformed_frame: 0, unknown_devaddr: 0, unknown_device: 0,
    },
  };

  constructor(
    private readonly directory: HotspotDirectory,
    private readonly verifier: Verifier,
    private readonly writer: BatchWriter,
    private readonly packets: PacketPath | null = null,
  ) {}

  async ingest(address: string, leaf: string, payload: Uint8Array, receivedAt: number): Promise<IngestOutcome> {
    this.counters.received++;
    const kind = (REPORT_LEAVES as Record<string, string | undefined>)[leaf];
    if (kind !== 'beacon' && kind !== 'witness' && !(kind === 'packet' && this.packets)) return this.refuse(reportId(payload), 'wrong_topic');
    const keyBinary = await this.directory.keyOf(address);
    if (!keyBinary) return this.refuse(reportId(payload), 'unknown_hotspot');
    const writer: { admit(): Promise<void>; release(): void } = kind === 'packet' ? this.packets!.writer : this.writer;
    await writer.admit();
    let outcome;
    try {
      outcome = await this.verifier.check({ kind, payload, address, keyBinary });
    } catch (err) {
      writer.release();
      throw err;
    }
    if (!outcome.ok) {
      writer.release();
      return this.refuse(outcome.id, outcome.reason);
    }
    if (outcome.record.kind === 'packet') return this.ingestPacket(outcome.record, receivedAt);
    const { stored } = await this.writer.write(outcome.record, receivedAt);
    if (stored) this.counters.stored++;
    else this.counters.duplicates++;
    return { status: stored ? 'stored' : 'duplicate', id: outcome.record.id };
  }

  /** Routes a verified packet to its organisation (or refuses it), then meters it; resolves after commit. */
  private async ingestPacket(p: PacketRecord, receivedAt: number): Promise<IngestOutcome> {
    const { routes, devices, writer } = this.packets!;
    let orgId: string | null;
    try {
      orgId = p.devAddr !== null ? await routes.route(p.devAddr) : await devices.orgOf(p.devEui!);
    } catch (err) {
      writer.release(); // the store could not answer: not acknowledged, so the hotspot resends
      throw err;
    }
    if (orgId === null) {
      writer.release();
      return this.refuse(p.id, p.devAddr !== null ? 'unknown_devaddr' : 'unknown_device');
    }
    const { stored } = await writer.write({ ...p, orgId }, receivedAt);
    if (stored) this.counters.stored++;
    else this.counters.duplicates++;
    return { status: stored ? 'stored' : 'duplicate', id: p.id };
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
