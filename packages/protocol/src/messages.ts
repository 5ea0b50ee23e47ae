import { createHash, type KeyObject } from 'node:crypto';
import { bytesEqual, bytesToHex } from './bytes.ts';
import { Malformed } from './errors.ts';
import { helium, decodeFields, encodeCanonical, type FieldSpec } from './proto.ts';
import { signEd25519, verifyWithKeyBinary } from './sign.ts';

// The three signed reports a hotspot publishes (spec/wire.md §3–§4), as plain values. A report's
// signature covers its canonical encoding without the signature, and the published payload is
// the canonical encoding with it, so decode → encode reproduces a well-formed payload exactly.

export type ReportKind = 'beacon' | 'witness' | 'packet';

/** helium.poc_lora.lora_beacon_report_req_v1 */
export interface BeaconReport {
  pubKey: Uint8Array;
  localEntropy: Uint8Array;
  remoteEntropy: Uint8Array;
  data: Uint8Array;
  /** Hz */
  frequency: number;
  channel: number;
  /** helium.data_rate enum value */
  datarate: number;
  /** dBm */
  txPower: number;
  /** ns, hotspot clock (never trusted) */
  timestamp: bigint;
  /** µs concentrator counter */
  tmst: number;
  signature: Uint8Array;
}

/** helium.poc_lora.lora_witness_report_req_v1 */
export interface WitnessReport {
  pubKey: Uint8Array;
  data: Uint8Array;
  /** ns, hotspot clock (never trusted) */
  timestamp: bigint;
  tmst: number;
  /** dBm × 10 */
  signal: number;
  /** dB × 10 */
  snr: number;
  /** Hz */
  frequency: number;
  datarate: number;
  signature: Uint8Array;
}

/** helium.packet_router.packet_router_packet_up_v1 */
export interface PacketUp {
  payload: Uint8Array;
  /** ms per helium/proto; stored, never trusted */
  timestamp: bigint;
  rssi: number;
  /** Hz */
  frequency: number;
  datarate: number;
  /** dB, protobuf float */
  snr: number;
  /** helium.region enum value */
  region: number;
  holdTime: bigint;
  gateway: Uint8Array;
  signature: Uint8Array;
}

export interface ReportByKind {
  beacon: BeaconReport;
  witness: WitnessReport;
  packet: PacketUp;
}

/** What a publisher supplies: any subset of the fields, never a signature. */
export type ReportFields<K extends ReportKind> = Partial<Omit<ReportByKind[K], 'signature'>>;

export type DecodedReport = {
  [K in ReportKind]: {
    kind: K;
    report: ReportByKind[K];
    /** pub_key (beacon, witness) or gateway (packet): 33 bytes. */
    keyBinary: Uint8Array;
    signature: Uint8Array;
    /** The canonical bytes the signature covers. */
    unsignedBytes: Uint8Array;
    /**
     * True when the payload is exactly the canonical encoding (signature included). A valid
     * signature does not imply it: like prost, decoding accepts explicit defaults, unknown
     * fields, and ignores the high bits of 10-byte int32 varints, so one signed report has many
     * byte spellings (and report ids). Only the hotspot's own key can produce any of them.
     */
    canonical: boolean;
  };
}[ReportKind];

export type DecodedReportOf<K extends ReportKind> = Extract<DecodedReport, { kind: K }>;

interface KindSpec {
  readonly type: Parameters<typeof encodeCanonical>[0];
  readonly fields: readonly FieldSpec[];
  readonly keyField: string;
}

