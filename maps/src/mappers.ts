import { createHash } from 'node:crypto';
import type { Clock, Logger } from '@hexlight/kit';
import type { Db } from '@hexlight/store';
import { decodeReport, keyBinaryToAddress, parseHotspotTopic, verifyReportSignature } from '@hexlight/protocol';
import type { MapsConfig } from './config.ts';
import type { HotspotDirectory } from './directory.ts';
import { filterMeasurement, type FilterResult, type Measurement } from './filter.ts';
import { recordMeasurements } from './aggregate.ts';
import { readDataUplink, readLppGps } from './lpp.ts';

export interface MapperIngestDeps { db: Db; clock: Clock; log: Logger; config: Readonly<MapsConfig>; directory: HotspotDirectory; onRecorded?: () => void }

/**
 * Mapper measurements in: filters (counted by reason) and durable recording. The MQTT side groups
 * the copies of one frame (same PHYPayload) heard by several hotspots within groupWindowMs.
 */
export function createMapperIngest(deps: MapperIngestDeps) {
  const counts: Record<string, number> = {};
  const count = (k: string, n = 1) => { counts[k] = (counts[k] ?? 0) + n; };
  const lastFix = new Map<string, { lat: number; lng: number; ms: number }>();
  const groups = new Map<string, { first: number; phy: Uint8Array; copies: Map<string, { rssi: number; snr: number }>; timer: NodeJS.Timeout }>();
  const inflight = new Set<Promise<unknown>>();

  async function submit(m: Measurement): Promise<FilterResult & { recorded: boolean }> {
    await deps.directory.ensure(m.hotspots.map((h) => h.address));
    const result = filterMeasurement(m, deps.config.filters, deps.directory.locate, lastFix.get(m.device));
    for (const d of result.dropped) count(`hotspot.${d.reason}`);
    if (!result.ok) {
      count(`uplink.${result.reason}`);
      return { ...result, recorded: false };
    }
    const receivedAtMs = deps.clock.now();
    const n = await recordMeasurements(deps.db, [{ m, receivedAtMs, receptions: result.receptions }]);
    if (n > 0) {
      lastFix.set(m.device, { lat: m.lat, lng: m.lng, ms: m.measuredAtMs });
      count(`uplink.accepted.${m.source}`);
      deps.onRecorded?.();
    } else count('uplink.duplicate');
    return { ...result, recorded: n > 0 };
  }

  function flush(hash: string): void {
    const g = groups.get(hash);
    if (!g) return;
    groups.delete(hash);
    const frame = readDataUplink(g.phy);
    const gps = frame ? readLppGps(frame.frm) : null;
    if (!frame || !gps) { count('mqtt.not_gps'); return; }
    const m: Measurement = {
      id: createHash('sha256').update(`mqtt:${hash}:${g.first}`).digest(), source: 'mqtt', orgId: null,
      device: frame.devAddr.toString(16).padStart(8, '0'), measuredAtMs: g.first,
      lat: gps.lat, lng: gps.lng, altitude: gps.altitude, accuracy: null, hdop: null, satellites: null,
      hotspots: [...g.copies].map(([address, c]) => ({ address, rssi: c.rssi, snr: c.snr })),
    };
    const p = submit(m).catch((err: Error) => { count('mqtt.store_failed'); deps.log.error({ err: err.message }, 'maps.mqtt.record_failed'); });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }

  /** One `hotspot/<address>/packet` message (signed packet_router_packet_up_v1). */
  function onPacket(topic: string, payload: Uint8Array): void {
    const t = parseHotspotTopic(topic);
    if (!t || t.leaf !== 'packet') return;
    let decoded;
    try {
      decoded = decodeReport('packet', payload);
    } catch {
      count('mqtt.malformed');
      return;
    }
    if (keyBinaryToAddress(decoded.keyBinary) !== t.address) { count('mqtt.key_mismatch'); return; }
    if (!verifyReportSignature(decoded)) { count('mqtt.bad_signature'); return; }
    const phy = decoded.report.payload;
    const frame = readDataUplink(phy);
    if (!frame || !readLppGps(frame.frm)) { count('mqtt.not_gps'); return; }
    const hash = createHash('sha256').update(phy).digest('hex');
    let g = groups.get(hash);
    if (!g) {
      g = { first: deps.clock.now(), phy, copies: new Map(), timer: setTimeout(() => flush(hash), deps.config.groupWindowMs) };
      groups.set(hash, g);
    }
    const prev = g.copies.get(t.address);
    const rssi = decoded.report.rssi;
    const snr = decoded.report.snr;
    if (!prev || rssi > prev.rssi) g.copies.set(t.address, { rssi, snr });
    count('mqtt.copies');
  }

  return {
    submit,
    onPacket,
    counts: () => ({ ...counts }),
    /** Flushes open groups and waits for their writes (stop, tests). */
    async drain(): Promise<void> {
      for (const [hash, g] of groups) { clearTimeout(g.timer); flush(hash); }
      await Promise.all([...inflight]);
    },
  };
}
export type MapperIngest = ReturnType<typeof createMapperIngest>;
