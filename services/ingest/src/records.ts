import type { BeaconReport, WitnessReport } from '@hexlight/protocol';

// Row-ready report records: what the verify workers hand to the batch writer.

/** Columns every raw report row has besides the report's own fields. */
interface RowMeta {
  id: Uint8Array;
  hotspot: string;
  hotspotTs: string; // ns as a decimal string (uint64 does not fit a JS number)
  payload: Uint8Array; // exact signed bytes as published
}

type ReportColumns<R> = Omit<R, 'pubKey' | 'signature' | 'timestamp'>;

export type BeaconRecord = { kind: 'beacon' } & RowMeta & ReportColumns<BeaconReport>;
export type WitnessRecord = { kind: 'witness' } & RowMeta & ReportColumns<WitnessReport>;

export type ReportRecord = BeaconRecord | WitnessRecord;

/** Why a report was refused (wire.md §5); published on `hotspot/<address>/rejected`. */
export type RefusalReason =
  | 'bad_signature'
  | 'wrong_topic'
  | 'malformed'
  | 'oversized'
  | 'key_mismatch'
  | 'unknown_hotspot';

export const REFUSAL_REASONS: readonly RefusalReason[] = ['bad_signature', 'wrong_topic', 'malformed', 'oversized', 'key_mismatch', 'unknown_hotspot'];

export type CheckOutcome = { ok: true; record: ReportRecord } | { ok: false; reason: RefusalReason; id: Uint8Array };

export type IngestOutcome =
  | { status: 'stored'; id: Uint8Array }
  | { status: 'duplicate'; id: Uint8Array }
  | { status: 'refused'; id: Uint8Array; reason: RefusalReason };