/** Field numbers and types mirror the .proto files (a test checks them against @helium/proto). */
const KINDS: Record<ReportKind, KindSpec> = {
  beacon: {
    type: helium.poc_lora.lora_beacon_report_req_v1,
    keyField: 'pubKey',
    fields: [
      { name: 'pubKey', no: 2, type: 'bytes' },
      { name: 'localEntropy', no: 3, type: 'bytes' },
      { name: 'remoteEntropy', no: 4, type: 'bytes' },
      { name: 'data', no: 5, type: 'bytes' },
      { name: 'frequency', no: 6, type: 'u64n' },
      { name: 'channel', no: 7, type: 'i32' },
      { name: 'datarate', no: 8, type: 'i32' },
      { name: 'txPower', no: 9, type: 'i32' },
      { name: 'timestamp', no: 10, type: 'u64b' },
      { name: 'signature', no: 11, type: 'bytes' },
      { name: 'tmst', no: 12, type: 'u32' },
    ],
  },
  witness: {
    type: helium.poc_lora.lora_witness_report_req_v1,
    keyField: 'pubKey',
    fields: [
      { name: 'pubKey', no: 2, type: 'bytes' },
      { name: 'data', no: 3, type: 'bytes' },
      { name: 'timestamp', no: 4, type: 'u64b' },
      { name: 'tmst', no: 5, type: 'u32' },
      { name: 'signal', no: 6, type: 's32' },
      { name: 'snr', no: 7, type: 'i32' },
      { name: 'frequency', no: 8, type: 'u64n' },
      { name: 'datarate', no: 10, type: 'i32' },
      { name: 'signature', no: 11, type: 'bytes' },
    ],
  },
  packet: {
    type: helium.packet_router.packet_router_packet_up_v1,
    keyField: 'gateway',
    fields: [
      { name: 'payload', no: 1, type: 'bytes' },
      { name: 'timestamp', no: 2, type: 'u64b' },
      { name: 'rssi', no: 3, type: 's32' },
      { name: 'frequency', no: 4, type: 'u32' },
      { name: 'datarate', no: 5, type: 'i32' },
      { name: 'snr', no: 6, type: 'f32' },
      { name: 'region', no: 7, type: 'i32' },
      { name: 'holdTime', no: 8, type: 'u64b' },
      { name: 'gateway', no: 9, type: 'bytes' },
      { name: 'signature', no: 10, type: 'bytes' },
    ],
  },
};

/** Exposed for tests that pin the table to @helium/proto's generated encoders. */
export const REPORT_FIELDS: Readonly<Record<ReportKind, readonly FieldSpec[]>> = {
  beacon: KINDS.beacon.fields,
  witness: KINDS.witness.fields,
  packet: KINDS.packet.fields,
};

function specOf(kind: ReportKind): KindSpec {
  const spec = KINDS[kind];
  if (!spec) throw new TypeError(`unknown report kind ${String(kind)}`);
  return spec;
}

/** The bytes a report's signature covers: canonical encoding, signature and defaults left out. */
export function canonicalUnsignedBytes<K extends ReportKind>(kind: K, report: ReportFields<K> | ReportByKind[K]): Uint8Array {
  const { type, fields } = specOf(kind);
  return encodeCanonical(type, fields, report, 'signature');
}

/** The published payload: canonical encoding including the signature. */
export function encodeReport<K extends ReportKind>(kind: K, report: ReportByKind[K]): Uint8Array {
  const { type, fields } = specOf(kind);
  return encodeCanonical(type, fields, report);
}

/** Signs the canonical unsigned bytes and returns the payload to publish plus the signature. */
export function encodeSignedReport<K extends ReportKind>(kind: K, fields: ReportFields<K>, privateKey: KeyObject): { payload: Uint8Array; signature: Uint8Array } {
  const spec = specOf(kind);
  const signature = signEd25519(privateKey, canonicalUnsignedBytes(kind, fields));
  const payload = encodeCanonical(spec.type, spec.fields, { ...fields, signature });
  return { payload, signature };
}

/**
 * Decodes a published payload with prost's semantics (what Helium's verifier accepts). Throws
 * MALFORMED when it does not parse (truncation, wire-type mismatch, bad varint, an unsafe uint64)
 * or is not plausibly a report: without a 33-byte key binary nobody's signature can be checked.
 */
export function decodeReport<K extends ReportKind>(kind: K, bytes: Uint8Array): DecodedReportOf<K> {
  const { type, fields, keyField } = specOf(kind);
  const report = decodeFields(type, fields, bytes, `${kind} report`);
  const keyBinary = report[keyField] as Uint8Array;
  if (keyBinary.byteLength !== 33) {
    throw Malformed(`${kind} report ${keyField} must be a 33-byte key binary, got ${keyBinary.byteLength} bytes`, { what: `${kind} report`, field: keyField });
  }
  return {
    kind,
    report,
    keyBinary,
    signature: report.signature as Uint8Array,
    unsignedBytes: encodeCanonical(type, fields, report, 'signature'),
    canonical: bytesEqual(encodeCanonical(type, fields, report), bytes),
  } as unknown as DecodedReportOf<K>;
}

export function verifyReportSignature(decoded: DecodedReport): boolean {
  return verifyWithKeyBinary(decoded.keyBinary, decoded.unsignedBytes, decoded.signature);
}

/** Report id = SHA-256 of the exact published bytes (spec/wire.md §5), the store's key. */
export function reportId(payload: Uint8Array): Uint8Array {
  const d = createHash('sha256').update(payload).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export function reportIdHex(payload: Uint8Array): string {
  return bytesToHex(reportId(payload));
}
