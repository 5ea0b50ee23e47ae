import { describe, expect, it, vi } from 'vitest';
import { acceleratedClock, clockFromDescription, clockTimers, describeClock, ManualClock, systemClock } from './clock.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('clock timers', () => {
  it('waits in clock time: 60,000 clock-ms at speed 600 fire after ~100 real ms', async () => {
    const clock = acceleratedClock(600, Date.UTC(2026, 0, 1));
    const timers = clockTimers(clock);
    const t0 = performance.now();
    const c0 = clock.now();
    const fired = await new Promise<{ realMs: number; clockMs: number }>((resolve) => {
      timers.setTimeout(() => resolve({ realMs: performance.now() - t0, clockMs: clock.now() - c0 }), 60_000);
    });
    expect(fired.realMs).toBeGreaterThanOrEqual(90);
    expect(fired.realMs).toBeLessThan(400);
    // Node may fire a timer a few ms early against Date.now() (its loop time is cached).
    expect(fired.clockMs).toBeGreaterThanOrEqual(60_000 - 600 * 10);
  });

  it('clears timeouts and intervals', async () => {
    const timers = clockTimers(acceleratedClock(600));
    let fired = 0;
    const t = timers.setTimeout(() => fired++, 6_000); // 10 real ms
    timers.clearTimeout(t);
    let ticks = 0;
    const i = timers.setInterval(() => ticks++, 6_000);
    await sleep(75);
    timers.clearInterval(i);
    const seen = ticks;
    await sleep(40);
    expect(fired).toBe(0);
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(seen).toBeLessThanOrEqual(8);
    expect(ticks).toBe(seen);
  });

  it('never waits less than 1 real ms, and is Node itself at speed 1 (a manual clock too)', async () => {
    // The delay handed to Node's timer is the contract. Measured elapsed time cannot show it:
    // Node starts a timer from the event loop's cached time, so a 1-ms timer can fire 0.1 ms of
    // performance.now() later (flaked in CI under load).
    const nodeTimer = vi.spyOn(globalThis, 'setTimeout');
    try {
      const fast = clockTimers(acceleratedClock(10_000));
      await new Promise<void>((r) => fast.setTimeout(r, 1));
      expect(nodeTimer.mock.calls.at(-1)![1]).toBe(1); // 0.0001 real ms, rounded up to 1
      fast.clearTimeout(fast.setTimeout(() => undefined, 30_001));
      expect(nodeTimer.mock.calls.at(-1)![1]).toBe(4); // ceil(3.0001)
      for (const clock of [systemClock, new ManualClock()]) {
        const timers = clockTimers(clock);
        await new Promise<void>((r) => timers.setTimeout(r, 30));
        expect(nodeTimer.mock.calls.at(-1)![1]).toBe(30);
      }
    } finally {
      nodeTimer.mockRestore();
    }
  });
});

describe('clock descriptions', () => {
  it('an accelerated clock runs at its speed and exposes it', async () => {
    const start = Date.UTC(2026, 0, 1);
    const clock = acceleratedClock(300, start);
    expect(clock.speed).toBe(300);
    const r0 = Date.now();
    const c0 = clock.now();
    expect(Math.abs(c0 - start)).toBeLessThan(300 * 5);
    await sleep(50);
    const rate = (clock.now() - c0) / (Date.now() - r0);
    expect(rate).toBeGreaterThan(250);
    expect(rate).toBeLessThan(350);
  });

  it('round-trips: the clock rebuilt from a description (e.g. in another process) reads the same', async () => {
    const clock = acceleratedClock(600, Date.UTC(2026, 3, 1));
    await sleep(20);
    const d = JSON.parse(JSON.stringify(describeClock(clock))) as ReturnType<typeof describeClock>;
    expect(d).toEqual(clock.describe());
    const copy = clockFromDescription(d);
    expect(copy.speed).toBe(600);
    expect(copy.describe()).toEqual(d);
    for (let i = 0; i < 5; i++) {
      // Within a few real ms (two Date.now() reads apart), i.e. a few speed-ms of clock time.
      expect(Math.abs(copy.now() - clock.now())).toBeLessThanOrEqual(600 * 3);
      await sleep(5);
    }
  });

  it('the system clock describes itself as real time, and a manual clock as a snapshot', () => {
    expect(systemClock.describe()).toEqual({ speed: 1, originRealMs: 0, originClockMs: 0 });
    expect(clockFromDescription(systemClock.describe())).toBe(systemClock);
    const manual = new ManualClock(Date.UTC(2030, 0, 1));
    const d = describeClock(manual);
    expect(d).toMatchObject({ speed: 1, originClockMs: Date.UTC(2030, 0, 1) });
    expect(() => clockFromDescription({ speed: 0, originRealMs: 0, originClockMs: 0 })).toThrow(RangeError);
  });
});
