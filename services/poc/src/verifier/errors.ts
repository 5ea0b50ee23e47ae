import { defineError } from '@hexlight/kit';

// Coded errors of the PoC service (STYLE.md §8). README lists every code.

/** A ruleset name that is not `helium` or `hexlight`. */
export const UnknownRuleset = defineError('POC_UNKNOWN_RULESET', 'unknown PoC ruleset', { httpStatus: 400 });
/** A replay input line that cannot be used (details: line, field). */
export const ReplayInputError = defineError('POC_REPLAY_INPUT', 'unusable replay input', { httpStatus: 400 });
/** A report payload that does not decode as the report it claims to be. */
export const ReportMalformed = defineError('POC_REPORT_MALFORMED', 'report payload does not decode', { httpStatus: 400 });

export const PocErrors = { UnknownRuleset, ReplayInputError, ReportMalformed } as const;
export const POC_ERROR_CODES: readonly string[] = Object.values(PocErrors).map((e) => e.code);
