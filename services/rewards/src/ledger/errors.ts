import { defineError } from '@hexlight/kit';

// Coded errors of the epoch close and the ledger (STYLE.md §8). README lists every code.

/**
 * The epoch cannot close yet (details: epoch, reason 'too_early' with readyAtMs, or
 * 'verifier_behind' with the oldest unverified beacon). Retry later.
 */
export const EpochNotReady = defineError('REWARDS_EPOCH_NOT_READY', 'epoch is not ready to close', { httpStatus: 409 });
/** An audit or query asked for an epoch that has not been closed (details: epoch). */
export const EpochNotClosed = defineError('REWARDS_EPOCH_NOT_CLOSED', 'epoch has not been closed', { httpStatus: 404 });
/** A rewarded hotspot that is not in the registry, so it has no owner (details: epoch, hotspot). */
export const EpochOwnerUnknown = defineError('REWARDS_EPOCH_OWNER_UNKNOWN', 'rewarded hotspot has no registered owner', { httpStatus: 500 });

export const RewardsLedgerErrors = { EpochNotReady, EpochNotClosed, EpochOwnerUnknown } as const;
export const REWARDS_LEDGER_ERROR_CODES: readonly string[] = Object.values(RewardsLedgerErrors).map((e) => e.code);
