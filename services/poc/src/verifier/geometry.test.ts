import { describe, expect, it } from 'vitest';
import { cellDistanceM, expectedRssiDbm, fsplDb, gainDb, gridDistanceRes11, parentOrNull } from './geometry.ts';

const cell = (u64: string): string => BigInt(u64).toString(16);

describe('distance and FSPL (helium/oracles poc.rs test vectors)', () => {
  // Ealing ↔ Finsbury Park, res-15 cells.
  const EALING = cell('644459695463521437');
  const FINSBURY = cell('644460986971331488');

  it('great-circle distance between cell centres, rounded to whole metres: 14318 m', () => {
    expect(cellDistanceM(EALING, FINSBURY)).toBe(14318);
  });

  it('res-11 grid distance: 360', () => {
    expect(gridDistanceRes11(EALING, FINSBURY)).toBe(360);
  });

  it('expected RSSI: tx 12 dBm, gains 81/83, 508 m, 867 900 024 Hz → −57.334232963418515 dBm', () => {
    expect(expectedRssiDbm(12, 81, 83, 508, 867_900_024)).toBe(-57.334232963418515);
    expect(fsplDb(508, 867_900_024)).toBeCloseTo(85.3342, 4);
  });

  it('truncates gains to whole dB toward zero (Rust integer division)', () => {
    expect([gainDb(12), gainDb(58), gainDb(81), gainDb(-15)]).toEqual([1, 5, 8, -1]);
  });

  it('a cell coarser than res 11 has no res-11 parent: no grid distance', () => {
    const res10 = parentOrNull(EALING, 10)!;
    expect(parentOrNull(res10, 11)).toBeNull();
    expect(gridDistanceRes11(res10, FINSBURY)).toBeNull();
  });
});
