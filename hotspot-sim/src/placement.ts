import * as h3 from 'h3-js';
import type { CityPreset } from './cities.ts';
import { createRng, type Rng } from './rng.ts';

// Where the simulated hotspots stand: a Thomas-style cluster process (sim-perf.md §4 suggests a
// Matérn/Thomas process: most hotspots in urban clusters, the rest sparse). Positions are snapped
// to the centre of their H3 res-12 cell, which is what the hotspot asserts, so the distance the
// radio model uses is the distance the verifier computes from asserted cells.

export const ASSERT_RESOLUTION = 12;
const KM_PER_DEG_LAT = 111.32;

export interface Position {
  lat: number;
  lng: number;
  /** H3 res-12 cell (lower-case hex), the asserted location. */
  cell: string;
}

export interface PlacementOptions {
  /** Cluster centres; default round(√count) clamped to 1…6. */
  clusters?: number;
  /** Gaussian spread of a cluster (σ, per axis) in km; default radius / 5. */
  spreadKm?: number;
  /** Share of hotspots scattered uniformly over the city instead of clustered; default 0.2. */
  scatteredShare?: number;
}

/** `count` positions inside `city` (cell centres within radiusKm); the same seed gives the same list. */
export function placeHotspots(city: CityPreset, count: number, seed: number, opts: PlacementOptions = {}): Position[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const rng = createRng(seed).fork('placement', city.name);
  const radiusKm = city.radiusKm;
  const clusterCount = opts.clusters ?? Math.min(6, Math.max(1, Math.round(Math.sqrt(count))));
  const spreadKm = opts.spreadKm ?? radiusKm / 5;
  const scatteredShare = opts.scatteredShare ?? 0.2;

  // Centres stay in the inner 60 % so clusters are not mostly cut off by the city edge.
  const centres = Array.from({ length: clusterCount }, () => ({ ...uniformInDisc(rng, radiusKm * 0.6), weight: 0.5 + rng.next() }));
  const totalWeight = centres.reduce((sum, c) => sum + c.weight, 0);

  const out: Position[] = [];
  for (let i = 0; i < count; i++) {
    const scattered = rng.next() < scatteredShare;
    let position: Position | null = null;
    // Rejection sampling: a draw whose cell centre falls outside the city is drawn again.
    for (let attempt = 0; attempt < 64 && !position; attempt++) {
      let offset: { eastKm: number; northKm: number };
      if (scattered || centres.length === 0) {
        offset = uniformInDisc(rng, radiusKm);
      } else {
        const c = pickWeighted(rng, centres, totalWeight);
        offset = { eastKm: c.eastKm + rng.gaussian() * spreadKm, northKm: c.northKm + rng.gaussian() * spreadKm };
      }
      position = snapInside(city, offset);
    }
    out.push(position ?? snapInside(city, { eastKm: 0, northKm: 0 })!);
  }
  return out;
}

/** Great-circle distance in metres between two positions. */
export function distanceM(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  return h3.greatCircleDistance([a.lat, a.lng], [b.lat, b.lng], 'm');
}

function uniformInDisc(rng: Rng, radiusKm: number): { eastKm: number; northKm: number } {
  const r = radiusKm * Math.sqrt(rng.next());
  const theta = 2 * Math.PI * rng.next();
  return { eastKm: r * Math.cos(theta), northKm: r * Math.sin(theta) };
}

/** Draws one item with probability weight / total. */
export function pickWeighted<T extends { weight: number }>(rng: Rng, items: readonly T[], total: number): T {
  let x = rng.next() * total;
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  return items[items.length - 1]!;
}

function snapInside(city: CityPreset, offset: { eastKm: number; northKm: number }): Position | null {
  const lat = city.lat + offset.northKm / KM_PER_DEG_LAT;
  const lng = city.lng + offset.eastKm / (KM_PER_DEG_LAT * Math.cos((city.lat * Math.PI) / 180));
  const cell = h3.latLngToCell(lat, lng, ASSERT_RESOLUTION);
  const [cellLat, cellLng] = h3.cellToLatLng(cell);
  const position = { lat: cellLat, lng: cellLng, cell };
  return distanceM(city, position) <= city.radiusKm * 1000 ? position : null;
}
