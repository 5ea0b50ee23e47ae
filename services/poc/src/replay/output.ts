import type { Evidence, PocResult, Reason, WitnessIn } from '../verifier/types.ts';

// Output lines of `hexlight poc replay` (spec/poc-replay.md "Output"): one per beacon and one per
// orphan witness, keys in the spec's order. `explain` adds an `evidence` object to the beacon
// and to each witness, with the numbers behind the verdict (an extension; off by default).

export interface OutputLine {
  /** received_ms of the beacon (or of the orphan witness) and its report id: the line order. */
  sortMs: number;
  sortId: string;
  json: string;
}

export function beaconLine(result: PocResult, explain = false): OutputLine {
  const b = result.beaconVerdict;
  const value = {
    poc_id: b.pocId,
    beaconer: b.address,
    received_ms: b.receivedMs,
    beacon: { valid: b.valid, reason: b.reason, hex_scale: b.hexScale, reward_unit: b.rewardUnit, ...(explain ? { evidence: b.evidence } : {}) },
    witnesses: result.witnessVerdicts.map((w) => ({
      address: w.address,
      received_ms: w.receivedMs,
      valid: w.valid,
      reason: w.reason,
      selected: w.selected,
      reward_unit: w.rewardUnit,
      ...(explain ? { evidence: w.evidence } : {}),
    })),
  };
  return { sortMs: b.receivedMs, sortId: b.pocId, json: JSON.stringify(value) };
}

/** A beacon whose signature does not verify: reason bad_signature, no witnesses. */
export function badSignatureBeaconLine(beacon: { id: string; address: string; receivedMs: number }, explain = false): OutputLine {
  const value = {
    poc_id: beacon.id,
    beaconer: beacon.address,
    received_ms: beacon.receivedMs,
    beacon: { valid: false, reason: 'bad_signature', hex_scale: null, reward_unit: 0, ...(explain ? { evidence: {} } : {}) },
    witnesses: [],
  };
  return { sortMs: beacon.receivedMs, sortId: beacon.id, json: JSON.stringify(value) };
}

export function orphanLine(witness: Pick<WitnessIn, 'id' | 'address' | 'receivedMs'>, reason: Reason, evidence?: Evidence): OutputLine {
  const value = { orphan_witness: witness.id, address: witness.address, received_ms: witness.receivedMs, reason, ...(evidence ? { evidence } : {}) };
  return { sortMs: witness.receivedMs, sortId: witness.id, json: JSON.stringify(value) };
}

export function sortLines(lines: OutputLine[]): OutputLine[] {
  return lines.sort((a, b) => a.sortMs - b.sortMs || (a.sortId < b.sortId ? -1 : a.sortId > b.sortId ? 1 : 0));
}
