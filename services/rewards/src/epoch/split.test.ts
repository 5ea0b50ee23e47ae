import { describe, expect, it } from 'vitest';
import { mulberry32, randInt } from './prng.test-helper.ts';
import { HELIUM_IOT_SPLIT, splitPools } from './split.ts';

const sum = (p: ReturnType<typeof splitPools>): bigint => p.beacon + p.witness + p.data + p.operations + p.oracles + p.treasury;

describe('splitPools', () => {
  it('splits Helium IoT 6/24/50/7/7 with 6 % left to the treasury', () => {
    expect(splitPools(10_000n * 10n ** 8n)).toEqual({
      beacon: 600n * 10n ** 8n,
      witness: 2_400n * 10n ** 8n,
      data: 5_000n * 10n ** 8n,
      operations: 700n * 10n ** 8n,
      oracles: 700n * 10n ** 8n,
      treasury: 600n * 10n ** 8n,
    });
  });

  it('gives the rounding dust to the treasury', () => {
    const p = splitPools(99n);
    expect(p).toEqual({ beacon: 5n, witness: 23n, data: 49n, operations: 6n, oracles: 6n, treasury: 10n });
    expect(sum(p)).toBe(99n);
  });

  it('sums to the emission for any amount and split', () => {
    const rng = mulberry32(42);
    for (let i = 0; i < 500; i++) {
      const emission = BigInt(randInt(rng, 0, 2 ** 31)) * BigInt(randInt(rng, 1, 2 ** 20)) + BigInt(randInt(rng, 0, 9999));
      let left = 10_000;
      const take = (): number => {
        const v = randInt(rng, 0, left);
        left -= v;
        return v;
      };
      const split = { beaconBps: take(), witnessBps: take(), dataBps: take(), operationsBps: take(), oraclesBps: take() };
      const p = splitPools(emission, split);
      expect(sum(p)).toBe(emission);
      expect(p.treasury >= (emission * BigInt(left)) / 10_000n).toBe(true);
    }
  });

  it('refuses a split over 100 %', () => {
    expect(() => splitPools(1n, { ...HELIUM_IOT_SPLIT, dataBps: 6_000 })).toThrow(expect.objectContaining({ code: 'REWARDS_EPOCH_CONFIG_INVALID' }));
    expect(() => splitPools(1n, { ...HELIUM_IOT_SPLIT, dataBps: -1 })).toThrow(expect.objectContaining({ code: 'REWARDS_EPOCH_CONFIG_INVALID' }));
  });
});
