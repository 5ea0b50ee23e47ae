import { decodeReport, keyBinaryToAddress, Malformed, reportIdHex, verifyReportSignature, type DecodedReport } from '@hexlight/protocol';
import { ReportMalformed } from './errors.ts';
import type { ReportIn } from './types.ts';

/** Decodes a published payload into what the verifier reads; throws POC_REPORT_MALFORMED. */
export function toReportIn<K extends 'beacon' | 'witness'>(kind: K, payload: Uint8Array, receivedMs: number): ReportIn<K> {
  let decoded;
  try {
    decoded = decodeReport(kind, payload);
  } catch (err) {
    if (Malformed.is(err)) throw ReportMalformed(`not a ${kind} report: ${err.message}`, { kind }, err);
    throw err;
  }
  return { id: reportIdHex(payload), receivedMs, payload, decoded, address: keyBinaryToAddress((decoded as DecodedReport).keyBinary) };
}

/** The report's signature verifies over its canonical unsigned bytes (spec/wire.md §4). */
export function hasValidSignature<K extends 'beacon' | 'witness'>(report: ReportIn<K>): boolean {
  return verifyReportSignature(report.decoded as DecodedReport);
}

/** Receive order: time, then report id (spec/poc-replay.md). */
export function byArrival(a: { receivedMs: number; id: string }, b: { receivedMs: number; id: string }): number {
  return a.receivedMs - b.receivedMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
