import type { Ruleset } from './verifier/checks.ts';
import type { PocState } from './verifier/state.ts';
import type { BeaconIn, PocResult, WitnessIn } from './verifier/types.ts';
import { verifyPoc, type VerifyOptions } from './verifier/verify.ts';

/**
 * The step every runner repeats: verify one PoC against the state, then apply what it changed
 * before the next beacon is looked at (spec/poc-replay.md: state takes effect at once). Replay
 * calls it in ready order; a live runner does the same and also persists `stateUpdates` with
 * the verdicts in one transaction.
 */
export async function verifyAndApply(beacon: BeaconIn, witnesses: readonly WitnessIn[], state: PocState, rules: Ruleset, options: VerifyOptions = {}): Promise<PocResult> {
  const result = await verifyPoc(beacon, witnesses, state, rules, options);
  await state.apply(result.stateUpdates);
  return result;
}
