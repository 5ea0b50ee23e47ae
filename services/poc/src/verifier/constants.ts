// Helium's PoC parameters (reference/helium-poc.md §7–§12; helium/oracles iot_verifier). The
// verifier and its tests take every number from here.

/** A beacon and its witnesses must arrive within 180 s of the entropy's timestamp. */
export const ENTROPY_LIFESPAN_S = 180;
/** One beacon per UTC-aligned 6-h window (00, 06, 12, 18 UTC). */
export const BEACON_INTERVAL_MS = 6 * 3_600_000;
/** Reciprocity (HIP-106): a beaconer must have witnessed, a witness must have beaconed, within 48 h. */
export const RECIPROCITY_WINDOW_MS = 48 * 3_600_000;
/** HIP-17: a hotspot counts for hex density while its last beacon-with-witness is at most 60 h old. */
export const INTERACTIVITY_WINDOW_MS = 60 * 3_600_000;
/** Witness lag when the beacon arrived first (the beacon is the first event). */
export const MAX_BEACON_TO_WITNESS_LAG_MS = 4000;
/** Witness lag when a witness arrived before the beacon (measured from the first witness). */
export const MAX_WITNESS_LAG_MS = 1500;
/** |beacon frequency − witness frequency| may be at most 100 kHz. */
export const MAX_FREQUENCY_DELTA_HZ = 100_000;
/** HIP-58: floor(distance_m / 1000) may be at most 100. */
export const POC_DISTANCE_LIMIT_KM = 100;
/** Beaconer and witness must be at least 8 res-11 cells apart (≈ 345 m). */
export const POC_CELL_DISTANCE_MINIMUM = 8;
export const POC_CELL_PARENT_RES = 11;
/** HIP-83: the first 14 valid witnesses (by arrival) are rewarded. */
export const MAX_WITNESSES_PER_POC = 14;
/** Helium's speed of light in air for the FSPL bound, m/s (poc.rs `C`). */
export const SPEED_OF_LIGHT_M_S = 2.998e8;
