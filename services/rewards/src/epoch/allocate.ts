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

export interface ScaledAllocation {
  /** Same indices as the shares; 0n where a share is 0 or missing. */
  readonly amounts: bigint[];
  /** Σ shares at the shares' scale. */
  readonly total: bigint;
  readonly unallocated: bigint;
}

/**
 * The rule of `allocate` over shares already brought to one scale (integers, indexed by whatever
 * the caller likes; holes count as no share). Multiplying every share by the same power of ten
 * changes no floor, so any common scale gives the same amounts.
 */
export function allocateScaled(pool: bigint, shares: readonly (bigint | undefined)[]): ScaledAllocation {
  let total = 0n;
  for (let i = 0; i < shares.length; i++) total += shares[i] ?? 0n;
  const amounts = new Array<bigint>(shares.length);
  let allocated = 0n;
  for (let i = 0; i < shares.length; i++) {
    const share = shares[i] ?? 0n;
    const amount = total === 0n || share === 0n ? 0n : (pool * share) / total;
    amounts[i] = amount;
    allocated += amount;
  }
  return { amounts, total, unallocated: pool - allocated };
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
  const { amounts, total, unallocated } = allocateScaled(pool, hotspots.map((h) => scaleTo(shares.get(h)!, scale)));
  return {
    amounts: new Map(hotspots.map((h, i) => [h, amounts[i]!])),
    unallocated,
    totalShares: addDec({ m: total, s: scale }, DEC_ZERO),
  };
}
