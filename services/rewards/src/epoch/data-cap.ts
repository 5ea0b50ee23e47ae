import type { Dec } from './decimal.ts';
import { EpochConfigInvalid } from './errors.ts';

/** 1 DC = $0.00001: 100,000 DC buy one dollar (Helium `DC_USD_PRICE`). */
export const DC_PER_USD = 100_000n;
/** Share of the unused data pool that goes to beacons; the rest goes to witnesses (Helium 20/80). */
export const UNUSED_DATA_BEACON_PERCENT = 20n;

/**
 * Token value in bones of `dcBurned` DC at `priceUsd` dollars per whole token:
 * dc / 100,000 / price × 10^decimals, rounded up as Helium's `dc_to_hnt_bones` rounds up.
 */
export function dcToBones(dcBurned: bigint, priceUsd: Dec, decimals: number): bigint {
  if (priceUsd.m <= 0n) throw EpochConfigInvalid('token price must be > 0', { field: 'tokenPriceUsd' });
  if (!Number.isInteger(decimals) || decimals < 0) throw EpochConfigInvalid('decimals must be a non-negative integer', { field: 'decimals' });
  if (dcBurned < 0n) throw EpochConfigInvalid('DC burned must be ≥ 0', { field: 'dcBurned' });
  const num = dcBurned * 10n ** BigInt(decimals + priceUsd.s);
  const den = DC_PER_USD * priceUsd.m;
  return (num + den - 1n) / den;
}

export interface DataCap {
  /** Value of the epoch's burned DC, uncapped. */
  readonly dcValue: bigint;
  /** What the data pool pays: min(dcValue, data pool). */
  readonly paid: bigint;
  /** Data pool left unpaid, moved to PoC. */
  readonly unused: bigint;
  readonly toBeacon: bigint;
  readonly toWitness: bigint;
  readonly capBinding: boolean;
}

/**
 * Caps the data pool at the DC's dollar value; the unused part goes to beacons
 * floor(unused × 20 / 100) and witnesses the residual, so nothing is lost to rounding.
 */
export function applyDataCap(dataPool: bigint, dcBurned: bigint, priceUsd: Dec, decimals: number): DataCap {
  const dcValue = dcToBones(dcBurned, priceUsd, decimals);
  const capBinding = dcValue >= dataPool;
  const paid = capBinding ? dataPool : dcValue;
  const unused = dataPool - paid;
  const toBeacon = (unused * UNUSED_DATA_BEACON_PERCENT) / 100n;
  return { dcValue, paid, unused, toBeacon, toWitness: unused - toBeacon, capBinding };
}
