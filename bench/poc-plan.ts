import * as h3 from 'h3-js';
import { randomBytes } from 'node:crypto';
import { benchSeed } from './keys.ts';
import { deriveBeacon, hotspotKeyFromSeed, type HotspotKey } from '@hexlight/protocol';

export const POC_BENCH_SALT = 0x50;

export interface PlannedHotspot { key: HotspotKey; lat: number; lng: number; cell: string }
export interface PlannedBeacon { h: number; local: Uint8Array; remote: Uint8Array; data: Uint8Array; frequency: number; datarate: number; txPower: number; atMs: number }
export interface PlannedWitness { h: number; data: Uint8Array; frequency: number; datarate: number; signal: number; snr: number; atMs: number }
export interface Plan {
  hotspots: PlannedHotspot[];
  entropies: { data: Uint8Array; timestamp: number }[];
  beacons: PlannedBeacon[];
  witnesses: PlannedWitness[];
}

const GAIN = 30; // dBi x 10 for every bench hotspot (EU868: 13 dBm conducted)

/**
 * A synthetic day: `hotspots` spread over ~150 × 150 km of the Netherlands, each beaconing once
 * in each 6-h UTC window on the entropy of that minute, each beacon heard by `witnesses`
 * neighbours 0.5–15 km away with signals below the free-space bound, 100–900 ms later.
 */
export function planDay(opts: { hotspots: number; beaconsPerDay: number; witnesses: number; dayStartMs: number; rng?: () => number }): Plan {
  const rnd = opts.rng ?? Math.random;
  const hotspots: PlannedHotspot[] = [];
  const buckets = new Map<string, number[]>();
  const bucketOf = (lat: number, lng: number) => `${Math.floor(lat / 0.1)}:${Math.floor(lng / 0.1)}`;
  for (let i = 0; i < opts.hotspots; i++) {
    const lat = 51.6 + rnd() * 1.35;
    const lng = 4.2 + rnd() * 2.2;
    hotspots.push({ key: hotspotKeyFromSeed(benchSeed(i, POC_BENCH_SALT)), lat, lng, cell: h3.latLngToCell(lat, lng, 12) });
    const b = bucketOf(lat, lng);
    (buckets.get(b) ?? buckets.set(b, []).get(b)!).push(i);
  }
  const entropies = Array.from({ length: 1440 }, (_, m) => ({ data: randomBytes(32), timestamp: Math.floor(opts.dayStartMs / 1000) + m * 60 }));
  const beacons: PlannedBeacon[] = [];
  const witnesses: PlannedWitness[] = [];
  const windowMs = 86_400_000 / opts.beaconsPerDay;
  for (let w = 0; w < opts.beaconsPerDay; w++) {
    for (let h = 0; h < hotspots.length; h++) {
      const atMs = opts.dayStartMs + w * windowMs + 60_000 + Math.floor(rnd() * (windowMs - 240_000));
      const entropy = entropies[Math.floor((atMs - opts.dayStartMs) / 60_000)]!;
      const beaconAt = Math.max(atMs, entropy.timestamp * 1000 + 5_000);
      const local = randomBytes(4);
      const derived = deriveBeacon({ remoteEntropy: { data: entropy.data, timestamp: entropy.timestamp, version: 0 }, localEntropy: local, region: 'EU868', gain: GAIN });
      beacons.push({ h, local, remote: entropy.data, data: derived.data, frequency: derived.frequency, datarate: derived.datarateValue, txPower: derived.conductedPower, atMs: beaconAt });
      const me = hotspots[h]!;
      const [bi, bj] = bucketOf(me.lat, me.lng).split(':').map(Number) as [number, number];
      // Random neighbours 0.5–15 km away from the 3 × 3 buckets around (sampling, not sorting:
      // 160,000 beacons would otherwise sort a thousand candidates each).
      const pool: number[] = [];
      for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) pool.push(...(buckets.get(`${bi + di}:${bj + dj}`) ?? []));
      const near: { i: number; d: number }[] = [];
      const picked = new Set<number>([h]);
      for (let tries = 0; near.length < opts.witnesses && tries < opts.witnesses * 20 && pool.length > 0; tries++) {
        const i = pool[Math.floor(rnd() * pool.length)]!;
        if (picked.has(i)) continue;
        picked.add(i);
        const d = h3.greatCircleDistance([me.lat, me.lng], [hotspots[i]!.lat, hotspots[i]!.lng], 'm');
        if (d > 500 && d < 15_000) near.push({ i, d });
      }
      for (const n of near) {
        // Free space at this distance, then 10–40 dB of real-world loss below it.
        const fspl = 20 * Math.log10((4 * Math.PI * n.d * derived.frequency) / 2.998e8);
        const rssi = derived.conductedPower + 6 - fspl - 10 - rnd() * 30;
        witnesses.push({ h: n.i, data: derived.data, frequency: derived.frequency, datarate: derived.datarateValue, signal: Math.floor(rssi * 10), snr: Math.round(-50 + rnd() * 150), atMs: beaconAt + 100 + Math.floor(rnd() * 800) });
      }
    }
  }
  return { hotspots, entropies, beacons, witnesses };
}

export const BENCH_GAIN = GAIN;
