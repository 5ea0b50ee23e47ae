// Load mode: pre-generated, pre-signed corpora pushed at maximum rate over many connections
// (README "Load mode"). The ingest benchmark and `hexlight sim load` are built on it.
export {
  CORPUS_KINDS, MAX_CORPUS_HOTSPOTS, MAX_CORPUS_REPORTS, LoadOptionsInvalid, corpusReport, corpusSize, loadHotspotSeed, loadOwnerSeed,
  CorpusHotspot, type Corpus, type CorpusKind,
} from './corpus.ts';
export { generateCorpus, CORPUS_START_MS, type GenerateOptions } from './generate.ts';
export { ROUND_MS } from './sign.ts';
export { writeCorpus, readCorpus, CorpusInvalid, type CorpusInvalidReason } from './file.ts';
export { pushCorpus, onboardCorpus, ONBOARD_CONCURRENCY, type PushAuth, type PushOptions, type PushProgress, type PushResult } from './push.ts';
export { ackFigures, type AckFigures } from './stats.ts';
