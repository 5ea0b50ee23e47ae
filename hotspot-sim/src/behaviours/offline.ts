import type { BehaviourModule } from './types.ts';

// A hotspot that was onboarded and asserted but never comes online (unplugged, broken backhaul):
// the registry knows it, the network never hears from it. A fault, not a cheat.

export const offline: BehaviourModule = {
  name: 'offline',
  cheater: false,
  summary: 'onboarded and asserted, never connects',
  knobs: {},
  connects: false,
  setup: () => ({ knobs: {} }),
};
