import type { BeaconCheck, BeaconFacts, Ruleset, WitnessCheck, WitnessFacts, WitnessSetEntry } from './checks.ts';
import { isZero, mul, toFixed, toNumber, type Dec } from './decimal.ts';
import { cellDistanceM, gridDistanceRes11 } from './geometry.ts';
import { createHexDensityCache, hexScaleFor, type HexDensityMap } from './hex-density.ts';
import { byArrival } from './report.ts';
import { selectFirstArrivals } from './selection.ts';
import type { PocState } from './state.ts';
import type {
  BeaconIn, BeaconVerdict, EntropyRecord, Evidence, HotspotMeta, PocResult, Reason, Share, StateUpdate, WitnessIn, WitnessVerdict,
} from './types.ts';
import { beaconerRewardUnit, witnessRewardUnit } from './units.ts';

// One PoC, judged the way Helium's runner judges it (reference/helium-poc.md §7–§12):
//   beacon checks → [invalid: every witness carries the beacon's reason]
//   witness checks, witness-set checks → last-witness updates
//   beacon reciprocity → [invalid as above, the last-witness updates stand]
//   witness reciprocity → selection of the first arrivals → reward units → shares.
// It reads state, never writes it and never reads a clock: the caller applies `stateUpdates`
// before verifying the next beacon (the live runner in the transaction that stores the verdicts).

export interface VerifyOptions {
  /** Density map for a set of interactive cells; default: one shared cache keyed by the array. */
  hexDensity?: (cells: readonly string[]) => HexDensityMap;
}

const sharedDensity = createHexDensityCache();

export async function verifyPoc(beacon: BeaconIn, witnesses: readonly WitnessIn[], state: PocState, rules: Ruleset, options: VerifyOptions = {}): Promise<PocResult> {
  const ordered = [...witnesses].sort(byArrival);
  // Helium joins beacons to entropy by exact bytes; an unknown entropy is never verified and
  // is purged as stale, its witnesses with it.
  const entropy = await state.entropy(beacon.decoded.report.remoteEntropy);
  if (!entropy) return invalidPoc(beacon, ordered, 'stale', {}, []);

  const address = beacon.address;
  const [meta, lastBeaconMs, lastWitnessMs, denied] = await Promise.all([
    state.locate(address, beacon.receivedMs),
    state.lastBeaconMs(address),
    state.lastWitnessMs(address),
    state.denied(address),
  ]);
  const facts: BeaconFacts = { beacon, entropy, meta, lastBeaconMs, lastWitnessMs, denied, witnessCount: ordered.length };
  const evidence: Evidence = {};
  const updates: StateUpdate[] = [];
  // Every beacon of a known, asserted hotspot uses up its 6-h window, valid or not.
  if (meta !== null && meta.location !== null) updates.push({ kind: 'last_beacon', address, atMs: beacon.receivedMs });

  const beaconFailure = firstBeaconFailure(rules.beacon, facts, evidence);
  if (beaconFailure) return invalidPoc(beacon, ordered, beaconFailure, evidence, updates);
  const beaconer = meta as HotspotMeta & { location: string };
  if (ordered.length > 0) updates.push({ kind: 'last_beacon_with_witness', address, atMs: beacon.receivedMs });

  // Scaled by the population as it stood before this PoC.
  const density = (options.hexDensity ?? sharedDensity)(await state.interactiveCells(beacon.receivedMs));
  const { scale, defaulted } = hexScaleFor(density, beaconer.location);
  evidence.hexScaleDefaulted = defaulted;

  const entries = await judgeWitnesses(beacon, beaconer, entropy, ordered, state, rules);
  for (const e of entries) if (e.reason === null) updates.push({ kind: 'last_witness', address: e.facts.witness.address, atMs: e.facts.witness.receivedMs });

  const reciprocityFailure = firstBeaconFailure(rules.beaconReciprocity, facts, evidence);
  if (reciprocityFailure) return invalidPoc(beacon, ordered, reciprocityFailure, evidence, updates);

  for (const e of entries) {
    if (e.reason !== null) continue;
    const failure = firstWitnessFailure(rules.witnessReciprocity, e.facts, e.evidence);
    if (failure) {
      e.reason = failure.reason;
      e.side = failure.side ?? 'witness';
    }
  }
  return validPoc(beacon, scale, evidence, entries, updates, rules.maxSelectedWitnesses);
}

interface Judged extends WitnessSetEntry {
  evidence: Evidence;
  side: 'beaconer' | 'witness' | null;
}

