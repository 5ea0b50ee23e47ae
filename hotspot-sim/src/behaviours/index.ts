import { beaconSpammer } from './beacon-spammer.ts';
import { dcFarmer } from './dc-farmer.ts';
import { flaky } from './flaky.ts';
import { honest } from './honest.ts';
import { lateReplayer } from './late-replayer.ts';
import { offline } from './offline.ts';
import { ring } from './ring.ts';
import { rssiForger } from './rssi-forger.ts';
import { sharedRadio } from './shared-radio.ts';
import { spoofer } from './spoofer.ts';
import type { BehaviourModule, BehaviourName } from './types.ts';

// Every behaviour a simulated hotspot can have, by the name the scenario and the truth file use.
// The order is the order shares are handed out in (honest takes what is left).

export const BEHAVIOUR_MODULES: Readonly<Record<BehaviourName, BehaviourModule>> = Object.freeze({
  honest, offline, flaky, spoofer, ring, rssi_forger: rssiForger, late_replayer: lateReplayer,
  shared_radio: sharedRadio, beacon_spammer: beaconSpammer, dc_farmer: dcFarmer,
});

/** The behaviours a scenario gives a share to (every one but honest, which takes the rest). */
export const SCENARIO_BEHAVIOURS = (Object.keys(BEHAVIOUR_MODULES) as BehaviourName[]).filter((b) => b !== 'honest');

export function behaviourModule(name: BehaviourName): BehaviourModule {
  return BEHAVIOUR_MODULES[name];
}

export * from './types.ts';
