// The verdict lines `hexlight poc replay` writes (spec/poc-replay.md "Output"), as far as scoring
// reads them. Evidence and reward numbers are not needed: a score only asks what was judged
// invalid, for whom, and why.

export interface WitnessVerdict {
  address: string;
  received_ms: number;
  valid: boolean;
  reason: string | null;
}

/** One beacon and its witnesses. On an invalid beacon every witness carries the beacon's reason. */
export interface BeaconVerdictLine {
  poc_id: string;
  beaconer: string;
  received_ms: number;
  beacon: { valid: boolean; reason: string | null };
  witnesses: WitnessVerdict[];
}

/** A witness no beacon claimed (`stale`) or whose signature failed (`bad_signature`). */
export interface OrphanVerdictLine {
  orphan_witness: string;
  address: string;
  received_ms: number;
  reason: string;
}

export type VerdictLine = BeaconVerdictLine | OrphanVerdictLine;

export const isOrphan = (line: VerdictLine): line is OrphanVerdictLine => Object.hasOwn(line, 'orphan_witness');

/** Parses replay output lines (blank lines skipped). Throws on a line that is not a verdict. */
export function* parseVerdictLines(lines: Iterable<string>): Generator<VerdictLine> {
  let n = 0;
  for (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    const v = JSON.parse(text) as Partial<BeaconVerdictLine & OrphanVerdictLine>;
    const beacon = typeof v.beaconer === 'string' && typeof v.beacon?.valid === 'boolean' && Array.isArray(v.witnesses);
    const orphan = typeof v.orphan_witness === 'string' && typeof v.address === 'string';
    if ((!beacon && !orphan) || typeof v.received_ms !== 'number') throw new TypeError(`verdict line ${n} is neither a beacon line nor an orphan witness line`);
    yield v as VerdictLine;
  }
}
