import { helium, decodeFields, encodeCanonical, type FieldSpec } from './proto.ts';

// `network/entropy` payloads (helium.entropy_report_v1). Beacons are seeded from the data and
// the timestamp in seconds, so the timestamp stays a JS number here.

export interface EntropyReport {
  data: Uint8Array;
  /** Unix seconds. */
  timestamp: number;
  version: number;
}

const ENTROPY_FIELDS: readonly FieldSpec[] = [
  { name: 'data', no: 1, type: 'bytes' },
  { name: 'timestamp', no: 2, type: 'u64n' },
  { name: 'version', no: 3, type: 'u32' },
];

export function encodeEntropy(entropy: EntropyReport): Uint8Array {
  return encodeCanonical(helium.entropy_report_v1, ENTROPY_FIELDS, entropy);
}

/** Throws MALFORMED on bytes that are not an entropy report. */
export function decodeEntropy(bytes: Uint8Array): EntropyReport {
  return decodeFields(helium.entropy_report_v1, ENTROPY_FIELDS, bytes, 'entropy report') as unknown as EntropyReport;
}
