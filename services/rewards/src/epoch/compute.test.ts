import { describe, expect, it } from 'vitest';
import { computeEpoch, type EpochInput, type EpochRewards, type PocShareRow } from './compute.ts';
import { DAY_MS } from './emission.ts';
import { mulberry32, randInt, shuffle } from './prng.test-helper.ts';

const HNT = 10n ** 8n;
const START = Date.UTC(2026, 10, 24);

function base(over: Partial<EpochInput> = {}): EpochInput {
  return {
    epoch: { startMs: START, lengthMs: DAY_MS },
    schedule: { dailyEmission: 10_000n * HNT, startMs: Date.UTC(2026, 0, 1), halvingIntervalDays: 730 },
    pocShares: [],
    dataShares: [],
    tokenPriceUsd: '2.5',
    decimals: 8,
    ...over,
  };
}

/** Every bone of the emission is accounted for, category by category. */
function expectConservation(r: EpochRewards): void {
  const sum = (k: 'beacon' | 'witness' | 'data'): bigint => r.hotspots.reduce((a, h) => a + h[k], 0n);
  expect(sum('beacon') + r.unallocated.beacon).toBe(r.rewardPools.beacon);
  expect(sum('witness') + r.unallocated.witness).toBe(r.rewardPools.witness);
  expect(sum('data') + r.unallocated.data).toBe(r.rewardPools.data);
  for (const h of r.hotspots) expect(h.total).toBe(h.beacon + h.witness + h.data);
  expect(r.rewardPools.beacon + r.rewardPools.witness + r.rewardPools.data + r.operations + r.oracles + r.treasury).toBe(r.emission);
}

describe('computeEpoch: Helium worked example (rewards-solana.md §2.5)', () => {
  // E = 10,000 HNT; 50,000,000 DC burned ($500); HNT = $2.50.
  const r = computeEpoch(
    base({
      pocShares: [
        { hotspot: 'beaconer', role: 'beacon', shares: '1.0000' },
        { hotspot: 'witness-a', role: 'witness', shares: '1' },
        { hotspot: 'witness-b', role: 'witness', shares: '3' },
      ],
      dataShares: [
        { hotspot: 'carrier', dcBurned: 1_000_000n },
        { hotspot: 'big-carrier', dcBurned: 49_000_000n },
      ],
    }),
  );

  it('reproduces the pools', () => {
    expect(r.emission).toBe(10_000n * HNT);
    expect(r.scheduledPools.data).toBe(5_000n * HNT);
    expect(r.dataCap).toMatchObject({ dcValue: 200n * HNT, paid: 200n * HNT, unused: 4_800n * HNT, capBinding: false });
    expect(r.rewardPools).toEqual({ beacon: 1_560n * HNT, witness: 6_240n * HNT, data: 200n * HNT });
    expect(r.operations).toBe(700n * HNT);
    expect(r.oracles).toBe(700n * HNT);
    expect(r.treasury).toBe(600n * HNT);
    expectConservation(r);
  });

  it('pays a 1,000,000-DC carrier exactly 4 HNT, its $10 of DC at $2.50', () => {
    const carrier = r.hotspots.find((h) => h.hotspot === 'carrier')!;
    expect(carrier).toEqual({ hotspot: 'carrier', beacon: 0n, witness: 0n, data: 4n * HNT, total: 4n * HNT });
    expect(r.hotspots.find((h) => h.hotspot === 'big-carrier')!.data).toBe(196n * HNT);
    expect(r.unallocated.data).toBe(0n);
  });

  it('splits PoC by shares and writes a manifest to recompute from', () => {
    expect(r.hotspots.map((h) => h.hotspot)).toEqual(['beaconer', 'big-carrier', 'carrier', 'witness-a', 'witness-b']);
    expect(r.hotspots.find((h) => h.hotspot === 'beaconer')!.beacon).toBe(1_560n * HNT);
    expect(r.hotspots.find((h) => h.hotspot === 'witness-a')!.witness).toBe(1_560n * HNT);
    expect(r.hotspots.find((h) => h.hotspot === 'witness-b')!.witness).toBe(4_680n * HNT);
    expect(r.manifest).toMatchObject({
      emission: '1000000000000',
      tokenPriceUsd: '2.5',
      decimals: 8,
      dcPerUsd: '100000',
      split: { beaconBps: 600, witnessBps: 2400, dataBps: 5000, operationsBps: 700, oraclesBps: 700, treasuryBps: 600 },
      totalShares: { beacon: '1', witness: '4', data: '50000000' },
      ratePerShare: { beacon: '156000000000.000000000000000', witness: '156000000000.000000000000000', data: '400.000000000000000' },
    });
  });
});

