import type { Clock, Timers } from '@hexlight/kit';
import type { Rng } from './rng.ts';

// When a hotspot beacons: once per UTC-aligned window of `intervalMs`, at a uniformly random
// instant in it, the rule of helium/gateway-rs src/beaconer.rs `mk_next_beacon_time` (in ms
// instead of s). A hotspot that starts late in a window whose drawn instant has already passed
// waits for the next window, so no window ever holds two beacons of one hotspot.

/** Start of the UTC-aligned window holding `t` (ms since the epoch). */
export function windowStart(t: number, intervalMs: number): number {
  return t - (((t % intervalMs) + intervalMs) % intervalMs);
}

/**
 * The next beacon instant. `last` is the previous beacon (or planned) instant, or null at start.
 * - `last` in the future: keep it;
 * - `last` in the current window: a random instant in the next window;
 * - `last` in an earlier window: a random instant in the rest of the current one;
 * - no `last`: draw one in the current window and apply the rules above.
 */
export function nextBeaconTime(now: number, last: number | null, intervalMs: number, rng: Rng): number {
  if (!(intervalMs >= 1)) throw new RangeError(`intervalMs must be at least 1, got ${intervalMs}`);
  const current = windowStart(now, intervalMs);
  const next = current + intervalMs;
  if (last === null) return nextBeaconTime(now, current + randomMs(rng, intervalMs), intervalMs, rng);
  if (last > now) return last;
  if (windowStart(last, intervalMs) === current) return next + randomMs(rng, intervalMs);
  return now + randomMs(rng, next - now);
}

function randomMs(rng: Rng, spanMs: number): number {
  return Math.floor(rng.next() * Math.max(1, Math.floor(spanMs)));
}

/** The timer functions the loop uses (kit's); an accelerated-time run passes `clockTimers(clock)`. */
export type { Timers };

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** setTimeout's limit (2^31 − 1 ms); longer waits re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

export interface BeaconLoopOptions {
  clock: Clock;
  rng: Rng;
  intervalMs: number;
  timers?: Timers;
  /**
   * Called at each planned instant. Resolves to the instant it actually beaconed (ms), or null if it
   * did not; either way the loop plans the next window. Must not reject (the loop swallows it).
   */
  onBeacon: (plannedAt: number) => Promise<number | null>;
}

export interface BeaconLoop {
  /** The currently planned instant (ms), or null once stopped. */
  plannedAt(): number | null;
  stop(): void;
}

/** Runs `onBeacon` once per window until stopped. */
export function startBeaconLoop(opts: BeaconLoopOptions): BeaconLoop {
  const timers = opts.timers ?? realTimers;
  let stopped = false;
  let handle: unknown = null;
  let planned: number | null = null;

  const plan = (last: number | null): void => {
    if (stopped) return;
    planned = nextBeaconTime(opts.clock.now(), last, opts.intervalMs, opts.rng);
    arm();
  };
  const arm = (): void => {
    if (stopped || planned === null) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, planned - opts.clock.now()));
    handle = timers.setTimeout(fire, wait);
  };
  const fire = (): void => {
    handle = null;
    if (stopped || planned === null) return;
    // A clock that runs behind the timers (or a long wait split up) is not due yet: wait again.
    if (opts.clock.now() < planned) return arm();
    const at = planned;
    opts.onBeacon(at).then(
      (beaconedAt) => plan(beaconedAt ?? at),
      () => plan(at),
    );
  };

  plan(null);
  return {
    plannedAt: () => planned,
    stop() {
      stopped = true;
      planned = null;
      if (handle !== null) timers.clearTimeout(handle);
      handle = null;
    },
  };
}
