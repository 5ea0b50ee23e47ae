import { readFileSync } from 'node:fs';
import { definedErrorCodes } from '@hexlight/kit';
import { describe, expect, it } from 'vitest';
import { HELIUM_REASONS, HEXLIGHT_REASONS } from './types.ts';
import { POC_ERROR_CODES } from './errors.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('documentation', () => {
  it('lists every PoC error code with its HTTP status', () => {
    for (const code of POC_ERROR_CODES) {
      expect(definedErrorCodes().has(code)).toBe(true);
      expect(readme).toContain(`| \`${code}\` | ${definedErrorCodes().get(code)!.httpStatus} |`);
    }
  });

  it('names every reason of both rulesets', () => {
    for (const reason of [...HELIUM_REASONS, ...HEXLIGHT_REASONS]) expect(readme).toContain(`\`${reason}\``);
  });
});
