import type { ManualClock } from '@hexlight/kit';
import type { Timers } from '../src/schedule.ts';

// Virtual time for scenario runs: timers fire only when the test moves the shared ManualClock, so
// hours of network life take seconds and every report is stamped by the ingest at (about) the
// clock instant it was due.

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
}

export class VirtualTimers implements Timers {
  private queue: Entry[] = [];
  private seq = 0;
  constructor(private readonly clock: ManualClock) {}

  setTimeout(fn: () => void, ms: number): unknown {
    const e = { at: this.clock.now() + Math.max(0, ms), seq: this.seq++, fn };
    this.queue.push(e);
    return e;
  }

  clearTimeout(handle: unknown): void {
    const i = this.queue.indexOf(handle as Entry);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** The earliest instant a timer is due, if any. */
  nextAt(): number | undefined {
    let best: number | undefined;
    for (const e of this.queue) if (best === undefined || e.at < best) best = e.at;
    return best;
  }

  /** Removes and returns the earliest timer due at or before `t` (ties: first set first). */
  takeDue(t: number): Entry | undefined {
    let best = -1;
    for (let i = 0; i < this.queue.length; i++) {
      const q = this.queue[i]!;
      if (q.at > t) continue;
      if (best < 0 || q.at < this.queue[best]!.at || (q.at === this.queue[best]!.at && q.seq < this.queue[best]!.seq)) best = i;
    }
    return best < 0 ? undefined : this.queue.splice(best, 1)[0];
  }

  get size(): number {
    return this.queue.length;
  }
}

export interface AdvanceOptions {
  clock: ManualClock;
  timers: VirtualTimers;
  /** Move time up to here. */
  until: number;
  /**
   * Timers due within this many ms of the first are fired together, before waiting for their
   * reports to land; the ingest stamps them up to this much late. Default 20.
   */
  quantumMs?: number;
  /** Before each step, with the instant it starts at (e.g. rotate entropy). */
  beforeStep?: (at: number) => Promise<void>;
  /** Waits until the step's work has landed (the run's `settled()`). */
  settle: () => Promise<void>;
}

/** Moves the clock to `until`, firing every timer due on the way in order. Returns the number of steps. */
export async function advance(o: AdvanceOptions): Promise<number> {
  const quantum = o.quantumMs ?? 20;
  let steps = 0;
  for (;;) {
    const next = o.timers.nextAt();
    if (next === undefined || next > o.until) break;
    await o.beforeStep?.(next);
    const end = next + quantum;
    for (;;) {
      const due = o.timers.takeDue(end);
      if (!due) break;
      o.clock.set(Math.max(o.clock.now(), due.at));
      due.fn();
    }
    // Let continuations (a beacon after its entropy check) run, then wait for what they sent.
    await new Promise((r) => setImmediate(r));
    await o.settle();
    steps++;
  }
  o.clock.set(Math.max(o.clock.now(), o.until));
  return steps;
}

/**
 * An `advance` beforeStep that gives the run fresh entropy, delivered to every hotspot, before
 * anything happens two minutes after the last: a beacon (and its witnesses, the latest 10 s
 * behind) stays inside its 180-s lifespan.
 */
export function freshEntropy(o: {
  clock: ManualClock;
  rotate: () => Promise<unknown>;
  entropyOf: () => { latestS: number | null; behind: number };
  waitUntil: (check: () => boolean, what: string, timeoutMs: number) => Promise<void>;
}): (at: number) => Promise<void> {
  let lastAt = o.clock.now();
  return async (at) => {
    if (at - lastAt < 120_000) return;
    o.clock.set(Math.max(o.clock.now(), at - 1_000));
    await o.rotate();
    lastAt = o.clock.now();
    const ts = Math.floor(lastAt / 1000);
    await o.waitUntil(() => o.entropyOf().latestS === ts && o.entropyOf().behind === 0, 'every hotspot to hold the new entropy', 5_000);
  };
}
