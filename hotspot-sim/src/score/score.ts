import { BEHAVIOURS, type Behaviour, type Truth } from './truth.ts';
import { isOrphan, type VerdictLine } from './verdicts.ts';

// How well a ruleset's verdicts separate the simulator's cheaters from everyone else.
//
// Unit of judgement: a hotspot's reports in the scored period, split by role.
// - Its beacons: each beacon line it sent; invalid when the beacon verdict is.
// - Its witness reports: each of its witness reports on a valid beacon, plus its orphan witnesses
//   (`stale`, `bad_signature`). A witness of an invalid beacon carries the beacon's reason, not a
//   judgement of the witness (an honest hotspot that hears a cheater must not be blamed for the
//   cheater's beacon), so those reports are set aside ("excluded").
// - Unproven beacons: a beacon judged `gateway_no_valid_witnesses` (nobody, or nobody credible,
//   reported hearing it) proves nothing either way: an isolated honest hotspot and a spoofer whose
//   only witnesses were rejected look alike. It earns nothing, but it is not an accusation, so it
//   is tallied apart and left out of the beacon share (otherwise a ruleset that rejects a cheater's
//   witness would be blamed for the honest beaconer it was the only witness of).
// A hotspot is *flagged* when at least `threshold` of its beacons, or at least `threshold` of its
// witness reports, were judged invalid. The roles are scored apart because a hotspot sends one
// beacon per window but witnesses dozens: a pooled share would drown a beacon-side cheat
// (beacon_spammer's `irregular_interval`) in valid witness reports.
//
// Scored period: PoCs (by the beacon's `received_ms`; orphans by their own) from the end of the
// warm-up to clock.endMs. A fresh network invalidates everyone's first reports through the
// reciprocity rules (HIP-106: a beaconer must have witnessed, a witness must have beaconed), so
// the warm-up runs to the end of the run's first complete beacon window: by then every hotspot that
// takes part has beaconed with witnesses and witnessed. A time cut treats every reason alike;
// leaving reciprocity reasons out instead would also hide them where they are real (a flaky
// hotspot back after 48 h, a ring).
//
// Caught = a flagged cheater; wrongly invalidated = a flagged non-cheater (honest, offline,
// flaky). Silent = no report at all in the period: it cannot be flagged, so a silent cheater
// counts as missed and a silent honest hotspot as not wrongly invalidated. Every rate is over all
// hotspots of the group, silent ones included.

/** The verifier's beacon window (services/poc BEACON_INTERVAL_MS: UTC-aligned 6 h). */
export const DEFAULT_BEACON_WINDOW_MS = 6 * 3_600_000;
export const DEFAULT_THRESHOLD = 0.5;

export interface ScoreOptions {
  /** Flag a hotspot when this share of its beacons or of its witness reports is invalid (0 < t ≤ 1). */
  threshold?: number;
  /** End of the warm-up (network clock ms). Default: end of the run's first complete beacon window. */
  warmupEndMs?: number;
  /** The verifier's beacon window, for the default warm-up. */
  beaconWindowMs?: number;
}

/** The beacon verdict that means "not proven" rather than "invalid" (see above). */
export const UNPROVEN_BEACON_REASON = 'gateway_no_valid_witnesses';

export interface ReportTally {
  /** Judged beacons (unproven ones apart). */
  beacons: number;
  beaconsInvalid: number;
  /** Beacons no valid witness confirmed (`gateway_no_valid_witnesses`): not counted in the share. */
  beaconsUnproven: number;
  /** Counted witness reports: on valid beacons, plus orphans. */
  witnesses: number;
  witnessesInvalid: number;
  /** Witness reports on invalid beacons (set aside, not counted). */
  witnessesExcluded: number;
  /** Counted invalid reports by reason. */
  reasons: Record<string, number>;
}

export interface HotspotScore extends ReportTally {
  address: string;
  behaviour: Behaviour;
  cheater: boolean;
  /** Invalid share of its beacons; null without beacons. */
  beaconInvalidShare: number | null;
  /** Invalid share of its counted witness reports; null without any. */
  witnessInvalidShare: number | null;
  silent: boolean;
  flagged: boolean;
}

export interface BehaviourScore {
  behaviour: Behaviour;
  hotspots: number;
  cheaters: number;
  silent: number;
  /** Hotspots with at least one counted report. */
  judged: number;
  caught: number;
  missed: number;
  wronglyInvalidated: number;
  /** caught / cheaters; null when the group has no cheater. */
  caughtRate: number | null;
  /** wronglyInvalidated / non-cheaters; null when the group has none. */
  wronglyInvalidatedRate: number | null;
  reports: ReportTally;
}

