import { createHash } from 'node:crypto';
import {
  decodeReport, decodeUplink, encodeReport, verifyReportSignature, reportId, MAX_REPORT_BYTES, type BeaconReport, type PacketUp, type WitnessReport,
} from '@hexlight/protocol';
import type { CheckOutcome } from './records.ts';

export type CheckableKind = 'beacon' | 'witness' | 'packet';

/** packet_reports.hotspot_ts is a bigint: a hotspot clock past it is not a time, and would fail its batch. */
const MAX_HOTSPOT_TS_MS = 2n ** 63n - 1n;

/**
 * The CPU-heavy part of accepting a report: size, decode, key match, ed25519 signature, id.
 * Pure and synchronous so it runs the same inline or inside a verify worker.
 */
export function checkReport(kind: CheckableKind, payload: Uint8Array, address: string, keyBinary: Uint8Array): CheckOutcome {
  let id = reportId(payload);
  if (payload.length > MAX_REPORT_BYTES) return { ok: false, reason: 'oversized', id };
  let decoded;
  try {
    decoded = decodeReport(kind, payload);
  } catch {
    return { ok: false, reason: 'malformed', id };
  }
  if (!bytesEqual(decoded.keyBinary, keyBinary)) return { ok: false, reason: 'key_mismatch', id };
  if (!verifyReportSignature(decoded)) return { ok: false, reason: 'bad_signature', id };
  // A payload with explicit defaults or over-long varints carries the same signed report as its
  // canonical encoding; identify it by that encoding so a re-encoded resend is still a duplicate.
  if (!decoded.canonical) id = reportId(encodeReport(kind, decoded.report));
  if (kind === 'packet') return checkPacket(decoded.report as PacketUp, id, address, payload);
  const hotspotTs = (decoded.report as BeaconReport | WitnessReport).timestamp.toString();
  if (kind === 'beacon') {
    const r = decoded.report as BeaconReport;
    return {
      ok: true,
      record: {
        kind, id, hotspot: address, localEntropy: r.localEntropy, remoteEntropy: r.remoteEntropy, data: r.data,
        frequency: r.frequency, channel: r.channel, datarate: r.datarate, txPower: r.txPower, hotspotTs, tmst: r.tmst, payload,
      },
    };
  }
  const w = decoded.report as WitnessReport;
  return {
    ok: true,
    record: {
      kind, id, hotspot: address, data: w.data, signal: w.signal, snr: w.snr, frequency: w.frequency,
      datarate: w.datarate, hotspotTs, tmst: w.tmst, payload,
    },
  };
}

/** A signed packet report's device frame: read the LoRaWAN header (no keys, so no MIC check). */
function checkPacket(p: PacketUp, id: Uint8Array, address: string, payload: Uint8Array): CheckOutcome {
  if (p.timestamp > MAX_HOTSPOT_TS_MS) return { ok: false, reason: 'malformed', id };
  let frame;
  try {
    frame = decodeUplink(p.payload);
  } catch {
    return { ok: false, reason: 'malformed_frame', id };
  }
  const d = createHash('sha256').update(p.payload).digest();
  const join = frame.type === 'join_request' ? frame : null;
  const data = frame.type === 'data' ? frame : null;
  return {
    ok: true,
    record: {
      kind: 'packet', id, hotspot: address, payload, hotspotTs: p.timestamp.toString(), mtype: frame.mtype,
      devAddr: data?.devAddr ?? null, devEui: join?.devEui ?? null, joinEui: join?.joinEui ?? null, fcnt: data?.fcnt ?? null,
      payloadSize: p.payload.byteLength, payloadHash: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
      rssi: p.rssi, snr: p.snr, frequency: p.frequency, datarate: p.datarate,
    },
  };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
