import { defineError } from '@hexlight/kit';

// Coded errors of payouts and reconcile (STYLE.md §8). README lists every code.

/** A payout setting that cannot work (details: field). */
export const PayoutConfigInvalid = defineError('REWARDS_PAYOUT_CONFIG_INVALID', 'invalid payout setting', { httpStatus: 400 });
/**
 * The escrow holds less than a payout run needs (details: escrow, needed). The run is not created;
 * the ledger and the chain disagree, so run `hexlight rewards reconcile`.
 */
export const EscrowShort = defineError('REWARDS_ESCROW_SHORT', 'escrow balance is below what the ledger owes', { httpStatus: 409 });

export const RewardsPayoutErrors = { PayoutConfigInvalid, EscrowShort } as const;
export const REWARDS_PAYOUT_ERROR_CODES: readonly string[] = Object.values(RewardsPayoutErrors).map((e) => e.code);
