import type { Rng } from './rng.ts';
import { drawDist, type Dist } from './scenario/dist.ts';

// How long a report takes from the hotspot to the network: signing plus the internet path.
// HIP-94's appendix measures 105–242 ms of ECC608 signing by vendor and 20–100 ms of network
// (sim-perf.md §4). A scenario gives each hotspot a class: `fast` (fibre/cable), `slow` (a
// congested or cellular link) or `flaky` (usually fine, sometimes seconds late, past the
// verifier's 4-s witness limit). The default shares and distributions are our assumption.

export const BACKHAUL_CLASSES = ['fast', 'slow', 'flaky'] as const;
export type BackhaulClassName = (typeof BACKHAUL_CLASSES)[number];

export interface BackhaulClass {
  share: number;
  /** Latency of one report, ms. */
  latencyMs: Dist;
  /** Chance a report also suffers a stall (a retransmission, a reconnect). */
  spikeProbability: number;
  /** Extra delay of a stall, ms. */
  spikeMs: Dist;
}

export type Backhaul = Record<BackhaulClassName, BackhaulClass>;

export const DEFAULT_BACKHAUL: Backhaul = {
  fast: { share: 0.6, latencyMs: { dist: 'lognormal', median: 150, sigma: 0.3, max: 2_000 }, spikeProbability: 0, spikeMs: 0 },
  slow: { share: 0.3, latencyMs: { dist: 'lognormal', median: 600, sigma: 0.5, max: 3_000 }, spikeProbability: 0, spikeMs: 0 },
  flaky: {
    share: 0.1, latencyMs: { dist: 'lognormal', median: 400, sigma: 0.6, max: 3_000 },
    spikeProbability: 0.1, spikeMs: { dist: 'uniform', min: 2_000, max: 15_000 },
  },
};

/** One report's latency for a hotspot of class `c`, whole ms, at least 1. */
export function drawLatencyMs(c: BackhaulClass, rng: Rng): number {
  let ms = drawDist(c.latencyMs, rng);
  if (c.spikeProbability > 0 && rng.next() < c.spikeProbability) ms += drawDist(c.spikeMs, rng);
  return Math.max(1, Math.round(ms));
}

/** The class at the cumulative share `u` ∈ [0, 1). */
export function backhaulClassAt(backhaul: Backhaul, u: number): BackhaulClassName {
  let x = u;
  let last: BackhaulClassName = 'fast';
  for (const name of BACKHAUL_CLASSES) {
    if (backhaul[name].share <= 0) continue;
    last = name;
    x -= backhaul[name].share;
    if (x < 0) return name;
  }
  return last; // rounding at the very top of [0, 1)
}
