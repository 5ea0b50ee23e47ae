import { describe, expect, it } from 'vitest';
import { BYTES_PER_DC, DC_USD, dcForPayload } from './dc.ts';

describe('Data Credits per payload', () => {
  it('costs one DC per 24 bytes, rounded up, at least one (the 24-byte boundaries)', () => {
    const sizes = [0, 1, 23, 24, 25, 47, 48, 49];
    expect(sizes.map(dcForPayload)).toEqual([1, 1, 1, 1, 2, 2, 2, 3]);
    expect(dcForPayload(222)).toBe(10); // the EU868 maximum PHYPayload
    expect(BYTES_PER_DC).toBe(24);
  });

  it('prices a DC at $0.00001', () => {
    expect(DC_USD * 100_000).toBeCloseTo(1, 12);
  });

  it('refuses sizes that are not byte counts', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity]) expect(() => dcForPayload(bad)).toThrow(RangeError);
  });
});
