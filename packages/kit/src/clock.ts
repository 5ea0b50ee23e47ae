/** The only notion of "now" services use, so tests and `--speed N` demos can steer time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t: number = Date.UTC(2025, 0, 1)) {}
  now(): number {
    return this.t;
  }
  set(ms: number): void {
    this.t = ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Runs `speed` times faster than the system clock from `startMs` on (shared by sim and backend). */
export function acceleratedClock(speed: number, startMs = Date.now()): Clock {
  const origin = Date.now();
  return { now: () => Math.floor(startMs + (Date.now() - origin) * speed) };
}
