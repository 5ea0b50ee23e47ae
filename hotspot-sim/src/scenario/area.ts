import * as h3 from 'h3-js';
import { cityPreset } from '../cities.ts';
import { ASSERT_RESOLUTION, distanceM, pickWeighted, type Position } from '../placement.ts';
import type { Rng } from '../rng.ts';

// Where a scenario's hotspots stand: a city preset's disc or a GeoJSON polygon (outer ring and
// holes, [lng, lat] as GeoJSON orders them). A local east/north frame in metres around the centre
// serves placement and the shadowing field; equirectangular, which is exact enough over a city
// or a province (the error at 50 km is well under the 110 m the field varies over).

export type AreaSpec =
  | { kind: 'city'; city: string }
  /** Rings as GeoJSON: the first is the outline, the others holes; each closed ([lng, lat]…). */
  | { kind: 'polygon'; rings: [number, number][][] };

export interface Area {
  readonly description: string;
  readonly centre: { lat: number; lng: number };
  /** Farthest the area reaches from its centre, km. */
  readonly radiusKm: number;
  contains(lat: number, lng: number): boolean;
  /** Metres east (x) and north (y) of the centre. */
  toLocal(p: { lat: number; lng: number }): { x: number; y: number };
  fromLocal(x: number, y: number): { lat: number; lng: number };
  /** A uniformly random point inside. */
  randomPoint(rng: Rng): { lat: number; lng: number };
  /** A cluster centre: inside, away from the edge where the area allows it. */
  randomClusterCentre(rng: Rng): { lat: number; lng: number };
}

const M_PER_DEG_LAT = 111_320;

export function createArea(spec: AreaSpec): Area {
  if (spec.kind === 'city') {
    const city = cityPreset(spec.city);
    const frame = localFrame(city.lat, city.lng);
    const r = city.radiusKm * 1000;
    const inDisc = (rng: Rng, radius: number) => {
      const rr = radius * Math.sqrt(rng.next());
      const theta = 2 * Math.PI * rng.next();
      return frame.fromLocal(rr * Math.cos(theta), rr * Math.sin(theta));
    };
    return {
      description: `${city.name} (${city.radiusKm} km around the centre)`,
      centre: { lat: city.lat, lng: city.lng },
      radiusKm: city.radiusKm,
      contains: (lat, lng) => distanceM(city, { lat, lng }) <= r,
      ...frame,
      randomPoint: (rng) => inDisc(rng, r),
      // The inner 60 %, so clusters are not mostly cut off by the edge (as placement.ts).
      randomClusterCentre: (rng) => inDisc(rng, r * 0.6),
    };
  }
  const outer = spec.rings[0]!;
  const vertices = outer.slice(0, -1);
  const centre = { lat: mean(vertices.map((v) => v[1])), lng: mean(vertices.map((v) => v[0])) };
  const frame = localFrame(centre.lat, centre.lng);
  const local = vertices.map(([lng, lat]) => frame.toLocal({ lat, lng }));
  const box = {
    minX: Math.min(...local.map((p) => p.x)), maxX: Math.max(...local.map((p) => p.x)),
    minY: Math.min(...local.map((p) => p.y)), maxY: Math.max(...local.map((p) => p.y)),
  };
  const contains = (lat: number, lng: number) => spec.rings.reduce((inside, ring) => (inRing(ring, lng, lat) ? !inside : inside), false);
  const randomPoint = (rng: Rng) => {
    for (let i = 0; i < 10_000; i++) {
      const p = frame.fromLocal(rng.range(box.minX, box.maxX), rng.range(box.minY, box.maxY));
      if (contains(p.lat, p.lng)) return p;
    }
    return centre; // a sliver polygon: validation keeps these out
  };
  return {
    description: `a polygon of ${vertices.length} vertices${spec.rings.length > 1 ? ` with ${spec.rings.length - 1} hole(s)` : ''}`,
    centre,
    radiusKm: Math.max(...local.map((p) => Math.hypot(p.x, p.y))) / 1000,
    contains,
    ...frame,
    randomPoint,
    randomClusterCentre: randomPoint,
  };
}

export interface ClusterOptions {
  /** Cluster centres. */
  clusters: number;
  /** Gaussian spread of a cluster (σ per axis), km. */
  clusterRadiusKm: number;
  /** Share of sites placed in clusters; the rest are uniform over the area. */
  clusteredShare: number;
  /** Least distance between two sites, m (0 or absent = none); best effort. */
  minSpacingM?: number;
}

const PLACEMENT_DRAWS = 64;

/**
 * `count` sites in `area` from a Thomas cluster process (sim-perf.md §4), each on the centre of
 * its res-12 cell (the cell a hotspot asserts) and inside the area. With `minSpacingM`, a draw
 * closer than that to a placed site is drawn again; a site that finds no free spot in
 * PLACEMENT_DRAWS draws takes the farthest one it drew (so a crowded area still places all).
 */
