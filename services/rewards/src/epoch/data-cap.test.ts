import { describe, expect, it } from 'vitest';
import { applyDataCap, dcToBones } from './data-cap.ts';
import { parseDec } from './decimal.ts';

const HNT = 10n ** 8n;

describe('data cap', () => {
  it('values DC at $0.00001 at the token price', () => {
    expect(dcToBones(50_000_000n, parseDec('2.5'), 8)).toBe(200n * HNT);
    expect(dcToBones(100_000n, parseDec('1'), 6)).toBe(1_000_000n);
  });

  it('rounds the value up, as Helium does', () => {
    // 1 DC at $3 = 1/300,000 token = 333.33… bones at 8 decimals.
    expect(dcToBones(1n, parseDec('3'), 8)).toBe(334n);
    expect(dcToBones(0n, parseDec('3'), 8)).toBe(0n);
  });

  it('not binding: pays the DC value and moves the rest 20/80 to PoC', () => {
    const cap = applyDataCap(5_000n * HNT, 50_000_000n, parseDec('2.5'), 8);
    expect(cap).toEqual({
      dcValue: 200n * HNT,
      paid: 200n * HNT,
      unused: 4_800n * HNT,
      toBeacon: 960n * HNT,
      toWitness: 3_840n * HNT,
      capBinding: false,
    });
  });

  it('binding: pays the pool and nothing moves', () => {
    const cap = applyDataCap(5_000n * HNT, 50_000_000n, parseDec('0.01'), 8);
    expect(cap.dcValue).toBe(50_000n * HNT);
    expect(cap).toMatchObject({ paid: 5_000n * HNT, unused: 0n, toBeacon: 0n, toWitness: 0n, capBinding: true });
  });

  it('the 20/80 split of an odd remainder loses nothing', () => {
    const cap = applyDataCap(7n, 0n, parseDec('1'), 8);
    expect(cap).toMatchObject({ paid: 0n, unused: 7n, toBeacon: 1n, toWitness: 6n });
  });

  it('refuses a zero price', () => {
    expect(() => dcToBones(1n, parseDec('0'), 8)).toThrow(expect.objectContaining({ code: 'REWARDS_EPOCH_CONFIG_INVALID' }));
  });
});
