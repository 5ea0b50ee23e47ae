import { describe, expect, it } from 'vitest';
import { allocate, allocateScaled, compareAddress } from './allocate.ts';
import { computeEpoch, type EpochInput, type PocShareRow } from './compute.ts';
import { addDec, type Dec, decFromBigint, decToString, fractionDigits, mantissaAt, parseDec } from './decimal.ts';
import { DAY_MS } from './emission.ts';
import { mulberry32, randInt, shuffle } from './prng.test-helper.ts';

// computeEpoch sums shares as integers at one scale instead of adding Decs per row. These pin
// the helpers, and the whole computation to the per-Dec formulation it replaced.

describe('shares at a common scale', () => {
  it('counts fraction digits as parseDec reads them, and refuses what it refuses', () => {
    expect(['12', '0.2220', '1.23456789', '000.000'].map(fractionDigits)).toEqual([0, 4, 8, 3]);
    for (const bad of ['', '-1', '1e3', '.5', '1.', ' 1', 'NaN']) {
      expect(() => fractionDigits(bad), bad).toThrow(expect.objectContaining({ code: 'REWARDS_DECIMAL_MALFORMED' }));
    }
  });

  it('scales a decimal text to an exact integer', () => {
    expect(mantissaAt('1.5', 3)).toBe(1500n);
    expect(mantissaAt('12', 2)).toBe(1200n);
    expect(mantissaAt('12', 0)).toBe(12n);
    expect(mantissaAt('0.00000001', 8)).toBe(1n);
    expect(mantissaAt('007.50', 2)).toBe(750n);
  });

  it('allocates like allocate, holes counting as no share', () => {
    const a = allocateScaled(100n, [1n, undefined, 1n, 1n, 0n]);
    expect(a).toEqual({ amounts: [33n, 0n, 33n, 33n, 0n], total: 3n, unallocated: 1n });
    expect(allocateScaled(7n, [])).toEqual({ amounts: [], total: 0n, unallocated: 7n });
  });
});

/** The computation as it was written first: a Dec per row, normalized sums, `allocate` per pool. */
function referenceHotspots(input: EpochInput, pools: { beacon: bigint; witness: bigint; data: bigint }) {
  const sums = { beacon: new Map<string, Dec>(), witness: new Map<string, Dec>(), data: new Map<string, Dec>() };
  const add = (m: Map<string, Dec>, h: string, d: Dec) => m.set(h, addDec(m.get(h) ?? { m: 0n, s: 0 }, d));
  for (const r of input.pocShares) add(sums[r.role], r.hotspot, parseDec(r.shares));
  for (const r of input.dataShares) add(sums.data, r.hotspot, decFromBigint(r.dcBurned));
  const b = allocate(pools.beacon, sums.beacon);
  const w = allocate(pools.witness, sums.witness);
  const d = allocate(pools.data, sums.data);
  const addresses = [...new Set([...b.amounts.keys(), ...w.amounts.keys(), ...d.amounts.keys()])].sort(compareAddress);
  const hotspots = addresses
    .map((hotspot) => {
      const [beacon, witness, data] = [b, w, d].map((a) => a.amounts.get(hotspot) ?? 0n) as [bigint, bigint, bigint];
      return { hotspot, beacon, witness, data, total: beacon + witness + data };
    })
    .filter((h) => h.total > 0n);
  const totals = [b, w, d].map((a) => decToString(a.totalShares));
  return { hotspots, unallocated: { beacon: b.unallocated, witness: w.unallocated, data: d.unallocated }, totals };
}

describe('computeEpoch against the per-Dec formulation', () => {
  function decimalText(rng: () => number): string {
    const whole = rng() < 0.2 ? `00${randInt(rng, 0, 9)}` : String(randInt(rng, 0, 10 ** randInt(rng, 0, 9)));
    const digits = randInt(rng, 0, 12);
    if (digits === 0) return whole;
    let frac = '';
    for (let i = 0; i < digits; i++) frac += String(randInt(rng, 0, 9));
    return `${whole}.${frac}${rng() < 0.3 ? '000' : ''}`;
  }

  it('gives the same amounts, dust and exact totals for mixed scales, zeros and repeated rows', () => {
    const rng = mulberry32(0x5ca1e);
    for (let i = 0; i < 300; i++) {
      const hotspots = Array.from({ length: randInt(rng, 1, 40) }, (_, k) => `${rng() < 0.5 ? '1' : 'Z'}${randInt(rng, 0, 1e6)}-${k}`);
      const pick = () => hotspots[randInt(rng, 0, hotspots.length - 1)]!;
      const pocShares: PocShareRow[] = Array.from({ length: randInt(rng, 0, 120) }, () => ({
        hotspot: pick(),
        role: rng() < 0.35 ? 'beacon' : 'witness',
        shares: rng() < 0.05 ? '0' : decimalText(rng),
      }));
      const dataShares = Array.from({ length: randInt(rng, 0, 30) }, () => ({ hotspot: pick(), dcBurned: BigInt(randInt(rng, 0, 2 ** 40)) }));
      const input: EpochInput = {
        epoch: { startMs: Date.UTC(2026, 10, 24), lengthMs: DAY_MS },
        schedule: { dailyEmission: BigInt(randInt(rng, 0, 2 ** 40)) * BigInt(randInt(rng, 1, 2 ** 20)), startMs: Date.UTC(2026, 0, 1) },
        pocShares: shuffle(rng, pocShares),
        dataShares,
        tokenPriceUsd: `0.${randInt(rng, 1, 99_999)}`,
        decimals: randInt(rng, 0, 10),
      };
      const r = computeEpoch(input);
      const ref = referenceHotspots(input, r.rewardPools);
      expect(r.hotspots).toEqual(ref.hotspots);
      expect(r.unallocated).toEqual(ref.unallocated);
      expect([r.manifest.totalShares.beacon, r.manifest.totalShares.witness, r.manifest.totalShares.data]).toEqual(ref.totals);
    }
  });
});
