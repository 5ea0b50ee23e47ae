import { drawDist } from '../scenario/dist.ts';
import { knobDist, type BehaviourModule } from './types.ts';

// A hotspot whose connection comes and goes (bad Wi-Fi, power cuts): online for a while, then
// gone, then back. While it is away it neither beacons nor witnesses. A fault, not a cheat.

/** Shortest online or offline spell, ms: keeps a degenerate draw from spinning. */
const MIN_SPELL_MS = 1_000;

export const flaky: BehaviourModule = {
  name: 'flaky',
  cheater: false,
  summary: 'disconnects and reconnects: online spells of `onlineS`, offline spells of `offlineS`',
  knobs: {
    onlineS: { kind: 'dist', per: 'event', default: { dist: 'exponential', mean: 7_200 }, rule: { min: 0 }, unit: 's', doc: 'length of each online spell' },
    offlineS: { kind: 'dist', per: 'event', default: { dist: 'exponential', mean: 1_800 }, rule: { min: 0 }, unit: 's', doc: 'length of each offline spell' },
  },
  setup: ({ settings }) => ({ knobs: { onlineS: settings.onlineS, offlineS: settings.offlineS } }),
  start(control) {
    const spell = (knob: string) => Math.max(MIN_SPELL_MS, Math.round(drawDist(knobDist(control.view.knobs, knob), control.rng) * 1000));
    const goOffline = (): void => {
      if (control.stopping()) return;
      control.count('disconnects');
      control.track(control.disconnect().finally(() => control.after(spell('offlineS'), goOnline)));
    };
    const goOnline = (): void => {
      if (control.stopping()) return;
      control.count('reconnects');
      control.track(control.connect().finally(() => control.after(spell('onlineS'), goOffline)));
    };
    control.after(spell('onlineS'), goOffline);
  },
};
