import type { Rng } from '../rng.ts';

// Distributions a scenario draws from: antenna gains, heights, building loss, backhaul latency and
// behaviour knobs. A plain number is a fixed value; an object names its family. `min`/`max` clamp
// the continuous families, so a long-tailed latency can still be capped.

export type Dist =
  | number
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'normal'; mean: number; sd: number; min?: number; max?: number }
  | { dist: 'lognormal'; median: number; sigma: number; min?: number; max?: number }
  | { dist: 'exponential'; mean: number; min?: number; max?: number }
  | { dist: 'choice'; values: { value: number; share: number }[] };

export const DIST_KINDS = ['uniform', 'normal', 'lognormal', 'exponential', 'choice'] as const;

/** One draw from `d`. */
export function drawDist(d: Dist, rng: Rng): number {
  if (typeof d === 'number') return d;
  switch (d.dist) {
    case 'uniform':
      return rng.range(d.min, d.max);
    case 'normal':
      return clamp(d.mean + d.sd * rng.gaussian(), d.min, d.max);
    case 'lognormal':
      return clamp(d.median * Math.exp(d.sigma * rng.gaussian()), d.min, d.max);
    case 'exponential':
      // 1 − next() is in (0, 1], so the log is finite.
      return clamp(-d.mean * Math.log(1 - rng.next()), d.min, d.max);
    case 'choice': {
      let x = rng.next();
      for (const v of d.values) {
        x -= v.share;
        if (x < 0) return v.value;
      }
      return d.values[d.values.length - 1]!.value;
    }
  }
}

/** The smallest and largest value `d` can give (±Infinity for an unbounded tail). */
export function distBounds(d: Dist): [number, number] {
  if (typeof d === 'number') return [d, d];
  switch (d.dist) {
    case 'uniform':
      return [d.min, d.max];
    case 'normal':
      return [d.min ?? -Infinity, d.max ?? Infinity];
    case 'lognormal':
    case 'exponential':
      return [d.min ?? 0, d.max ?? Infinity];
    case 'choice':
      return [Math.min(...d.values.map((v) => v.value)), Math.max(...d.values.map((v) => v.value))];
  }
}

function clamp(x: number, min: number | undefined, max: number | undefined): number {
  if (min !== undefined && x < min) return min;
  if (max !== undefined && x > max) return max;
  return x;
}
