import { describe, expect, it } from 'vitest';
import { allocate } from './allocate.ts';
import { type Dec, decToString, parseDec } from './decimal.ts';
import { mulberry32, randInt, shuffle } from './prng.test-helper.ts';

const shares = (entries: [string, string][]): Map<string, Dec> => new Map(entries.map(([h, s]) => [h, parseDec(s)]));

function randomShares(rng: () => number): [string, string][] {
  const n = randInt(rng, 0, 40);
  return Array.from({ length: n }, (_, i) => {
    const dp = randInt(rng, 0, 8);
    const whole = randInt(rng, 0, 20);
    const frac = dp === 0 ? '' : `.${String(randInt(rng, 0, 10 ** dp - 1)).padStart(dp, '0')}`;
    return [`hs${String(randInt(rng, 0, 1e6)).padStart(7, '0')}-${i}`, `${whole}${frac}`];
  });
}

describe('allocate', () => {
  it('floors each amount and records the dust', () => {
    const a = allocate(100n, shares([['b', '1'], ['a', '1'], ['c', '1']]));
    expect([...a.amounts]).toEqual([['a', 33n], ['b', 33n], ['c', 33n]]);
    expect(a.unallocated).toBe(1n);
    expect(decToString(a.totalShares)).toBe('3');
  });

  it('uses exact shares of mixed scale', () => {
    const a = allocate(1_000_000n, shares([['x', '0.2220'], ['y', '1.23456789'], ['z', '0']]));
    // Σ = 1.45656789; x: floor(1e6 × 0.222 / 1.45656789) = 152414
    expect(a.amounts.get('x')).toBe((1_000_000n * 22_200_000n) / 145_656_789n);
    expect(a.amounts.get('y')).toBe((1_000_000n * 123_456_789n) / 145_656_789n);
    expect(a.amounts.get('z')).toBe(0n);
    expect(a.amounts.get('x')! + a.amounts.get('y')! + a.unallocated).toBe(1_000_000n);
  });

  it('with no shares everything is unallocated', () => {
    expect(allocate(123n, new Map()).unallocated).toBe(123n);
    const zero = allocate(123n, shares([['a', '0'], ['b', '0.000']]));
    expect(zero.unallocated).toBe(123n);
    expect([...zero.amounts.values()]).toEqual([0n, 0n]);
  });

  it('one hotspot takes the whole pool', () => {
    const a = allocate(987_654_321n, shares([['only', '0.0001']]));
    expect(a.amounts.get('only')).toBe(987_654_321n);
    expect(a.unallocated).toBe(0n);
  });

  it('properties: conservation, determinism, order independence, dust < hotspot count', () => {
    const rng = mulberry32(20261124);
    for (let i = 0; i < 300; i++) {
      const entries = randomShares(rng);
      const pool = BigInt(randInt(rng, 0, 2 ** 31)) * BigInt(randInt(rng, 1, 2 ** 20));
      const a = allocate(pool, shares(entries));
      const sum = [...a.amounts.values()].reduce((x, y) => x + y, 0n);
      expect(sum + a.unallocated).toBe(pool);
      expect(a.unallocated >= 0n).toBe(true);
      if (a.totalShares.m > 0n) expect(a.unallocated < BigInt(Math.max(1, entries.length))).toBe(true);
      expect([...a.amounts.keys()]).toEqual([...a.amounts.keys()].sort());
      const again = allocate(pool, shares(shuffle(rng, entries)));
      expect([...again.amounts]).toEqual([...a.amounts]);
      expect(again.unallocated).toBe(a.unallocated);
    }
  });
});
