import { defineError } from '@hexlight/kit';

// Coded errors of the epoch math (STYLE.md §8). README lists every code.

/** A decimal string (share, price) that is not a plain non-negative decimal. */
export const DecimalMalformed = defineError('REWARDS_DECIMAL_MALFORMED', 'not a non-negative decimal string', { httpStatus: 400 });
/** A schedule, split or epoch setting that cannot produce a valid result (details: field). */
export const EpochConfigInvalid = defineError('REWARDS_EPOCH_CONFIG_INVALID', 'invalid epoch reward setting', { httpStatus: 400 });
/** An input row that cannot be rewarded (details: hotspot, field). */
export const EpochInputInvalid = defineError('REWARDS_EPOCH_INPUT_INVALID', 'invalid epoch reward input', { httpStatus: 400 });

export const RewardsEpochErrors = { DecimalMalformed, EpochConfigInvalid, EpochInputInvalid } as const;
export const REWARDS_EPOCH_ERROR_CODES: readonly string[] = Object.values(RewardsEpochErrors).map((e) => e.code);
