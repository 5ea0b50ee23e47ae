// Scoring a simulator run: the ground truth (who cheats and how) against each ruleset's verdicts.
export { readTruth, parseTruth, SimTruthInvalid, BEHAVIOURS, TRUTH_FORMAT, TRUTH_VERSION, type Behaviour, type Truth, type TruthHotspot, type TruthPlace } from './truth.ts';
export { parseVerdictLines, isOrphan, type VerdictLine, type BeaconVerdictLine, type OrphanVerdictLine, type WitnessVerdict } from './verdicts.ts';
export {
  scoreRun, scoreDefinition, defaultWarmupEnd, formatShare, DEFAULT_THRESHOLD, DEFAULT_BEACON_WINDOW_MS,
  type ScoreOptions, type ScoreResult, type RulesetScore, type BehaviourScore, type HotspotScore, type Overall, type ReportTally,
} from './score.ts';
export { formatScoreTable } from './table.ts';
export { renderScoreSvg, xmlEscape } from './plot.ts';
export { fetchReplayEvents, SimScoreExportFailed, type FetchReplayEventsOptions } from './export-client.ts';
