import { distanceM } from './model.ts';
import type { MapsConfig } from './config.ts';

/** One GPS-tagged uplink and the hotspots that heard it, from MQTT or the HTTP ingest. */
export interface Measurement {
  id: Buffer;
  source: 'mqtt' | 'http';
  orgId: string | null;
  device: string;
  measuredAtMs: number;
  lat: number;
  lng: number;
  altitude: number | null;
  accuracy: number | null;
  hdop: number | null;
  satellites: number | null;
  hotspots: { address: string; rssi: number; snr: number }[];
}

export interface AcceptedReception { address: string; rssi: number; snr: number; distanceM: number }

/** Measurement-level reasons, then per-hotspot reasons (README "Mapper ingest"). */
export type UplinkReason = 'invalid_position' | 'null_island' | 'beyond_mercator' | 'poor_accuracy' | 'poor_hdop' | 'few_satellites' | 'bad_altitude' | 'speed_jump' | 'no_hotspots';
export type HotspotReason = 'unknown_hotspot' | 'rssi_out_of_range' | 'snr_out_of_range' | 'too_far' | 'zero_distance' | 'duplicate_hotspot';

export type FilterResult =
  | { ok: true; receptions: AcceptedReception[]; dropped: { address: string; reason: HotspotReason }[] }
  | { ok: false; reason: UplinkReason; dropped: { address: string; reason: HotspotReason }[] };

type Filters = MapsConfig['filters'];

/**
 * The anchors' filters (reference/maps.md 4.2): Helium Mappers' validate.ex and TTN Mapper's
 * data_validator.go. `locate` gives an asserted hotspot's position; `last` the device's previous
 * accepted fix (speed jumps).
 */
export function filterMeasurement(m: Measurement, f: Filters, locate: (address: string) => { lat: number; lng: number } | undefined,
  last: { lat: number; lng: number; ms: number } | undefined): FilterResult {
  const dropped: { address: string; reason: HotspotReason }[] = [];
  const fail = (reason: UplinkReason): FilterResult => ({ ok: false, reason, dropped });
  if (!Number.isFinite(m.lat) || !Number.isFinite(m.lng) || Math.abs(m.lat) > 90 || Math.abs(m.lng) > 180) return fail('invalid_position');
  if (Math.abs(m.lat) < 1 && Math.abs(m.lng) < 1) return fail('null_island');
  if (Math.abs(m.lat) > 85.05) return fail('beyond_mercator');
  if (m.accuracy !== null && (m.accuracy < 0 || m.accuracy > f.maxAccuracyM)) return fail('poor_accuracy');
  if (m.hdop !== null && m.hdop > f.maxHdop) return fail('poor_hdop');
  if (m.satellites !== null && m.satellites < f.minSatellites) return fail('few_satellites');
  if (m.altitude !== null && (m.altitude < f.minAltitudeM || m.altitude > f.maxAltitudeM)) return fail('bad_altitude');
  if (last && m.measuredAtMs > last.ms) {
    const kmh = (distanceM(last, m) / 1000) / ((m.measuredAtMs - last.ms) / 3_600_000);
    if (kmh > f.maxSpeedKmh && distanceM(last, m) > 1000) return fail('speed_jump');
  }
  const seen = new Set<string>();
  const receptions: AcceptedReception[] = [];
  for (const h of m.hotspots) {
    const drop = (reason: HotspotReason) => dropped.push({ address: h.address, reason });
    if (seen.has(h.address)) { drop('duplicate_hotspot'); continue; }
    seen.add(h.address);
    const at = locate(h.address);
    if (!at) { drop('unknown_hotspot'); continue; }
    if (!(h.rssi >= -141 && h.rssi <= 0)) { drop('rssi_out_of_range'); continue; }
    if (!(h.snr >= -40 && h.snr <= 40)) { drop('snr_out_of_range'); continue; }
    const d = distanceM(at, m);
    if (d > f.maxHotspotKm * 1000) { drop('too_far'); continue; }
    if (d < 1) { drop('zero_distance'); continue; }
    receptions.push({ address: h.address, rssi: Math.fround(h.rssi), snr: Math.fround(h.snr), distanceM: d });
  }
  if (receptions.length === 0) return fail('no_hotspots');
  return { ok: true, receptions, dropped };
}
