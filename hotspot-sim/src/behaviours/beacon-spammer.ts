import { drawDist, distBounds, type Dist } from '../scenario/dist.ts';
import { knobNumber, round3, type BehaviourModule } from './types.ts';

// Beacon-rate abuse (sim-perf.md §5 #8): beacons every `beaconPeriodS`, shorter than the beacon
// window, to collect more beacon rewards. What gives it away: more than one beacon per window
// (`irregular_interval`).

export const beaconSpammer: BehaviourModule = {
  name: 'beacon_spammer',
  cheater: true,
  summary: 'beacons once per `beaconPeriodS`, shorter than the scenario\'s beacon window',
  knobs: {
    beaconPeriodS: { kind: 'dist', per: 'hotspot', default: 3_600, rule: { min: 1 }, unit: 's', doc: 'its own beacon window' },
  },
  check(settings, scenario, c, field) {
    const [, hi] = distBounds(settings.beaconPeriodS as Dist);
    if (hi >= scenario.beaconIntervalS) c.fail(`${field}.beaconPeriodS`, `must be shorter than beaconIntervalS (${scenario.beaconIntervalS} s)`);
  },
  setup: ({ rng, settings }) => ({ knobs: { beaconPeriodS: round3(drawDist(settings.beaconPeriodS as Dist, rng)) } }),
  beaconPeriodMs: (knobs) => Math.max(1_000, Math.round(knobNumber(knobs, 'beaconPeriodS') * 1000)),
};
