export { createEntropyPublisher, deriveEntropy, randomEntropySource, type EntropySource, type EntropyRecord } from './entropy.ts';
export * from './verifier/index.ts';
export { verifyAndApply } from './step.ts';
export { replayLines, runReplay, type ReplayLinesOptions, type ReplayProgress, type RunReplayOptions } from './replay.ts';
export { ReplayScheduler, type ReplaySchedulerDeps } from './replay/scheduler.ts';
export { parseEvent, EVENT_KINDS, type ReplayEvent } from './replay/events.ts';
export type { OutputLine } from './replay/output.ts';
