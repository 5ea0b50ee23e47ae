import { describe, expect, it } from 'vitest';
import { createRng, hashSeed } from './rng.ts';

describe('seeded rng', () => {
  it('repeats for a seed, differs across seeds and forks', () => {
    const a = createRng(1);
    const b = createRng(1);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(createRng(2).next()).not.toBe(xs[0]);
    expect(createRng(1).fork('x').next()).toBe(createRng(1).fork('x').next());
    expect(createRng(1).fork('x').next()).not.toBe(createRng(1).fork('y').next());
    expect(hashSeed('a', 1)).not.toBe(hashSeed('a1'));
  });

  it('draws uniform values, integers, bytes and a standard normal', () => {
    const rng = createRng(123);
    const n = 20_000;
    const u = Array.from({ length: n }, () => rng.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.reduce((a, b) => a + b, 0) / n).toBeCloseTo(0.5, 1);
    const ints = Array.from({ length: 1_000 }, () => rng.int(6));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    expect(rng.bytes(7)).toHaveLength(7);
    const g = Array.from({ length: n }, () => rng.gaussian());
    const mean = g.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(g.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(sd).toBeGreaterThan(0.97);
    expect(sd).toBeLessThan(1.03);
  });
});
