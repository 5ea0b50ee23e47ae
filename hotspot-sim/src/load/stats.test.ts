import { describe, expect, it } from 'vitest';
import { ackFigures } from './stats.ts';

describe('ackFigures', () => {
  it('takes percentiles of latency and the rate between the 10th and 90th percentile of ack times', () => {
    // 1,000 acks, one per ms from t = 0, each 1..1000 ms late, in shuffled order.
    const n = 1_000;
    const order = Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const figures = ackFigures(Float64Array.from(order, (i) => i + 1), Float64Array.from(order, (i) => i));
    expect(figures.latencyMs).toEqual({ p50: 501, p99: 991, max: 1000 });
    // acks 100 … 900 land 800 ms apart: 800 acks in 0.8 s.
    expect(figures.sustainedPerS).toBeCloseTo(1_000, 6);
  });

  it('falls back to the whole span, then to zero, when there is no middle to measure', () => {
    // The 10th and 90th percentile acks land together: 11 acks over the whole 200 ms instead.
    const burst = Float64Array.of(0, ...Array.from({ length: 9 }, () => 100), 200);
    expect(ackFigures(new Float64Array(11).fill(1), burst).sustainedPerS).toBeCloseTo(55, 6);
    expect(ackFigures(Float64Array.of(5), Float64Array.of(10)).sustainedPerS).toBe(0);
    expect(ackFigures(new Float64Array(0), new Float64Array(0))).toEqual({ latencyMs: { p50: 0, p99: 0, max: 0 }, sustainedPerS: 0 });
  });
});
