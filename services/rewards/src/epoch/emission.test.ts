import { describe, expect, it } from 'vitest';
import { cumulativeEmission, DAY_MS, dailyRate, emissionForEpoch, type EmissionSchedule } from './emission.ts';

const START = Date.UTC(2026, 0, 1);
const schedule: EmissionSchedule = { dailyEmission: 1_000_000_007n, startMs: START, halvingIntervalDays: 730 };

describe('emission schedule', () => {
  it('pays the daily emission for a UTC-day epoch', () => {
    expect(emissionForEpoch(schedule, START, DAY_MS)).toBe(1_000_000_007n);
    expect(emissionForEpoch(schedule, START + 10 * DAY_MS, DAY_MS)).toBe(1_000_000_007n);
  });

  it('emits nothing before the start', () => {
    expect(emissionForEpoch(schedule, START - DAY_MS, DAY_MS)).toBe(0n);
    expect(emissionForEpoch(schedule, START - DAY_MS / 2, DAY_MS)).toBe(1_000_000_007n / 2n);
  });

  it('halves at the boundary and not a millisecond before', () => {
    const boundary = START + 730 * DAY_MS;
    expect(emissionForEpoch(schedule, boundary - DAY_MS, DAY_MS)).toBe(1_000_000_007n);
    expect(emissionForEpoch(schedule, boundary, DAY_MS)).toBe(500_000_003n);
    expect(emissionForEpoch(schedule, boundary + 730 * DAY_MS, DAY_MS)).toBe(250_000_001n);
    expect(dailyRate(schedule, 729)).toBe(1_000_000_007n);
    expect(dailyRate(schedule, 730)).toBe(500_000_003n);
    // A day-long epoch straddling the boundary gets half a day at each rate.
    expect(emissionForEpoch(schedule, boundary - DAY_MS / 2, DAY_MS)).toBe(1_000_000_007n - 1_000_000_007n / 2n + 500_000_003n / 2n);
  });

  it('sub-day epochs tile a day exactly: the floor remainder rolls into the next epoch', () => {
    for (const parts of [2, 3, 7, 24, 96, 1440]) {
      const len = DAY_MS / parts;
      if (!Number.isInteger(len)) continue;
      const amounts = Array.from({ length: parts }, (_, i) => emissionForEpoch(schedule, START + 5 * DAY_MS + i * len, len));
      expect(amounts.reduce((a, b) => a + b, 0n), `parts ${parts}`).toBe(1_000_000_007n);
      const base = 1_000_000_007n / BigInt(parts);
      for (const a of amounts) expect(a === base || a === base + 1n).toBe(true);
    }
  });

  it('cumulative emission over many halvings matches the closed form', () => {
    const days = 730 * 5 + 3;
    let expected = 0n;
    for (let d = 0; d < days; d++) expected += dailyRate(schedule, d);
    expect(cumulativeEmission(schedule, START + days * DAY_MS)).toBe(expected);
  });

  it('without halvings the rate never changes', () => {
    const flat: EmissionSchedule = { dailyEmission: 10n, startMs: START };
    expect(emissionForEpoch(flat, START + 10_000 * DAY_MS, DAY_MS)).toBe(10n);
  });

  it('refuses bad settings with a code', () => {
    expect(() => emissionForEpoch(schedule, START, 0)).toThrow(expect.objectContaining({ code: 'REWARDS_EPOCH_CONFIG_INVALID' }));
    expect(() => emissionForEpoch({ ...schedule, dailyEmission: -1n }, START, DAY_MS)).toThrow(
      expect.objectContaining({ code: 'REWARDS_EPOCH_CONFIG_INVALID' }),
    );
    expect(() => emissionForEpoch({ ...schedule, halvingIntervalDays: 1.5 }, START, DAY_MS)).toThrow(
      expect.objectContaining({ code: 'REWARDS_EPOCH_CONFIG_INVALID' }),
    );
  });
});
