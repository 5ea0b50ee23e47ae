import { dec, div, min, ONE, powu, roundDp, sub, ZERO, type Dec } from './decimal.ts';

// HIP-15 reward units per PoC (helium/oracles iot_verifier runner.rs `poc_beaconer_reward_unit`,
// `poc_per_witness_reward_unit`), in exact decimals rounded to 4 dp half to even.

export const WITNESS_REDUNDANCY = 4;
export const POC_REWARD_DECAY_RATE: Dec = dec(8, 1);
export const HIP15_TX_REWARD_UNIT_CAP: Dec = dec(2);
/** Helium's SCALING_PRECISION: hex scale and reward units are kept to 4 decimals. */
export const SCALING_PRECISION = 4;

function checkCount(w: number): void {
  if (!Number.isSafeInteger(w) || w < 0) throw new RangeError(`witness count must be a non-negative integer, got ${w}`);
}

/** Beaconer: w = 0 → 0; w ≤ 4 → w/4; w > 4 → min(2, 2 − 0.8^(w−4)). */
export function beaconerRewardUnit(w: number): Dec {
  checkCount(w);
  let units: Dec;
  if (w === 0) units = ZERO;
  // Helium goes through f32 here; w/4 for w ≤ 4 is exact in binary, so the decimal is exact too.
  else if (w <= WITNESS_REDUNDANCY) units = dec(w * 25, 2);
  else units = min(HIP15_TX_REWARD_UNIT_CAP, sub(dec(2), powu(POC_REWARD_DECAY_RATE, w - WITNESS_REDUNDANCY)));
  return roundDp(units, SCALING_PRECISION);
}

/** Each selected valid witness: w = 0 → 0; w ≤ 4 → 1; w > 4 → min(2, (4 − (1 − 0.8^(w−4))) / w). */
export function witnessRewardUnit(w: number): Dec {
  checkCount(w);
  let units: Dec;
  if (w === 0) units = ZERO;
  else if (w <= WITNESS_REDUNDANCY) units = ONE;
  else {
    const decayed = sub(ONE, powu(POC_REWARD_DECAY_RATE, w - WITNESS_REDUNDANCY));
    units = min(HIP15_TX_REWARD_UNIT_CAP, div(sub(dec(WITNESS_REDUNDANCY), decayed), dec(w)));
  }
  return roundDp(units, SCALING_PRECISION);
}
