/** Row-ready report records: what the verify workers hand to the batch writer. */
export interface BeaconRecord {
  kind: 'beacon';
  id: Uint8Array;
  hotspot: string;
  localEntropy: Uint8Array;
  remoteEntropy: Uint8Array;
  data: Uint8Array;
  frequency: number;
  channel: number;
  datarate: number;
  txPower: number;
  hotspotTs: string; // ns as a decimal string (uint64 does not fit a JS number)
  tmst: number;
  payload: Uint8Array;
}

export interface WitnessRecord {
  kind: 'witness';
  id: Uint8Array;
  hotspot: string;
  data: Uint8Array;
  signal: number;
  snr: number;
  frequency: number;
  datarate: number;
  hotspotTs: string;
  tmst: number;
  payload: Uint8Array;
}

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