export function placeInArea(area: Area, count: number, rng: Rng, opts: ClusterOptions): Position[] {
  const centres = Array.from({ length: opts.clusters }, () => ({ ...area.randomClusterCentre(rng), weight: 0.5 + rng.next() }));
  const total = centres.reduce((s, c) => s + c.weight, 0);
  const spacing = opts.minSpacingM ?? 0;
  const placed = spacing > 0 ? createSpacingGrid(area, spacing) : null;
  const out: Position[] = [];
  for (let i = 0; i < count; i++) {
    const clustered = centres.length > 0 && rng.next() < opts.clusteredShare;
    let best: Position | null = null;
    let bestGap = -1;
    // Rejection sampling: a draw whose cell centre falls outside (or too near a placed site) is drawn again.
    for (let attempt = 0; attempt < PLACEMENT_DRAWS && bestGap < spacing; attempt++) {
      let p: { lat: number; lng: number };
      if (clustered) {
        const c = pickWeighted(rng, centres, total);
        const at = area.toLocal(c);
        p = area.fromLocal(at.x + rng.gaussian() * opts.clusterRadiusKm * 1000, at.y + rng.gaussian() * opts.clusterRadiusKm * 1000);
      } else {
        p = area.randomPoint(rng);
      }
      const position = snapInside(area, p);
      if (!position) continue;
      const g = placed ? placed.gap(position) : Infinity;
      if (g > bestGap) {
        best = position;
        bestGap = g;
      }
    }
    const site = best ?? snapInside(area, area.randomPoint(rng)) ?? cellCentre(area.centre);
    placed?.add(site);
    out.push(site);
  }
  return out;
}

export interface SpacingGrid {
  add(p: Position): void;
  remove(p: Position): void;
  /** Distance to the nearest site, m; Infinity when none is within `spacing`. */
  gap(p: Position): number;
}

/** Sites bucketed by `spacing`-sized squares, for the nearest one within `spacing`. */
export function createSpacingGrid(area: Area, spacing: number): SpacingGrid {
  const cells = new Map<string, Position[]>();
  const key = (x: number, y: number) => `${x},${y}`;
  const at = (p: Position) => {
    const { x, y } = area.toLocal(p);
    return { cx: Math.floor(x / spacing), cy: Math.floor(y / spacing) };
  };
  return {
    add(p: Position): void {
      const { cx, cy } = at(p);
      const k = key(cx, cy);
      const list = cells.get(k);
      if (list) list.push(p);
      else cells.set(k, [p]);
    },
    remove(p: Position): void {
      const { cx, cy } = at(p);
      const list = cells.get(key(cx, cy));
      const i = list ? list.indexOf(p) : -1;
      if (i >= 0) list!.splice(i, 1);
    },
    gap(p: Position): number {
      const { cx, cy } = at(p);
      let min = Infinity;
      for (let dx = -1; dx <= 1; dx++) {
        for (let dy = -1; dy <= 1; dy++) {
          for (const o of cells.get(key(cx + dx, cy + dy)) ?? []) min = Math.min(min, distanceM(p, o));
        }
      }
      return min;
    },
  };
}

/** The res-12 cell centre holding `p`. */
export function cellCentre(p: { lat: number; lng: number }): Position {
  const cell = h3.latLngToCell(p.lat, p.lng, ASSERT_RESOLUTION);
  const [lat, lng] = h3.cellToLatLng(cell);
  return { lat, lng, cell };
}

/** The point `km` away from `p` towards `bearingDeg` (0 = north, 90 = east), on a sphere. */
export function offsetPoint(p: { lat: number; lng: number }, km: number, bearingDeg: number): { lat: number; lng: number } {
  const R = 6_371.0088;
  const d = km / R;
  const b = (bearingDeg * Math.PI) / 180;
  const lat1 = (p.lat * Math.PI) / 180;
  const lng1 = (p.lng * Math.PI) / 180;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
  const lng2 = lng1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: (lat2 * 180) / Math.PI, lng: ((((lng2 * 180) / Math.PI + 540) % 360) - 180) };
}

function snapInside(area: Area, p: { lat: number; lng: number }): Position | null {
  const c = cellCentre(p);
  return area.contains(c.lat, c.lng) ? c : null;
}

function localFrame(lat0: number, lng0: number): Pick<Area, 'toLocal' | 'fromLocal'> {
  const mPerDegLng = M_PER_DEG_LAT * Math.cos((lat0 * Math.PI) / 180);
  return {
    toLocal: (p) => ({ x: (p.lng - lng0) * mPerDegLng, y: (p.lat - lat0) * M_PER_DEG_LAT }),
    fromLocal: (x, y) => ({ lat: lat0 + y / M_PER_DEG_LAT, lng: lng0 + x / mPerDegLng }),
  };
}

/** Ray casting over one closed ring (the last vertex repeats the first). */
function inRing(ring: readonly [number, number][], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 2; i < ring.length - 1; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}
