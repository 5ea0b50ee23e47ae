import { describe, expect, it } from 'vitest';
import { add, dec, mul, sub, toFixed } from './decimal.ts';
import { seededRandom } from '../testkit.ts';
import { beaconerRewardUnit, witnessRewardUnit } from './units.ts';

// reference/helium-poc.md §12 (helium/oracles runner.rs test `reward_unit_calculations`).
const TABLE: readonly [w: number, beacon: string, witness: string][] = [
  [1, '0.2500', '1.0000'], [2, '0.5000', '1.0000'], [3, '0.7500', '1.0000'], [4, '1.0000', '1.0000'],
  [5, '1.2000', '0.7600'], [6, '1.3600', '0.6067'], [7, '1.4880', '0.5017'], [8, '1.5904', '0.4262'],
  [9, '1.6723', '0.3697'], [10, '1.7379', '0.3262'], [11, '1.7903', '0.2918'], [12, '1.8322', '0.2640'],
  [13, '1.8658', '0.2411'], [14, '1.8926', '0.2220'], [15, '1.9141', '0.2057'],
];

describe('HIP-15 reward units', () => {
  it.each(TABLE)('w = %i: beaconer %s, each witness %s', (w, beacon, witness) => {
    expect(toFixed(beaconerRewardUnit(w), 4)).toBe(beacon);
    expect(toFixed(witnessRewardUnit(w), 4)).toBe(witness);
  });

  it('pays nothing without witnesses', () => {
    expect(toFixed(beaconerRewardUnit(0), 4)).toBe('0.0000');
    expect(toFixed(witnessRewardUnit(0), 4)).toBe('0.0000');
  });

  it('property: for w > 4, beacon + w × witness = 5 within the 4-dp rounding (seeded)', () => {
    const random = seededRandom(20250526);
    for (let i = 0; i < 300; i++) {
      const w = 5 + Math.floor(random() * 200);
      const total = add(beaconerRewardUnit(w), mul(dec(w), witnessRewardUnit(w)));
      const err = Math.abs(Number(toFixed(sub(total, dec(5)), 8)));
      // Each unit is off by at most half a unit in the 4th decimal.
      expect(err).toBeLessThanOrEqual((w + 1) * 0.00005);
    }
  });

  it('refuses a negative or fractional count', () => {
    expect(() => beaconerRewardUnit(-1)).toThrow(RangeError);
    expect(() => witnessRewardUnit(1.5)).toThrow(RangeError);
  });
});
