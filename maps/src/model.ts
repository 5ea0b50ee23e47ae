import { cellToLatLng, cellToParent, getResolution, isValidCell, latLngToCell } from 'h3-js';

/** Aggregates are kept at these resolutions; res 10 is the storage base, res 9 the default view. */
export const RESOLUTIONS = [10, 9, 8, 7, 6, 5] as const;
export const BASE_RES = 10;
export const DEFAULT_RES = 9;

export const h3ToBig = (h: string): bigint => BigInt(`0x${h}`);
export const bigToH3 = (b: bigint | string): string => BigInt(b).toString(16).padStart(15, '0');

export function isCell(h: string, res?: number): boolean {
  return /^[0-9a-f]{15}$/.test(h) && isValidCell(h) && (res === undefined || getResolution(h) === res);
}

/** The measurement's res-10 cell and its parents (index = resolution). */
export function cellChain(lat: number, lng: number): Record<number, bigint> {
  const base = latLngToCell(lat, lng, BASE_RES);
  const out: Record<number, bigint> = {};
  for (const r of RESOLUTIONS) out[r] = h3ToBig(r === BASE_RES ? base : cellToParent(base, r));
  return out;
}

/** Map zoom -> H3 resolution (reference/maps.md 4.1: a res-9 hex is about 10 px at z12). */
export function resForZoom(z: number): number {
  if (z <= 5) return 5;
  if (z <= 7) return 6;
  if (z <= 9) return 7;
  if (z <= 11) return 8;
  if (z <= 13) return 9;
  return 10;
}

/** TTN's signal: below-noise receptions are penalised. */
export const signalOf = (rssi: number, snr: number): number => rssi + Math.min(snr, 0);

/** 5 dB histogram bin of a signal: 0 = > -95, k = (-95-5k, -90-5k], 11 = <= -145. */
export function binOf(sig: number): number {
  return Math.min(11, Math.max(0, Math.floor((-95 - sig) / 5) + 1));
}
export const BIN_LABELS = ['>-95', '-95..-100', '-100..-105', '-105..-110', '-110..-115', '-115..-120', '-120..-125', '-125..-130', '-130..-135', '-135..-140', '-140..-145', '<=-145'];

export type Level = 'high' | 'medium' | 'low' | 'none';
/** Helium's usable-signal rule (rssi > -120 and snr > -20), split in three levels by best RSSI. */
export function levelOf(rssi: number, snr: number): Level {
  if (!(rssi > -120 && snr > -20)) return 'none';
  if (rssi > -100) return 'high';
  if (rssi > -110) return 'medium';
  return 'low';
}

const DAY_MS = 86_400_000;
/**
 * confidence = (1 - e^(-n_eff / 5)) x 2^(-age_days / 90); n_eff = distinct (hotspot, UTC day) pairs
 * that heard the hex in the window, age = as_of - last_seen. Estimated hexes are capped at 0.25.
 */
export function confidenceOf(nEff: number, lastSeenMs: number, asOfMs: number, estimated = false): number {
  const age = Math.max(0, asOfMs - lastSeenMs) / DAY_MS;
  const c = (1 - Math.exp(-nEff / 5)) * 2 ** (-age / 90);
  return Math.round((estimated ? Math.min(c, 0.25) : c) * 1000) / 1000;
}

export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

/** Great-circle distance in metres. */
export function distanceM(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const R = 6_371_008.8;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(s)));
}

export function cellCenter(h: string): { lat: number; lng: number } {
  const [lat, lng] = cellToLatLng(h);
  return { lat, lng };
}
