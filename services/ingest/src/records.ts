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

/** A device frame a hotspot carried (`packet_router_packet_up_v1`), with its LoRaWAN header read. */
export interface PacketRecord {
  kind: 'packet';
  id: Uint8Array;
  hotspot: string;
  /** Exact signed bytes as published. */
  payload: Uint8Array;
  /** ms, hotspot clock (data, never trusted), as a decimal string. */
  hotspotTs: string;
  /** LoRaWAN MType: 0 join request, 2 unconfirmed up, 4 confirmed up. */
  mtype: number;
  /** Data uplinks: unsigned 32-bit DevAddr. */
  devAddr: number | null;
  /** Join requests: 16 lowercase hex digits. */
  devEui: string | null;
  joinEui: string | null;
  /** Data uplinks: the frame's 16-bit FCnt. */
  fcnt: number | null;
  /** PHYPayload bytes: what DC are charged for. */
  payloadSize: number;
  /** SHA-256 of the PHYPayload: copies heard by several hotspots share it. */
  payloadHash: Uint8Array;
  /** dBm */
  rssi: number;
  /** dB */
  snr: number;
  /** Hz */
  frequency: number;
  datarate: number;
}

/** What the verify step hands on: a row-ready report of any kind. */
export type CheckedRecord = ReportRecord | PacketRecord;

/** Why a report was refused (wire.md §5); published on `hotspot/<address>/rejected`. */
export type RefusalReason =
  | 'bad_signature'
  | 'wrong_topic'
  | 'malformed'
  | 'oversized'
  | 'key_mismatch'
  | 'unknown_hotspot'
  // packets (issue 6)
  | 'malformed_frame'
  | 'unknown_devaddr'
  | 'unknown_device';

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'bad_signature', 'wrong_topic', 'malformed', 'oversized', 'key_mismatch', 'unknown_hotspot', 'malformed_frame', 'unknown_devaddr', 'unknown_device',
];

export type CheckOutcome = { ok: true; record: CheckedRecord } | { ok: false; reason: RefusalReason; id: Uint8Array };

export type IngestOutcome =
  | { status: 'stored'; id: Uint8Array }
  | { status: 'duplicate'; id: Uint8Array }
  | { status: 'refused'; id: Uint8Array; reason: RefusalReason };
