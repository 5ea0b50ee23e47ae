/** The only notion of "now" services use, so tests and `--speed N` demos can steer time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Clock ms per real ms (`--speed`); absent means 1 (a clock tests move by hand has none). */
  readonly speed?: number;
}

/**
 * What another process needs to rebuild the same clock: at real time `originRealMs` (Date.now()
 * of the machine serving it) the clock read `originClockMs`, and it runs `speed` times faster.
 */
export interface ClockDescription {
  speed: number;
  originRealMs: number;
  originClockMs: number;
}

/** A clock another process can follow (`GET /v1/network/clock`). */
export interface SharedClock extends Clock {
  readonly speed: number;
  describe(): ClockDescription;
}

export const systemClock: SharedClock = {
  now: () => Date.now(),
  speed: 1,
  describe: () => ({ speed: 1, originRealMs: 0, originClockMs: 0 }),
};

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

/**
 * Wall-clock ms with sub-ms resolution, monotonic within the process. Date.now()'s 1-ms steps
 * would be `speed` ms of an accelerated clock: two reports a few µs apart would share a receive
 * time, and the verifier reads equal times as one radio.
 */
function realNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Runs `speed` times faster than the system clock from `startMs` on (shared by sim and backend). */
export function acceleratedClock(speed: number, startMs = Date.now()): SharedClock {
  return clockFromDescription({ speed, originRealMs: realNow(), originClockMs: startMs });
}

/** The clock a description names; `describe()` gives the description back unchanged. */
export function clockFromDescription(d: ClockDescription): SharedClock {
  if (!(Number.isFinite(d.speed) && d.speed > 0)) throw new RangeError(`clock speed must be a positive number, got ${d.speed}`);
  if (!Number.isFinite(d.originRealMs) || !Number.isFinite(d.originClockMs)) throw new RangeError('clock origins must be finite numbers');
  if (d.speed === 1 && d.originRealMs === d.originClockMs) return systemClock;
  const { speed, originRealMs, originClockMs } = d;
  return {
    speed,
    now: () => Math.floor(originClockMs + (realNow() - originRealMs) * speed),
    describe: () => ({ speed, originRealMs, originClockMs }),
  };
}

/** Any clock's description at this instant (a clock that cannot describe itself is read now). */
export function describeClock(clock: Clock): ClockDescription {
  const shared = (clock as Partial<SharedClock>).describe;
  if (typeof shared === 'function') return shared.call(clock);
  return { speed: clock.speed ?? 1, originRealMs: Date.now(), originClockMs: clock.now() };
}

/**
 * How far a signed timestamp may be from the clock (onboarding, connect tokens): `clockS` seconds
 * of clock time, but never under `minRealS` real seconds. The delays the window absorbs (signing,
 * queueing, the round trip) are real: at 600× Helium's 300 s are half a real second, less than a
 * fleet's start-up queues for. At speed 1 it is `clockS`.
 */
export function skewWindowS(clock: Clock, clockS: number, minRealS = 5): number {
  return Math.max(clockS, Math.ceil(minRealS * (clock.speed ?? 1)));
}

/** What a wait needs: the simulator's beacon loop and witness delays take these. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Timers plus intervals, as the services' periodic work uses them. */
export interface ClockTimers extends Timers {
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout;
  setInterval(fn: () => void, ms: number): NodeJS.Timeout;
  clearInterval(handle: unknown): void;
}

/** setTimeout's limit (2^31 − 1 ms); Node fires longer waits at once, so they are capped. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Timers whose ms are the clock's: a wait of `ms` clock-ms takes `ms / speed` real ms (rounded up,
 * at least 1, so the clock has reached the instant when it fires). At speed 1 they are Node's own.
 */
export function clockTimers(clock: Clock): ClockTimers {
  const speed = clock.speed ?? 1;
  if (!(Number.isFinite(speed) && speed > 0)) throw new RangeError(`clock speed must be a positive number, got ${speed}`);
  const real = (ms: number): number => (speed === 1 ? ms : Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(ms / speed))));
  return {
    setTimeout: (fn, ms) => setTimeout(fn, real(ms)),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    setInterval: (fn, ms) => setInterval(fn, real(ms)),
    clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
  };
}
