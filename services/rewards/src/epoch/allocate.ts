import { type Dec, addDec, DEC_ZERO, scaleTo } from './decimal.ts';

export interface Allocation {
  /** Per hotspot, in ascending address order; hotspots with zero share get 0n. */
  readonly amounts: ReadonlyMap<string, bigint>;
  readonly unallocated: bigint;
  /** Σ shares as exact value, i.e. the denominator of every amount. */
  readonly totalShares: Dec;
}

/** Addresses compare by UTF-16 code units, never by locale, so every machine sorts alike. */
export function compareAddress(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Each hotspot gets floor(pool × share / Σ shares), computed on the shares' exact values (all
 * brought to one scale, so the ratio is of integers); the floors' dust is `unallocated` and
 * Σ amounts + unallocated = pool. With no shares (or all zero) the whole pool is unallocated.
 */
export function allocate(pool: bigint, shares: ReadonlyMap<string, Dec>): Allocation {
  const hotspots = [...shares.keys()].sort(compareAddress);
  let scale = 0;
  for (const share of shares.values()) scale = Math.max(scale, share.s);
  let total = 0n;
  for (const share of shares.values()) total += scaleTo(share, scale);
  const amounts = new Map<string, bigint>();
  let allocated = 0n;
  for (const hotspot of hotspots) {
    const amount = total === 0n ? 0n : (pool * scaleTo(shares.get(hotspot)!, scale)) / total;
    amounts.set(hotspot, amount);
    allocated += amount;
  }
  return { amounts, unallocated: pool - allocated, totalShares: addDec({ m: total, s: scale }, DEC_ZERO) };
}
