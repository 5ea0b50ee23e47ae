import type { BehaviourModule } from './types.ts';

// An honest hotspot: asserts where it stands and the antenna it has, beacons once per window,
// reports what its radio measured after its backhaul latency. Every hook left out means this.

export const honest: BehaviourModule = {
  name: 'honest',
  cheater: false,
  summary: 'asserts where it stands, beacons once per window, reports what its radio measured',
  knobs: {},
  setup: () => ({ knobs: {} }),
};
