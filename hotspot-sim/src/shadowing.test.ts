import { describe, expect, it } from 'vitest';
import { createRng } from './rng.ts';
import { createShadowingField, fieldCorrelation } from './shadowing.ts';

/** Pearson correlation of the field at point pairs `d` m apart, random places and directions. */
function correlationAt(d: number, seed = 1, n = 4_000): number {
  const field = createShadowingField(seed, 110);
  const rng = createRng(`pairs:${d}`);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = rng.range(-50_000, 50_000);
    const y = rng.range(-50_000, 50_000);
    const theta = rng.range(0, 2 * Math.PI);
    a.push(field.at(x, y));
    b.push(field.at(x + d * Math.cos(theta), y + d * Math.sin(theta)));
  }
  return pearson(a, b);
}

function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let num = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return num / Math.sqrt(va * vb);
}

describe('correlated shadowing field (ns-3 correlated shadowing, 110 m)', () => {
  it('is a unit Gaussian field: mean 0, variance 1, symmetric tails', () => {
    const field = createShadowingField(7);
    const rng = createRng('marginal');
    const xs = Array.from({ length: 10_000 }, () => field.at(rng.range(-100_000, 100_000), rng.range(-100_000, 100_000)));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
    // Gaussian: about 15.9 % beyond one σ on each side.
    expect(xs.filter((x) => x > 1).length / xs.length).toBeCloseTo(0.159, 1);
  });

  it('nearby points are similar: the correlation follows exp(−d / 110 m)', () => {
    for (const d of [20, 110, 300]) {
      expect(Math.abs(correlationAt(d) - fieldCorrelation(d))).toBeLessThan(0.08);
    }
    expect(correlationAt(20)).toBeGreaterThan(0.75);
  });

  it('far points are independent', () => {
    expect(Math.abs(correlationAt(1_000))).toBeLessThan(0.06);
    expect(Math.abs(correlationAt(5_000))).toBeLessThan(0.06);
  });

  it('is fixed by its seed, and another seed gives an independent field', () => {
    const a = createShadowingField(3);
    expect(createShadowingField(3).at(123, -456)).toBe(a.at(123, -456));
    const b = createShadowingField(4);
    const rng = createRng('seeds');
    const points = Array.from({ length: 3_000 }, () => [rng.range(-20_000, 20_000), rng.range(-20_000, 20_000)] as const);
    expect(Math.abs(pearson(points.map(([x, y]) => a.at(x, y)), points.map(([x, y]) => b.at(x, y))))).toBeLessThan(0.06);
  });
});
