import { area as turfArea, bboxPolygon, kinks } from '@turf/turf';
import { getHexagonAreaAvg, polygonToCells, UNITS } from 'h3-js';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { MapsAreaTooLarge, MapsInvalidGeometry } from './errors.ts';
import { h3ToBig } from './model.ts';

export type AreaGeometry = Polygon | MultiPolygon;

/** `minLon,minLat,maxLon,maxLat` (RFC 7946 order). */
export function parseBbox(s: string): AreaGeometry {
  const v = s.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
  if (v.length !== 4 || !v.every(Number.isFinite)) throw MapsInvalidGeometry('bbox must be minLon,minLat,maxLon,maxLat', { bbox: s });
  const [w, south, e, n] = v as [number, number, number, number];
  if (w < -180 || e > 180 || south < -85.05 || n > 85.05 || w >= e || south >= n) throw MapsInvalidGeometry('bbox out of range or empty (min < max, |lat| ≤ 85.05, |lon| ≤ 180)', { bbox: s });
  return bboxPolygon([w, south, e, n]).geometry;
}

const isPos = (p: unknown): p is [number, number] => Array.isArray(p) && p.length >= 2 && p.length <= 3 && p.every((x) => typeof x === 'number' && Number.isFinite(x))
  && Math.abs(p[0] as number) <= 180 && Math.abs(p[1] as number) <= 90;

function checkPolygon(rings: unknown): rings is number[][][] {
  if (!Array.isArray(rings) || rings.length === 0) return false;
  for (const ring of rings) {
    if (!Array.isArray(ring) || ring.length < 4 || !ring.every(isPos)) return false;
    const a = ring[0] as number[];
    const b = ring[ring.length - 1] as number[];
    if (a[0] !== b[0] || a[1] !== b[1]) return false;
  }
  return true;
}

/** A GeoJSON Polygon or MultiPolygon (or a Feature of one), validated: closed rings, ranges, no self-intersection. */
export function parseGeometry(input: unknown): AreaGeometry {
  let g = input as { type?: string; geometry?: unknown; coordinates?: unknown };
  if (g && g.type === 'Feature') g = g.geometry as typeof g;
  if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) throw MapsInvalidGeometry('expected a GeoJSON Polygon or MultiPolygon (or a Feature of one)');
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  if (!Array.isArray(polys) || polys.length === 0 || !polys.every(checkPolygon)) {
    throw MapsInvalidGeometry('rings must be closed arrays of at least 4 [lon, lat] positions within range');
  }
  const geometry = { type: g.type, coordinates: g.coordinates } as AreaGeometry;
  const k = kinks({ type: 'Feature', properties: {}, geometry } as Feature<AreaGeometry>);
  if (k.features.length > 0) throw MapsInvalidGeometry('the polygon intersects itself', { at: k.features[0]!.geometry.coordinates });
  return geometry;
}

const cache = new Map<string, bigint[]>();
const CACHE_MAX = 2000;

/** The H3 cells whose centres lie in the area, sorted (bigint); refuses areas over `maxCells`. Recent areas are cached (tiles, repeated bboxes). */
export function cellsOf(geometry: AreaGeometry, res: number, maxCells: number): bigint[] {
  const key = `${res}:${maxCells}:${JSON.stringify(geometry.coordinates)}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const cells = computeCells(geometry, res, maxCells);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, cells);
  return cells;
}

function computeCells(geometry: AreaGeometry, res: number, maxCells: number): bigint[] {
  const areaM2 = turfArea({ type: 'Feature', properties: {}, geometry });
  const expected = areaM2 / getHexagonAreaAvg(res, UNITS.m2);
  if (expected > maxCells * 1.2) throw MapsAreaTooLarge(undefined, { res, expected_cells: Math.round(expected), max_cells: maxCells });
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const set = new Set<string>();
  for (const p of polys) for (const c of polygonToCells(p as number[][][], res, true)) set.add(c);
  if (set.size > maxCells) throw MapsAreaTooLarge(undefined, { res, cells: set.size, max_cells: maxCells });
  return [...set].map(h3ToBig).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function areaKm2(geometry: AreaGeometry): number {
  return turfArea({ type: 'Feature', properties: {}, geometry }) / 1e6;
}
