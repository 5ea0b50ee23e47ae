import { acceleratedClock, clockFromDescription, ConfigInvalid, defineError, envInt, envString, systemClock, type Logger, type SharedClock } from '@hexlight/kit';

/** `hexlight sim --speed N` against a network whose clock runs at another speed (details: wanted, network). */
export const SimClockMismatch = defineError('SIM_CLOCK_MISMATCH', "the simulator's speed differs from the network's clock");
/** `GET /v1/network/clock` could not be read or did not answer the documented JSON. */
export const SimClockUnavailable = defineError('SIM_CLOCK_UNAVAILABLE', "the network's clock could not be read");

/** Beyond this one real ms is more than 10 s of network time: report lags no longer mean anything. */
export const MAX_SPEED = 10_000;

/** `--speed N` (wins) or SPEED: an integer from 1 (real time) to MAX_SPEED. */
export function speedSetting(flag: string | undefined, env: Record<string, string | undefined> = process.env): number {
  if (flag === undefined) return envInt(env, 'SPEED', 1, { min: 1, max: MAX_SPEED, what: 'clock ms per real ms' });
  return envInt({ '--speed': flag }, '--speed', 1, { min: 1, max: MAX_SPEED, what: 'clock ms per real ms' });
}

interface ClockBody { now_ms: number; speed: number; origin_real_ms: number; origin_clock_ms: number }

/**
 * The clock of the network at `apiUrl` (`GET /v1/network/clock`), rebuilt here. At 1× it is the
 * system clock, as before the route existed (and when a network does not serve it: 404). When
 * this machine's wall clock disagrees with the server's by more than the request's round trip
 * explains, the clock is re-anchored on the server's `now_ms` at the round trip's midpoint, so a
 * simulator on another host still signs tokens the network accepts.
 */
export async function followNetworkClock(apiUrl: string, log: Logger): Promise<SharedClock> {
  const url = new URL('/v1/network/clock', apiUrl).toString();
  const sent = Date.now();
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw SimClockUnavailable(`cannot read ${url}: ${(err as Error).message} (is the network running? --api names it)`, { url }, err);
  }
  const received = Date.now();
  if (res.status === 404) {
    log.info({ url }, 'sim.clock.not-served');
    return systemClock;
  }
  const body = (await res.json().catch(() => null)) as Partial<ClockBody> | null;
  if (!res.ok || !body || ![body.now_ms, body.speed, body.origin_real_ms, body.origin_clock_ms].every(Number.isFinite) || !(body.speed! > 0)) {
    throw SimClockUnavailable(`${url} answered ${res.status} without the clock JSON {now_ms, speed, origin_real_ms, origin_clock_ms}`, { url, status: res.status });
  }
  const b = body as ClockBody;
  if (b.speed === 1) return systemClock;
  const described = clockFromDescription({ speed: b.speed, originRealMs: b.origin_real_ms, originClockMs: b.origin_clock_ms });
  const midpoint = (sent + received) / 2;
  const predicted = b.origin_clock_ms + (midpoint - b.origin_real_ms) * b.speed;
  const toleranceMs = ((received - sent) / 2 + 5) * b.speed;
  if (Math.abs(b.now_ms - predicted) <= toleranceMs) return described;
  log.warn({ skewRealMs: Math.round((b.now_ms - predicted) / b.speed), speed: b.speed }, 'sim.clock.skew');
  return clockFromDescription({ speed: b.speed, originRealMs: midpoint, originClockMs: b.now_ms });
}

/** The network's clock, checked against `--speed` when given (SIM_CLOCK_MISMATCH names both). */
export async function simClock(opts: { apiUrl: string; speed: number | undefined; follow: boolean; log: Logger }): Promise<SharedClock> {
  if (!opts.follow) {
    if (opts.speed !== undefined && opts.speed !== 1) {
      throw ConfigInvalid(`--speed ${opts.speed} needs the network's clock: drop --no-follow-clock (a clock of our own would disagree with the network's connect-token checks)`, { setting: '--speed' });
    }
    return systemClock;
  }
  const clock = await followNetworkClock(opts.apiUrl, opts.log);
  if (opts.speed !== undefined && opts.speed !== clock.speed) {
    throw SimClockMismatch(
      `--speed ${opts.speed} but the network at ${opts.apiUrl} runs at ${clock.speed}× real time: drop --speed to follow it, or restart the network with --speed ${opts.speed}`,
      { wanted: opts.speed, network: clock.speed },
    );
  }
  return clock;
}

/**
 * The clock of a service run alone (`hexlight ingest|poc|rewards|maps`): SPEED (default 1, real
 * time) and CLOCK_ORIGIN=<real ms>:<clock ms>, the instant (Date.now() of this machine) at which
 * the clock read <clock ms>. Separate processes given the same pair compute the same network time,
 * as `hexlight up --speed N` does in one process. Without CLOCK_ORIGIN an accelerated clock starts
 * at this process's start (right for one process, not for several).
 */
export function serviceClock(env: Record<string, string | undefined> = process.env): SharedClock {
  const speed = speedSetting(undefined, env);
  const origin = envString(env, 'CLOCK_ORIGIN');
  if (origin === undefined) return speed === 1 ? systemClock : acceleratedClock(speed);
  const m = /^(\d+):(\d+)$/.exec(origin.trim());
  if (!m) throw ConfigInvalid(`CLOCK_ORIGIN ${JSON.stringify(origin)} must be <real ms>:<clock ms> (two integers)`, { setting: 'CLOCK_ORIGIN' });
  return clockFromDescription({ speed, originRealMs: Number(m[1]), originClockMs: Number(m[2]) });
}
