import * as h3 from 'h3-js';
import { POC_CELL_PARENT_RES, SPEED_OF_LIGHT_M_S } from './constants.ts';

// Distances and the free-space bound, as helium/oracles iot_verifier poc.rs computes them:
// great-circle distance between the centres of the asserted cells (no edge correction), rounded
// to whole metres before any rule compares it; grid distance between res-11 parents; FSPL with
// the witness-reported frequency and both antenna gains truncated to whole dB.

/** The parent at `res`, or null when the cell is coarser than `res` (h3o's `parent` → None). */
export function parentOrNull(cell: string, res: number): string | null {
  try {
    return h3.getResolution(cell) < res ? null : h3.cellToParent(cell, res);
  } catch {
    return null;
  }
}

/** Great-circle distance between cell centres in metres, rounded (Rust `f64::round`, then `as u32`). */
export function cellDistanceM(a: string, b: string): number {
  const d = h3.greatCircleDistance(h3.cellToLatLng(a), h3.cellToLatLng(b), h3.UNITS.m);
  return Math.round(d);
}

/** Grid distance between the res-11 parents; null where H3 cannot compute it (Helium: invalid). */
export function gridDistanceRes11(a: string, b: string): number | null {
  const pa = parentOrNull(a, POC_CELL_PARENT_RES);
  const pb = parentOrNull(b, POC_CELL_PARENT_RES);
  if (pa === null || pb === null) return null;
  try {
    return h3.gridDistance(pa, pb);
  } catch {
    return null;
  }
}

/** Free-space path loss, dB: 20·log10(4π·d·f / c) with Helium's c = 2.998e8. */
export function fsplDb(distanceM: number, frequencyHz: number): number {
  return 20 * Math.log10((4 * Math.PI * distanceM * frequencyHz) / SPEED_OF_LIGHT_M_S);
}

/** Rust integer division of a gain in dBi × 10: truncates toward zero (12 → 1, 58 → 5). */
export function gainDb(gainDbi10: number): number {
  return Math.trunc(gainDbi10 / 10);
}

/**
 * The strongest signal free space allows, dBm: tx + trunc(beacon gain) − FSPL + trunc(witness
 * gain), summed left to right as Helium does so the float result is bit-identical.
 */
export function expectedRssiDbm(txPowerDbm: number, beaconerGain: number, witnessGain: number, distanceM: number, frequencyHz: number): number {
  return txPowerDbm + gainDb(beaconerGain) - fsplDb(distanceM, frequencyHz) + gainDb(witnessGain);
}
