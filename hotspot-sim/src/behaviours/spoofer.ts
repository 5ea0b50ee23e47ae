import { drawDist, type Dist } from '../scenario/dist.ts';
import { round3, type BehaviourModule } from './types.ts';

// Location spoofing (sim-perf.md §5 #1): the hotspot asserts a place `assertedOffsetKm` away from
// where its radio really is, in a random direction. Its radio still transmits and hears at the
// real place, so what it reports is real physics at the wrong distance: witnesses far above the
// free-space bound of the asserted distance (`bad_rssi`), or beyond 100 km (`max_distance_exceeded`).

export const spoofer: BehaviourModule = {
  name: 'spoofer',
  cheater: true,
  summary: 'asserts `assertedOffsetKm` away from where it really is; hears and transmits at its real place',
  knobs: {
    assertedOffsetKm: {
      kind: 'dist', per: 'hotspot', default: { dist: 'uniform', min: 30, max: 90 }, rule: { above: 0, max: 2_000 }, unit: 'km',
      doc: 'distance from the real place to the asserted one',
    },
  },
  setup({ rng, settings }) {
    const km = drawDist(settings.assertedOffsetKm as Dist, rng);
    const bearingDeg = rng.range(0, 360);
    return { knobs: { assertedOffsetKm: round3(km), bearingDeg: round3(bearingDeg) }, assertOffset: { km, bearingDeg } };
  },
};
