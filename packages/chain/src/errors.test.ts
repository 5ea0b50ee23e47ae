import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { definedErrorCodes } from '@hexlight/kit';
import { CHAIN_ERROR_CODES, describeTransactionError } from './errors.ts';

describe('error codes', () => {
  it('are each listed in the README with their HTTP status', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of CHAIN_ERROR_CODES) {
      const status = definedErrorCodes().get(code)!.httpStatus;
      expect(readme).toContain(`| \`${code}\` | ${status} |`);
    }
  });
});

describe('describeTransactionError', () => {
  it('reads the validator display form and the RPC JSON form the same way', () => {
    const display = 'Error processing Instruction 2: custom program error: 0x1';
    expect(describeTransactionError(display)).toEqual({ error: display, instructionIndex: 2, customCode: 1 });
    expect(describeTransactionError({ InstructionError: [2, { Custom: 1 }] })).toEqual({ error: display, instructionIndex: 2, customCode: 1 });
    expect(describeTransactionError(`Transaction simulation failed: ${display}`)).toEqual({ error: display, instructionIndex: 2, customCode: 1 });
  });

  it('keeps errors without a custom code or instruction readable', () => {
    expect(describeTransactionError({ InstructionError: [0, 'InvalidAccountData'] })).toEqual({ error: 'Error processing Instruction 0: InvalidAccountData', instructionIndex: 0 });
    expect(describeTransactionError('InsufficientFundsForFee')).toEqual({ error: 'InsufficientFundsForFee' });
    expect(describeTransactionError({ InsufficientFundsForRent: { account_index: 3 } })).toEqual({ error: '{"InsufficientFundsForRent":{"account_index":3}}' });
  });
});
