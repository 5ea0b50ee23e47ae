import type { DenyHit } from './state.ts';
import type { BeaconIn, EntropyRecord, Evidence, HotspotMeta, Reason, WitnessIn } from './types.ts';

// The shape of a rule. A check is a pure function over facts the verifier fetched beforehand,
// so rulesets stay synchronous and testable; it reports pass/fail and what it measured.
// Rulesets (rulesets.ts) are ordered lists of these: switching a rule off is a different list.

export interface Finding {
  ok: boolean;
  evidence?: Evidence;
}

/** Everything a beacon check may look at. */
export interface BeaconFacts {
  beacon: BeaconIn;
  entropy: EntropyRecord;
  /** Beaconer's metadata at the beacon's receive time (null: unknown hotspot). */
  meta: HotspotMeta | null;
  lastBeaconMs: number | null;
  lastWitnessMs: number | null;
  denied: DenyHit | null;
  /** Witness reports heard for this beacon, any validity. */
  witnessCount: number;
}

export interface BeaconCheck {
  readonly name: string;
  readonly reason: Reason;
  run(facts: BeaconFacts): Finding;
}

/** Everything a witness check may look at. */
export interface WitnessFacts {
  beacon: BeaconIn;
  /** Beaconer's metadata at the beacon's receive time. */
  beaconer: HotspotMeta | null;
  entropy: EntropyRecord;
  witness: WitnessIn;
  /** Witness's metadata at its own receive time. */
  meta: HotspotMeta | null;
  denied: DenyHit | null;
  deniedEdge: DenyHit | null;
  lastBeaconWithWitnessMs: number | null;
  /** Earliest receive time among all witness reports of this beacon. */
  firstWitnessMs: number;
  /** An earlier report of this beacon came from the same key. */
  duplicate: boolean;
  /** Distance between the asserted cells, whole metres (memoised; null if H3 cannot compute it). */
  distanceM(): number | null;
  /** Res-11 grid distance (memoised; null if H3 cannot compute it). */
  gridDistance(): number | null;
}

export interface WitnessCheck {
  readonly name: string;
  readonly reason: Reason;
  /** Whose fault a failure is; 'witness' unless said otherwise (Helium's participant_side). */
  readonly side?: 'beaconer' | 'witness';
  run(facts: WitnessFacts): Finding;
}

export interface WitnessSetEntry {
  facts: WitnessFacts;
  /** The reason from the per-witness checks, null if it passed them. */
  reason: Reason | null;
}

/** A rule over all witnesses of one beacon; returns the entries (by index) it fails, with evidence. */
export interface WitnessSetCheck {
  readonly name: string;
  readonly reason: Reason;
  run(entries: readonly WitnessSetEntry[]): ReadonlyMap<number, Evidence>;
}

export interface Ruleset {
  readonly name: string;
  /** Beacon checks run before the witnesses (Helium 1–8). First failure wins. */
  readonly beacon: readonly BeaconCheck[];
  /** Per-witness checks (Helium 0–14). First failure wins. */
  readonly witness: readonly WitnessCheck[];
  /** Rules over the whole witness set, after the per-witness checks. */
  readonly witnessSet: readonly WitnessSetCheck[];
  /** Beacon checks after the witnesses were judged (Helium 9: reciprocity). */
  readonly beaconReciprocity: readonly BeaconCheck[];
  /** Witness checks once the beacon is valid (Helium 15: reciprocity). */
  readonly witnessReciprocity: readonly WitnessCheck[];
  /** HIP-83: how many valid witnesses, first come first served, are rewarded. */
  readonly maxSelectedWitnesses: number;
}

/** The beaconer's metadata for checks placed after `not_asserted`; a misordered ruleset fails loudly. */
export function assertedMeta(meta: HotspotMeta | null, check: string): HotspotMeta & { location: string } {
  if (!meta || meta.location === null) throw new Error(`check ${check} needs an asserted hotspot: order it after not_asserted`);
  return meta as HotspotMeta & { location: string };
}