export interface Overall {
  cheaters: number;
  nonCheaters: number;
  /** True positives: cheaters flagged. */
  caught: number;
  /** False negatives: cheaters not flagged (silent ones included). */
  missed: number;
  /** False positives: non-cheaters flagged. */
  wronglyInvalidated: number;
  /** caught / (caught + wronglyInvalidated); null when nobody was flagged. */
  precision: number | null;
  /** caught / cheaters; null without cheaters. */
  recall: number | null;
  /** 2·TP / (2·TP + FP + FN); null when there is no cheater and nobody was flagged. */
  f1: number | null;
  /** wronglyInvalidated / nonCheaters. */
  falsePositiveRate: number | null;
  /** Flagged honest hotspots / honest hotspots (the `honest` behaviour only). */
  honestFalsePositiveRate: number | null;
}

export interface RulesetScore {
  ruleset: string;
  overall: Overall;
  behaviours: BehaviourScore[];
  hotspots: HotspotScore[];
}

export interface ScoreResult {
  format: 'hexlight-sim-score';
  version: 1;
  scenario: string;
  seed: number;
  speed: number;
  clock: { startMs: number; endMs: number };
  threshold: number;
  /** Reports from here to clock.endMs are scored. */
  warmupEndMs: number;
  /** The definitions, as printed with the table. */
  definition: string[];
  hotspots: number;
  cheaters: number;
  /** Addresses with reports in the period that the truth file does not list (ignored). */
  otherHotspots: number;
  rulesets: RulesetScore[];
}

/** End of the first beacon window that lies wholly after `startMs`. */
export function defaultWarmupEnd(startMs: number, windowMs = DEFAULT_BEACON_WINDOW_MS): number {
  return Math.ceil(startMs / windowMs) * windowMs + windowMs;
}

export function scoreDefinition(threshold: number): string[] {
  const pct = formatShare(threshold);
  return [
    `flagged: at least ${pct} of its beacons, or at least ${pct} of its witness reports, judged invalid in the scored period`,
    `a beacon no valid witness confirmed (${UNPROVEN_BEACON_REASON}) is unproven, not invalid: shown apart, outside the beacon share`,
    'witness reports count when their beacon was valid (on an invalid beacon every witness carries the beacon\'s reason: set aside); orphan witnesses count',
    'scored period: from the end of the warm-up (the run\'s first complete beacon window, which the reciprocity rules spend) to the end of the run',
    'caught = cheater flagged; wrongly invalidated = non-cheater (honest, offline, flaky) flagged; silent = no report in the period (never flagged); rates are over all hotspots of a group',
  ];
}

const emptyTally = (): ReportTally => ({ beacons: 0, beaconsInvalid: 0, beaconsUnproven: 0, witnesses: 0, witnessesInvalid: 0, witnessesExcluded: 0, reasons: {} });

function addReason(t: ReportTally, reason: string | null): void {
  const r = reason ?? 'unknown';
  t.reasons[r] = (t.reasons[r] ?? 0) + 1;
}