describe('computeEpoch: edge cases', () => {
  it('no shares: every reward pool is unallocated, and the unused data pool moved to PoC', () => {
    const r = computeEpoch(base());
    expect(r.hotspots).toEqual([]);
    expect(r.unallocated).toEqual({ beacon: 600n * HNT + 1_000n * HNT, witness: 2_400n * HNT + 4_000n * HNT, data: 0n });
    expect(r.manifest.ratePerShare).toEqual({ beacon: '0', witness: '0', data: '0' });
    expectConservation(r);
  });

  it('one hotspot with every share gets every pool', () => {
    const r = computeEpoch(
      base({
        pocShares: [
          { hotspot: 'solo', role: 'beacon', shares: '0.25' },
          { hotspot: 'solo', role: 'witness', shares: '0.2220' },
        ],
        dataShares: [{ hotspot: 'solo', dcBurned: 12_345n }],
      }),
    );
    expect(r.hotspots).toHaveLength(1);
    const solo = r.hotspots[0]!;
    expect(solo.beacon).toBe(r.rewardPools.beacon);
    expect(solo.witness).toBe(r.rewardPools.witness);
    expect(solo.data).toBe(r.rewardPools.data);
    expect(r.unallocated).toEqual({ beacon: 0n, witness: 0n, data: 0n });
    expectConservation(r);
  });

  it('data cap binding: carriers share the capped pool pro rata, nothing moves to PoC', () => {
    const r = computeEpoch(
      base({
        tokenPriceUsd: '0.001',
        dataShares: [
          { hotspot: 'a', dcBurned: 1_000_000_000n },
          { hotspot: 'b', dcBurned: 2_000_000_000n },
        ],
      }),
    );
    expect(r.dataCap.capBinding).toBe(true);
    expect(r.rewardPools).toEqual({ beacon: 600n * HNT, witness: 2_400n * HNT, data: 5_000n * HNT });
    expect(r.hotspots.map((h) => h.data)).toEqual([(5_000n * HNT) / 3n, (10_000n * HNT) / 3n]);
    expectConservation(r);
  });

  it('sums rows of one hotspot and drops hotspots that earn nothing', () => {
    const r = computeEpoch(
      base({
        pocShares: [
          { hotspot: 'h', role: 'witness', shares: '0.5' },
          { hotspot: 'h', role: 'witness', shares: '0.5' },
          { hotspot: 'z', role: 'witness', shares: '0' },
        ],
      }),
    );
    expect(r.hotspots.map((h) => h.hotspot)).toEqual(['h']);
    expect(r.manifest.totalShares.witness).toBe('1');
  });

  it('refuses malformed input with codes', () => {
    expect(() => computeEpoch(base({ pocShares: [{ hotspot: 'h', role: 'beacon', shares: '-1' }] }))).toThrow(
      expect.objectContaining({ code: 'REWARDS_DECIMAL_MALFORMED' }),
    );
    expect(() => computeEpoch(base({ pocShares: [{ hotspot: 'h', role: 'x' as PocShareRow['role'], shares: '1' }] }))).toThrow(
      expect.objectContaining({ code: 'REWARDS_EPOCH_INPUT_INVALID' }),
    );
    expect(() => computeEpoch(base({ dataShares: [{ hotspot: 'h', dcBurned: -1n }] }))).toThrow(
      expect.objectContaining({ code: 'REWARDS_EPOCH_INPUT_INVALID' }),
    );
  });

  it('an epoch on the halving day gets half the emission', () => {
    const schedule = { dailyEmission: 10_000n * HNT, startMs: START - 730 * DAY_MS, halvingIntervalDays: 730 };
    expect(computeEpoch(base({ schedule, epoch: { startMs: START - DAY_MS, lengthMs: DAY_MS } })).emission).toBe(10_000n * HNT);
    const r = computeEpoch(base({ schedule }));
    expect(r.emission).toBe(5_000n * HNT);
    expectConservation(r);
  });
});

describe('computeEpoch: properties over seeded random epochs', () => {
  function randomInput(rng: () => number): EpochInput {
    const hotspots = Array.from({ length: randInt(rng, 1, 30) }, (_, i) => `1${String(randInt(rng, 0, 1e9))}x${i}`);
    const pick = (): string => hotspots[randInt(rng, 0, hotspots.length - 1)]!;
    const pocShares: PocShareRow[] = Array.from({ length: randInt(rng, 0, 80) }, () => ({
      hotspot: pick(),
      role: rng() < 0.3 ? 'beacon' : 'witness',
      shares: `${randInt(rng, 0, 3)}.${String(randInt(rng, 0, 99_999_999)).padStart(8, '0')}`,
    }));
    const dataShares = Array.from({ length: randInt(rng, 0, 40) }, () => ({ hotspot: pick(), dcBurned: BigInt(randInt(rng, 0, 5e8)) }));
    const lengthMs = [DAY_MS, DAY_MS / 24, DAY_MS / 96][randInt(rng, 0, 2)]!;
    return base({
      epoch: { startMs: START + randInt(rng, 0, 2000) * lengthMs, lengthMs },
      schedule: { dailyEmission: BigInt(randInt(rng, 1, 2 ** 30)) * BigInt(randInt(rng, 1, 2 ** 20)) + 7n, startMs: START, halvingIntervalDays: 30 },
      pocShares,
      dataShares,
      tokenPriceUsd: `${randInt(rng, 0, 50)}.${String(randInt(rng, 1, 9999)).padStart(4, '0')}`,
      decimals: randInt(rng, 0, 9),
    });
  }

  it('conserves every pool, recomputes identically and ignores row order', () => {
    const rng = mulberry32(0x4e78);
    for (let i = 0; i < 200; i++) {
      const input = randomInput(rng);
      const r = computeEpoch(input);
      expectConservation(r);
      expect(computeEpoch(input)).toEqual(r);
      const shuffled = computeEpoch({ ...input, pocShares: shuffle(rng, input.pocShares), dataShares: shuffle(rng, input.dataShares) });
      expect(shuffled).toEqual(r);
      const addresses = r.hotspots.map((h) => h.hotspot);
      expect(addresses).toEqual([...addresses].sort());
    }
  });
});
