import { describe, expect, it } from 'vitest';
import { envBool, envInt } from './config.ts';

describe('config readers', () => {
  it('name the setting that does not parse', () => {
    expect(() => envInt({ X_PORT: 'eighty' }, 'X_PORT', 1)).toThrow(/X_PORT="eighty" is not an integer/);
    expect(() => envInt({ X_PORT: '70000' }, 'X_PORT', 1, { max: 65535 })).toThrow(/above 65535/);
    expect(() => envBool({ FLAG: 'maybe' }, 'FLAG', false)).toThrow(/FLAG/);
    expect(envInt({}, 'X_PORT', 8080)).toBe(8080);
    expect(envBool({ FLAG: 'off' }, 'FLAG', true)).toBe(false);
  });
});
