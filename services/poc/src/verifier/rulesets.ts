import {
  beaconEntropyWindow, beaconerAsserted, beaconerCapability, beaconerNotDenied, beaconPayload, beaconReciprocity, beaconSchedule,
  gatewayKnown,
} from './beacon-checks.ts';
import type { Ruleset } from './checks.ts';
import { MAX_WITNESSES_PER_POC } from './constants.ts';
import { UnknownRuleset } from './errors.ts';
import { noSharedRadio, txPowerWithinRegion } from './hexlight-checks.ts';
import {
  edgeNotDenied, notDuplicate, notSelfWitness, witnessAsserted, witnessBeaconerAsserted, witnessCapability, witnessEntropyWindow,
  witnessFrequencyExact, witnessFrequencyHelium, witnessKnown, witnessLag, witnessMaxDistance, witnessMinDistance, witnessNotDenied,
  witnessPayload, witnessRegion, witnessReciprocity, witnessRssi,
} from './witness-checks.ts';

// Rulesets are data: ordered lists of checks. `helium` is Helium's last production IoT verifier
// check for check; `hexlight` is the same list with the documented changes (README).

export const heliumRules: Ruleset = Object.freeze({
  name: 'helium',
  beacon: [gatewayKnown, beaconerAsserted, beaconerNotDenied, beaconEntropyWindow, beaconerCapability, beaconSchedule, beaconPayload],
  witness: [
    notDuplicate, witnessKnown, witnessAsserted, witnessBeaconerAsserted, witnessNotDenied, edgeNotDenied, notSelfWitness,
    witnessEntropyWindow, witnessLag, witnessPayload, witnessCapability, witnessFrequencyHelium, witnessRegion, witnessMinDistance,
    witnessMaxDistance, witnessRssi,
  ],
  witnessSet: [],
  beaconReciprocity: [beaconReciprocity],
  witnessReciprocity: [witnessReciprocity],
  maxSelectedWitnesses: MAX_WITNESSES_PER_POC,
});

export const hexlightRules: Ruleset = Object.freeze({
  ...heliumRules,
  name: 'hexlight',
  beacon: [...heliumRules.beacon, txPowerWithinRegion],
  witness: heliumRules.witness.map((c) => (c === witnessFrequencyHelium ? witnessFrequencyExact : c)),
  witnessSet: [noSharedRadio],
});

export const RULESETS: Readonly<Record<string, Ruleset>> = Object.freeze({ helium: heliumRules, hexlight: hexlightRules });
export const RULESET_NAMES: readonly string[] = Object.keys(RULESETS);
/** The live default. */
export const DEFAULT_RULESET = 'hexlight';

/** The ruleset called `name`; throws POC_UNKNOWN_RULESET. */
export function rulesetByName(name: string): Ruleset {
  const rules = Object.hasOwn(RULESETS, name) ? RULESETS[name] : undefined;
  if (!rules) throw UnknownRuleset(`unknown ruleset "${name}" (known: ${RULESET_NAMES.join(', ')})`, { ruleset: name });
  return rules;
}
