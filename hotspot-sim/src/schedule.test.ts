import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '@hexlight/kit';
import { createRng } from './rng.ts';
import { nextBeaconTime, startBeaconLoop, windowStart, type Timers } from './schedule.ts';

const H = 3_600_000;
const SIX_H = 6 * H;

describe('beacon schedule (gateway-rs mk_next_beacon_time)', () => {
  const now = Date.UTC(2023, 8, 1, 9, 20); // gateway-rs's own test instant
  const current = windowStart(now, SIX_H);
  const next = current + SIX_H;

  it('aligns windows to UTC', () => {
    expect(current).toBe(Date.UTC(2023, 8, 1, 6, 0));
    expect(windowStart(Date.UTC(2023, 8, 1, 12, 0), SIX_H)).toBe(Date.UTC(2023, 8, 1, 12, 0));
  });

  it('ports gateway-rs test_beacon_time', () => {
    const rng = createRng(1);
    for (let i = 0; i < 200; i++) {
      const first = nextBeaconTime(now, null, SIX_H, rng);
      expect(first).toBeGreaterThan(now);
      expect(first).toBeLessThan(next + SIX_H);
    }
    const inThisWindow = now + 10 * 60_000;
    expect(nextBeaconTime(now, inThisWindow, SIX_H, rng)).toBe(inThisWindow);
    const inNextWindow = next + 10 * 60_000;
    expect(nextBeaconTime(now, inNextWindow, SIX_H, rng)).toBe(inNextWindow);
    const pastThisWindow = nextBeaconTime(now, current + 10 * 60_000, SIX_H, rng);
    expect(pastThisWindow).toBeGreaterThan(now);
    expect(windowStart(pastThisWindow, SIX_H)).toBe(next);
    const pastPreviousWindow = nextBeaconTime(now, current - 10 * 60_000, SIX_H, rng);
    expect(pastPreviousWindow).toBeGreaterThan(now - 1);
    expect(windowStart(pastPreviousWindow, SIX_H)).toBe(current);
  });

  it('picks exactly one instant per window, uniformly spread', () => {
    const rng = createRng(9);
    const interval = 30_000;
    let t = Date.UTC(2025, 0, 1, 0, 0, 7);
    let last: number | null = null;
    const windows: number[] = [];
    const offsets: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const at = nextBeaconTime(t, last, interval, rng);
      expect(at).toBeGreaterThanOrEqual(t);
      windows.push(windowStart(at, interval));
      offsets.push(at - windowStart(at, interval));
      last = at;
      t = at; // the hotspot beacons at the planned instant
    }
    for (let i = 1; i < windows.length; i++) expect(windows[i]! - windows[i - 1]!).toBe(interval);
    const mean = offsets.reduce((a, b) => a + b, 0) / offsets.length;
    expect(mean / interval).toBeGreaterThan(0.45);
    expect(mean / interval).toBeLessThan(0.55);
  });
});

describe('beacon loop', () => {
  afterEach(() => vi.useRealTimers());

  it('calls onBeacon once per window at the planned instant until stopped', async () => {
    vi.useFakeTimers({ now: Date.UTC(2025, 0, 1) });
    const clock = { now: () => Date.now() };
    const calls: number[] = [];
    const loop = startBeaconLoop({
      clock, rng: createRng(5), intervalMs: 10_000,
      onBeacon: async (plannedAt) => {
        calls.push(clock.now());
        expect(clock.now()).toBe(plannedAt);
        return plannedAt;
      },
    });
    await vi.advanceTimersByTimeAsync(100_000);
    expect(calls.length).toBeGreaterThanOrEqual(9);
    expect(calls.length).toBeLessThanOrEqual(10);
    expect(new Set(calls.map((c) => windowStart(c, 10_000))).size).toBe(calls.length);
    loop.stop();
    expect(loop.plannedAt()).toBeNull();
    const before = calls.length;
    await vi.advanceTimersByTimeAsync(100_000);
    expect(calls.length).toBe(before);
  });

  it('waits again when the clock is behind the timer', async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    const pending: (() => void)[] = [];
    const timers: Timers = { setTimeout: (fn) => pending.push(fn), clearTimeout: () => {} };
    let fired = 0;
    const loop = startBeaconLoop({ clock, timers, rng: createRng(2), intervalMs: 60_000, onBeacon: async (at) => (fired++, at) });
    const planned = loop.plannedAt()!;
    pending.shift()!(); // the timer fires early: not due on this clock
    expect(fired).toBe(0);
    expect(pending).toHaveLength(1);
    clock.set(planned);
    pending.shift()!();
    expect(fired).toBe(1);
    loop.stop();
  });
});
