import * as h3 from 'h3-js';
import { dec, div, mul, ONE, roundDp, type Dec } from './decimal.ts';
import { parentOrNull } from './geometry.ts';
import { SCALING_PRECISION } from './units.ts';

// HIP-17 hex density scaling with HIP-104's parameters: an exact port of helium/oracles
// iot_verifier hex_density.rs (reference/helium-poc.md §11). Input: the asserted cells of the
// interactive hotspots. Output: a scale per asserted cell, 4 dp. A beaconer whose cell is not in
// the map (not interactive yet) gets DEFAULT_HEX_SCALE; its witnesses are paid with the same scale.

export interface HexResConfig {
  /** N: occupied neighbours (k-ring 1, the cell included) tolerated before the limit grows. */
  readonly neighbors: number;
  readonly target: number;
  readonly max: number;
}

/** HIP-104 (`HIP104_RES_CONFIG`). Resolutions 11 and 12 are counted but never clipped; 0–3 ignored. */
export const HIP104_RES_CONFIG: ReadonlyMap<number, HexResConfig> = new Map([
  [4, { neighbors: 2, target: 500, max: 1000 }],
  [5, { neighbors: 4, target: 100, max: 200 }],
  [6, { neighbors: 4, target: 25, max: 50 }],
  [7, { neighbors: 4, target: 5, max: 10 }],
  [8, { neighbors: 2, target: 1, max: 1 }],
  [9, { neighbors: 2, target: 1, max: 1 }],
  [10, { neighbors: 2, target: 1, max: 1 }],
]);

/** Scale for a beaconer missing from the map: 0.2, so a re-activated hotspot can earn its way back. */
export const DEFAULT_HEX_SCALE: Dec = dec(2000, 4);

const MAX_RES = 11;
const USED_RES = [10, 9, 8, 7, 6, 5, 4] as const;
const SCALING_RES = [13, 12, 11, 10, 9, 8, 7, 6, 5, 4] as const;

/** Scales by asserted cell, computed on first lookup (a beacon needs one, a replay thousands of maps). */
export interface HexDensityMap {
  get(cell: string): Dec | undefined;
  has(cell: string): boolean;
  /** Every asserted cell with its scale (computes them all). */
  entries(): IterableIterator<[string, Dec]>;
}

// H3 lookups repeat across rebuilds (the population changes a little at a time): memoised,
// with a crude bound so a long replay cannot grow them without limit.
const MEMO_LIMIT = 1_000_000;
const parents = new Map<string, string | null>();
const disks = new Map<string, string[]>();

function parentOf(cell: string, res: number): string | null {
  const key = `${cell}/${res}`;
  let p = parents.get(key);
  if (p === undefined) {
    if (parents.size >= MEMO_LIMIT) parents.clear();
    p = parentOrNull(cell, res);
    parents.set(key, p);
  }
  return p;
}

function diskOf(cell: string): string[] {
  let d = disks.get(cell);
  if (!d) {
    if (disks.size >= MEMO_LIMIT) disks.clear();
    d = h3.gridDisk(cell, 1);
    disks.set(cell, d);
  }
  return d;
}

function bump(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Clipped / unclipped populations per cell, res 11 down to res 4. */
function reduce(cells: readonly string[], config: ReadonlyMap<number, HexResConfig>): { clipped: Map<string, number>; unclipped: Map<string, number>; asserted: string[] } {
  const unclipped = new Map<string, number>();
  const clipped = new Map<string, number>();
  const asserted: string[] = [];
  for (const cell of cells) {
    const parent = parentOf(cell, MAX_RES);
    if (parent === null) continue; // Helium skips cells it cannot lift to res 11
    bump(unclipped, parent, 1);
    bump(clipped, parent, 1);
    asserted.push(cell);
  }
  let level: string[] = [...unclipped.keys()];
  for (const res of USED_RES) {
    const cfg = config.get(res);
    if (!cfg) throw new RangeError(`no hex density config for resolution ${res}`);
    const next = new Set<string>();
    for (const cell of level) {
      const parent = parentOf(cell, res);
      if (parent === null) continue;
      const count = clipped.get(cell) ?? 0;
      // Helium adds the child's clipped count to both maps ("not sure if required", but removing
      // it changes results); before clipping a parent therefore has clipped == unclipped, which
      // also makes the neighbour test below independent of the order parents are clipped in.
      bump(unclipped, parent, count);
      bump(clipped, parent, count);
      next.add(parent);
    }
    for (const parent of next) {
      let occupied = 0;
      for (const h of diskOf(parent)) if ((clipped.get(h) ?? 0) >= cfg.target) occupied++;
      const limit = Math.min(cfg.max, cfg.target * (Math.max(occupied - cfg.neighbors, 0) + 1));
      clipped.set(parent, Math.min(limit, unclipped.get(parent) ?? 0));
    }
    level = [...next];
  }
  return { clipped, unclipped, asserted };
}

/** Scale per asserted cell: Π over res 13…4 of clipped/unclipped of the cell's parent, 4 dp. */
export function computeHexDensity(cells: readonly string[], config: ReadonlyMap<number, HexResConfig> = HIP104_RES_CONFIG): HexDensityMap {
  const { clipped, unclipped, asserted } = reduce(cells, config);
  const known = new Set(asserted);
  const scales = new Map<string, Dec>();
  const scaleOf = (cell: string): Dec | undefined => {
    if (!known.has(cell)) return undefined;
    let scale = scales.get(cell);
    if (scale === undefined) {
      let product: Dec = ONE;
      for (const res of SCALING_RES) {
        const parent = parentOf(cell, res);
        if (parent === null) continue;
        const u = unclipped.get(parent);
        const c = clipped.get(parent);
        if (u === undefined || c === undefined) continue;
        product = mul(product, div(dec(c, SCALING_PRECISION), dec(u, SCALING_PRECISION)));
      }
      scale = roundDp(product, SCALING_PRECISION);
      scales.set(cell, scale);
    }
    return scale;
  };
  return {
    get: scaleOf,
    has: (cell) => known.has(cell),
    *entries() {
      for (const cell of known) yield [cell, scaleOf(cell)!];
    },
  };
}

/** The beaconer's scale, or the 0.2 default when its cell is not in the map. */
export function hexScaleFor(map: HexDensityMap, cell: string): { scale: Dec; defaulted: boolean } {
  const scale = map.get(cell);
  return scale === undefined ? { scale: DEFAULT_HEX_SCALE, defaulted: true } : { scale, defaulted: false };
}

/**
 * Reuses the last map while the state hands back the same cells array (PocState.interactiveCells
 * returns one instance per unchanged set), so a replay does not rebuild it for every beacon.
 */
export function createHexDensityCache(config: ReadonlyMap<number, HexResConfig> = HIP104_RES_CONFIG): (cells: readonly string[]) => HexDensityMap {
  const maps = new WeakMap<readonly string[], HexDensityMap>();
  return (cells) => {
    let map = maps.get(cells);
    if (!map) {
      map = computeHexDensity(cells, config);
      maps.set(cells, map);
    }
    return map;
  };
}
