import { createHash } from 'node:crypto';
import * as h3 from 'h3-js';
import {
  bytesToHex, deriveBeacon, encodeSignedReport, hotspotKeyFromSeed, solanaWalletFromSeed, type BeaconReport, type HotspotKey,
  type RegionName, type ReportFields, type WitnessReport,
} from '@hexlight/protocol';
import { toReportIn } from './verifier/report.ts';
import { InMemoryPocState } from './verifier/memory-state.ts';
import type { BeaconIn, EntropyRecord, HotspotMeta, WitnessIn } from './verifier/types.ts';

// Builders for tests: real keys, real signed payloads (encodeSignedReport), real beacons
// (deriveBeacon), placed on real H3 cells around Lisbon. Not exported from the package.

export { seededRandom } from '@hexlight/kit';

/** 2025-05-26 07:00:00 UTC, the start of a 6-h window; entropy timestamps are in seconds. */
export const T0_MS = Date.UTC(2025, 4, 26, 7, 0, 0);
export const T0_S = T0_MS / 1000;
export const HOUR = 3_600_000;

const seedOf = (label: string): Uint8Array => new Uint8Array(createHash('sha256').update(label).digest());

export function keyOf(name: string): HotspotKey {
  return hotspotKeyFromSeed(seedOf(`hotspot:${name}`));
}

export function addressOf(name: string): string {
  return keyOf(name).address;
}

const LISBON = { lat: 38.7223, lng: -9.1393 };

/** The res-12 cell `north` km north and `east` km east of central Lisbon. */
export function cellAt(north: number, east = 0): string {
  const lat = LISBON.lat + north / 111.32;
  const lng = LISBON.lng + east / (111.32 * Math.cos((LISBON.lat * Math.PI) / 180));
  return h3.latLngToCell(lat, lng, 12);
}

export interface HotspotOpts {
  location?: string | null;
  region?: RegionName;
  gain?: number;
  elevation?: number;
  capability?: 'full' | 'data_only';
  atMs?: number;
}

export interface BeaconOpts {
  receivedMs?: number;
  entropy?: EntropyRecord;
  local?: Uint8Array;
  /** Overrides applied to the signed fields (e.g. a wrong frequency or tx power). */
  fields?: Partial<ReportFields<'beacon'>>;
  /** Sign with another key than the beaconer's (bad signature). */
  signWith?: HotspotKey;
}

export interface WitnessOpts {
  receivedMs?: number;
  /** dBm × 10 */
  signal?: number;
  /** dB × 10 */
  snr?: number;
  frequency?: number;
  tmst?: number;
  data?: Uint8Array;
  signWith?: HotspotKey;
}

/** A small world: an in-memory state, hotspots by name, one entropy per test unless told. */
export class World {
  readonly state = new InMemoryPocState();
  readonly metas = new Map<string, HotspotMeta>();
  private tmstCounter = 1000;

  hotspot(name: string, opts: HotspotOpts = {}): HotspotMeta {
    const meta: HotspotMeta = {
      address: addressOf(name),
      owner: solanaWalletFromSeed(seedOf(`owner:${name}`)).address,
      location: opts.location === undefined ? cellAt(0) : opts.location,
      region: opts.region ?? 'EU868',
      gain: opts.gain ?? 12,
      elevation: opts.elevation ?? 0,
      capability: opts.capability ?? 'full',
    };
    this.state.recordHotspot(meta, opts.atMs ?? 0);
    this.metas.set(name, meta);
    return meta;
  }

  entropy(timestampS: number = T0_S, label = `entropy:${timestampS}`, version = 0): EntropyRecord {
    const e = { data: seedOf(label), timestamp: timestampS, version };
    this.state.recordEntropy(e);
    return e;
  }

  /** Marks hotspots as having recently witnessed and beaconed-with-witness (reciprocity met). */
  reciprocal(names: readonly string[], atMs: number = T0_MS - 7 * HOUR): void {
    this.state.apply(names.flatMap((n) => [
      { kind: 'last_witness' as const, address: addressOf(n), atMs },
      { kind: 'last_beacon_with_witness' as const, address: addressOf(n), atMs },
    ]));
  }

  beacon(name: string, opts: BeaconOpts = {}): BeaconIn {
    const meta = this.metas.get(name);
    const entropy = opts.entropy ?? this.entropy();
    const local = opts.local ?? seedOf(`local:${name}:${bytesToHex(entropy.data)}`).slice(0, 4);
    // A hotspot can only build version 0/1 beacons; for other versions it sends a version-0 one.
    const remoteEntropy = entropy.version > 1 ? { ...entropy, version: 0 } : entropy;
    const derived = deriveBeacon({ remoteEntropy, localEntropy: local, region: meta?.region ?? 'EU868', gain: meta?.gain ?? 12 });
    const key = keyOf(name);
    const fields: ReportFields<'beacon'> = {
      pubKey: key.keyBinary, localEntropy: local, remoteEntropy: entropy.data, data: derived.data, frequency: derived.frequency,
      datarate: derived.datarateValue, txPower: derived.conductedPower, timestamp: 1n, tmst: 7, ...opts.fields,
    };
    const { payload } = encodeSignedReport('beacon', fields, (opts.signWith ?? key).privateKey);
    return toReportIn('beacon', payload, opts.receivedMs ?? T0_MS + 30_000);
  }

  witness(name: string, beacon: BeaconIn, opts: WitnessOpts = {}): WitnessIn {
    const key = keyOf(name);
    const b: BeaconReport = beacon.decoded.report;
    const fields: ReportFields<'witness'> = {
      pubKey: key.keyBinary, data: opts.data ?? b.data, timestamp: 1n, tmst: opts.tmst ?? this.tmstCounter++,
      signal: opts.signal ?? -1000, snr: opts.snr ?? 55, frequency: opts.frequency ?? b.frequency, datarate: b.datarate,
    } satisfies Partial<WitnessReport>;
    const { payload } = encodeSignedReport('witness', fields, (opts.signWith ?? key).privateKey);
    return toReportIn('witness', payload, opts.receivedMs ?? beacon.receivedMs + 200);
  }
}