function addTally(into: ReportTally, t: ReportTally): void {
  into.beacons += t.beacons;
  into.beaconsInvalid += t.beaconsInvalid;
  into.beaconsUnproven += t.beaconsUnproven;
  into.witnesses += t.witnesses;
  into.witnessesInvalid += t.witnessesInvalid;
  into.witnessesExcluded += t.witnessesExcluded;
  for (const [r, n] of Object.entries(t.reasons)) into.reasons[r] = (into.reasons[r] ?? 0) + n;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/**
 * Scores each ruleset's verdicts against the truth. `verdictsByRuleset` maps a ruleset name to
 * the replay output over the run (all rulesets should judge the same events).
 */
export function scoreRun(truth: Truth, verdictsByRuleset: Readonly<Record<string, Iterable<VerdictLine>>> | ReadonlyMap<string, Iterable<VerdictLine>>, options: ScoreOptions = {}): ScoreResult {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`threshold must be in (0, 1], got ${threshold}`);
  const warmupEndMs = options.warmupEndMs ?? defaultWarmupEnd(truth.clock.startMs, options.beaconWindowMs);
  const entries = verdictsByRuleset instanceof Map ? [...verdictsByRuleset.entries()] : Object.entries(verdictsByRuleset);
  if (entries.length === 0) throw new RangeError('scoreRun needs the verdicts of at least one ruleset');

  const inTruth = new Map(truth.hotspots.map((h) => [h.address, h]));
  const inPeriod = (ms: number): boolean => ms >= warmupEndMs && ms < truth.clock.endMs;
  let otherHotspots = 0;

  const rulesets = entries.map(([ruleset, lines], index): RulesetScore => {
    const tallies = new Map(truth.hotspots.map((h) => [h.address, emptyTally()]));
    const others = new Set<string>();
    const tallyOf = (address: string): ReportTally | undefined => {
      const t = tallies.get(address);
      if (!t) others.add(address);
      return t;
    };
    for (const line of lines) {
      if (isOrphan(line)) {
        if (!inPeriod(line.received_ms)) continue;
        const t = tallyOf(line.address);
        if (!t) continue;
        t.witnesses++;
        t.witnessesInvalid++;
        addReason(t, line.reason);
        continue;
      }
      if (!inPeriod(line.received_ms)) continue;
      const b = tallyOf(line.beaconer);
      if (b && !line.beacon.valid && line.beacon.reason === UNPROVEN_BEACON_REASON) {
        b.beaconsUnproven++;
      } else if (b) {
        b.beacons++;
        if (!line.beacon.valid) {
          b.beaconsInvalid++;
          addReason(b, line.beacon.reason);
        }
      }
      for (const w of line.witnesses) {
        const t = tallyOf(w.address);
        if (!t) continue;
        if (!line.beacon.valid) {
          t.witnessesExcluded++;
          continue;
        }
        t.witnesses++;
        if (!w.valid) {
          t.witnessesInvalid++;
          addReason(t, w.reason);
        }
      }
    }
    if (index === 0) otherHotspots = others.size;

    const hotspots = truth.hotspots.map((h): HotspotScore => {
      const t = tallies.get(h.address)!;
      const beaconInvalidShare = ratio(t.beaconsInvalid, t.beacons);
      const witnessInvalidShare = ratio(t.witnessesInvalid, t.witnesses);
      return {
        address: h.address, behaviour: h.behaviour, cheater: h.cheater, ...t, beaconInvalidShare, witnessInvalidShare,
        silent: t.beacons + t.beaconsUnproven + t.witnesses + t.witnessesExcluded === 0,
        flagged: (beaconInvalidShare ?? 0) >= threshold || (witnessInvalidShare ?? 0) >= threshold,
      };
    });

    const behaviours = BEHAVIOURS.flatMap((behaviour): BehaviourScore[] => {
      const group = hotspots.filter((h) => h.behaviour === behaviour);
      if (group.length === 0) return [];
      const reports = emptyTally();
      for (const h of group) addTally(reports, h);
      const cheaters = group.filter((h) => h.cheater).length;
      const caught = group.filter((h) => h.cheater && h.flagged).length;
      const wronglyInvalidated = group.filter((h) => !h.cheater && h.flagged).length;
      return [{
        behaviour, hotspots: group.length, cheaters,
        silent: group.filter((h) => h.silent).length,
        judged: group.filter((h) => h.beacons + h.witnesses > 0).length,
        caught, missed: cheaters - caught, wronglyInvalidated,
        caughtRate: ratio(caught, cheaters),
        wronglyInvalidatedRate: ratio(wronglyInvalidated, group.length - cheaters),
        reports,
      }];
    });

    const cheaters = hotspots.filter((h) => h.cheater).length;
    const caught = hotspots.filter((h) => h.cheater && h.flagged).length;
    const wronglyInvalidated = hotspots.filter((h) => !h.cheater && h.flagged).length;
    const missed = cheaters - caught;
    const honest = hotspots.filter((h) => h.behaviour === 'honest');
    return {
      ruleset,
      overall: {
        cheaters, nonCheaters: hotspots.length - cheaters, caught, missed, wronglyInvalidated,
        precision: ratio(caught, caught + wronglyInvalidated),
        recall: ratio(caught, cheaters),
        f1: ratio(2 * caught, 2 * caught + wronglyInvalidated + missed),
        falsePositiveRate: ratio(wronglyInvalidated, hotspots.length - cheaters),
        honestFalsePositiveRate: ratio(honest.filter((h) => h.flagged).length, honest.length),
      },
      behaviours,
      hotspots,
    };
  });

  return {
    format: 'hexlight-sim-score', version: 1,
    scenario: truth.scenario, seed: truth.seed, speed: truth.speed, clock: { ...truth.clock },
    threshold, warmupEndMs, definition: scoreDefinition(threshold),
    hotspots: truth.hotspots.length, cheaters: truth.hotspots.filter((h) => h.cheater).length,
    otherHotspots, rulesets,
  };
}

/** 0.5 → "50 %", 0.0125 → "1.3 %"; null → "–". */
export function formatShare(share: number | null): string {
  if (share === null) return '–';
  const pct = share * 100;
  return `${Number.isInteger(pct) ? pct.toFixed(0) : pct.toFixed(1)} %`;
}