async function judgeWitnesses(
  beacon: BeaconIn,
  beaconer: HotspotMeta & { location: string },
  entropy: EntropyRecord,
  ordered: readonly WitnessIn[],
  state: PocState,
  rules: Ruleset,
): Promise<Judged[]> {
  const firstWitnessMs = ordered[0]?.receivedMs ?? beacon.receivedMs;
  const seen = new Set<string>();
  const entries: Judged[] = [];
  for (const witness of ordered) {
    const duplicate = seen.has(witness.address);
    seen.add(witness.address);
    const [meta, denied, deniedEdge, lastBeaconWithWitnessMs] = await Promise.all([
      state.locate(witness.address, witness.receivedMs),
      state.denied(witness.address),
      state.deniedEdge(beacon.address, witness.address),
      state.lastBeaconWithWitnessMs(witness.address),
    ]);
    const facts = witnessFacts({ beacon, beaconer, entropy, witness, meta, denied, deniedEdge, lastBeaconWithWitnessMs, firstWitnessMs, duplicate });
    const evidence: Evidence = {};
    const failure = firstWitnessFailure(rules.witness, facts, evidence);
    entries.push({ facts, evidence, reason: failure?.reason ?? null, side: failure ? (failure.side ?? 'witness') : null });
  }
  for (const check of rules.witnessSet) {
    for (const [i, found] of check.run(entries)) {
      const e = entries[i];
      if (!e || e.reason !== null) continue;
      e.reason = check.reason;
      e.side = 'witness';
      Object.assign(e.evidence, found);
    }
  }
  return entries;
}

function witnessFacts(base: Omit<WitnessFacts, 'distanceM' | 'gridDistance'>): WitnessFacts {
  const a = base.beaconer?.location ?? null;
  const b = base.meta?.location ?? null;
  let distance: number | null | undefined;
  let grid: number | null | undefined;
  return {
    ...base,
    distanceM: () => (distance === undefined ? (distance = a === null || b === null ? null : safe(() => cellDistanceM(a, b))) : distance),
    gridDistance: () => (grid === undefined ? (grid = a === null || b === null ? null : gridDistanceRes11(a, b)) : grid),
  };
}

function safe(f: () => number): number | null {
  try {
    const v = f();
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

function firstBeaconFailure(checks: readonly BeaconCheck[], facts: BeaconFacts, evidence: Evidence): Reason | null {
  for (const check of checks) {
    const found = check.run(facts);
    if (found.evidence) Object.assign(evidence, found.evidence);
    if (!found.ok) return check.reason;
  }
  return null;
}

function firstWitnessFailure(checks: readonly WitnessCheck[], facts: WitnessFacts, evidence: Evidence): WitnessCheck | null {
  for (const check of checks) {
    const found = check.run(facts);
    if (found.evidence) Object.assign(evidence, found.evidence);
    if (!found.ok) return check;
  }
  return null;
}

function invalidPoc(beacon: BeaconIn, ordered: readonly WitnessIn[], reason: Reason, evidence: Evidence, updates: StateUpdate[]): PocResult {
  return {
    beaconVerdict: { pocId: beacon.id, address: beacon.address, receivedMs: beacon.receivedMs, valid: false, reason, hexScale: null, rewardUnit: 0, evidence },
    // Helium writes every witness report, self-witnesses and duplicates included, with the beacon's reason.
    witnessVerdicts: ordered.map((w) => ({
      id: w.id, address: w.address, receivedMs: w.receivedMs, valid: false, reason, side: 'beaconer', selected: false, rewardUnit: 0, evidence: {},
    })),
    omittedWitnesses: [],
    shares: [],
    stateUpdates: updates,
  };
}

function validPoc(beacon: BeaconIn, scale: Dec, evidence: Evidence, entries: Judged[], updates: StateUpdate[], maxSelected: number): PocResult {
  const listed = entries.filter((e) => e.reason !== 'self_witness');
  const { selected } = selectFirstArrivals(listed.filter((e) => e.reason === null).map((e) => e.facts.witness), maxSelected);
  const chosen = new Set(selected.map((w) => w.id));
  const w = selected.length;
  const beaconUnit = beaconerRewardUnit(w);
  const witnessUnit = witnessRewardUnit(w);

  const verdict = (e: Judged): WitnessVerdict => {
    const { witness } = e.facts;
    const isSelected = chosen.has(witness.id);
    return {
      id: witness.id, address: witness.address, receivedMs: witness.receivedMs,
      valid: e.reason === null, reason: e.reason, side: e.side,
      selected: isSelected, rewardUnit: isSelected ? toNumber(witnessUnit) : 0, evidence: e.evidence,
    };
  };
  const beaconVerdict: BeaconVerdict = {
    pocId: beacon.id, address: beacon.address, receivedMs: beacon.receivedMs,
    valid: true, reason: null, hexScale: toNumber(scale), rewardUnit: toNumber(beaconUnit), evidence,
  };

  const shares: Share[] = [];
  const share = (address: string, type: Share['type'], at: number, unit: Dec): void => {
    if (isZero(scale) || isZero(unit)) return;
    shares.push({ pocId: beacon.id, address, type, rewardTimestampMs: at, hexScale: toFixed(scale, 4), rewardUnit: toFixed(unit, 4), shares: toFixed(mul(scale, unit), 8) });
  };
  share(beacon.address, 'beacon', beacon.receivedMs, beaconUnit);
  for (const s of selected) share(s.address, 'witness', s.receivedMs, witnessUnit);

  return {
    beaconVerdict,
    witnessVerdicts: listed.map(verdict),
    omittedWitnesses: entries.filter((e) => e.reason === 'self_witness').map(verdict),
    shares,
    stateUpdates: updates,
  };
}
