import { readFileSync } from 'node:fs';
import { definedErrorCodes } from '@hexlight/kit';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_ERROR_CODES } from './errors.ts';

describe('error codes', () => {
  it('are the eight the services rely on, registered with the kit', () => {
    expect([...PROTOCOL_ERROR_CODES].sort()).toEqual(['INVALID_ADDRESS', 'INVALID_BEACON', 'INVALID_GAIN', 'INVALID_WALLET', 'LORAWAN_FRAME_INVALID', 'LORAWAN_NOT_UPLINK', 'MALFORMED', 'UNKNOWN_REGION']);
    for (const code of PROTOCOL_ERROR_CODES) expect(definedErrorCodes().has(code)).toBe(true);
  });

  it('are each listed in the README with their HTTP status', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of PROTOCOL_ERROR_CODES) {
      const status = definedErrorCodes().get(code)!.httpStatus;
      expect(readme).toContain(`| \`${code}\` | ${status} |`);
    }
  });
});
