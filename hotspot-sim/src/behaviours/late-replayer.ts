import { drawDist, type Dist } from '../scenario/dist.ts';
import { honestReport, knobNumber, type BehaviourModule } from './types.ts';

// Late re-submission (sim-perf.md §5 #5): witnesses published `replayDelayMs` after the beacon was
// heard (a forwarder that batches and replays, or one feeding reports to another identity first).
// What gives it away: witness arrival far behind its peers (`too_late` past 4 s after the beacon,
// the "ingest latency" edge classifier).

export const lateReplayer: BehaviourModule = {
  name: 'late_replayer',
  cheater: true,
  summary: 'publishes its witnesses `replayDelayMs` late',
  knobs: {
    replayDelayMs: {
      kind: 'dist', per: 'hotspot', default: { dist: 'uniform', min: 5_000, max: 30_000 }, rule: { min: 0, max: 170_000 }, unit: 'ms',
      doc: 'added to the backhaul latency of every witness',
    },
  },
  setup: ({ rng, settings }) => ({ knobs: { replayDelayMs: Math.round(drawDist(settings.replayDelayMs as Dist, rng)) } }),
  report(knobs, reception) {
    const plan = honestReport(reception);
    return { ...plan, delayMs: plan.delayMs + knobNumber(knobs, 'replayDelayMs') };
  },
};
