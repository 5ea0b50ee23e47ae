import type { Rng } from './rng.ts';

// How a simulated hotspot is installed: antenna gain and height. Kept apart from placement because
// later scenarios change one without the other (a cheater lies about gain, not about position).

export interface Antenna {
  /** dBi × 10, as asserted (wire.md §6). */
  gain: number;
  /** Metres above ground, as asserted. */
  elevation: number;
}

/**
 * Gains seen on real hotspots, dBi × 10: 12 is Helium's DEFAULT_GAIN (blockchain-core
 * blockchain_utils.hrl), ~23 the stock antennas (Helium devblog "Updated Antenna Denylist
 * Classifier"); 30–80 are common aftermarket fibreglass antennas. The shares are our assumption,
 * not a measurement. Every value fits under the smallest max EIRP (AS923_1, 16.0 dBm).
 */
export const GAIN_MIX: readonly { gain: number; share: number }[] = [
  { gain: 12, share: 0.15 },
  { gain: 23, share: 0.35 },
  { gain: 30, share: 0.2 },
  { gain: 40, share: 0.1 },
  { gain: 58, share: 0.15 },
  { gain: 80, share: 0.05 },
];

/** Heights 3–30 m above ground (sim-perf.md §4), most of them low (rooftops, windows). */
export const ELEVATION_RANGE_M = { min: 3, max: 30 } as const;

export function drawAntenna(rng: Rng): Antenna {
  let x = rng.next();
  let gain = GAIN_MIX[GAIN_MIX.length - 1]!.gain;
  for (const g of GAIN_MIX) {
    x -= g.share;
    if (x < 0) {
      gain = g.gain;
      break;
    }
  }
  const u = rng.next();
  const elevation = ELEVATION_RANGE_M.min + Math.floor(u * u * (ELEVATION_RANGE_M.max - ELEVATION_RANGE_M.min + 1));
  return { gain, elevation };
}
