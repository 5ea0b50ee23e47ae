import { describe, expect, it } from 'vitest';
import { addDec, decToString, parseDec, ratioToFixed } from './decimal.ts';

describe('decimal', () => {
  it('parses and prints exactly, dropping trailing zeros', () => {
    expect(parseDec('0.2220')).toEqual({ m: 222n, s: 3 });
    expect(decToString(parseDec('1.23456789'))).toBe('1.23456789');
    expect(decToString(parseDec('000.000'))).toBe('0');
    expect(decToString(parseDec('12'))).toBe('12');
    expect(decToString(parseDec('0.05'))).toBe('0.05');
  });

  it('adds without rounding', () => {
    expect(decToString(addDec(parseDec('0.1'), parseDec('0.2')))).toBe('0.3');
    expect(decToString(addDec(parseDec('1.23456789'), parseDec('0.76543211')))).toBe('2');
  });

  it('refuses what is not a plain non-negative decimal', () => {
    for (const bad of ['', '-1', '1e3', '.5', '1.', ' 1', 'NaN']) {
      expect(() => parseDec(bad), bad).toThrow(expect.objectContaining({ code: 'REWARDS_DECIMAL_MALFORMED' }));
    }
  });

  it('prints ratios half to even', () => {
    expect(ratioToFixed(1n, 3n, 4)).toBe('0.3333');
    expect(ratioToFixed(5n, 2n, 0)).toBe('2');
    expect(ratioToFixed(7n, 2n, 0)).toBe('4');
    expect(ratioToFixed(1n, 8n, 2)).toBe('0.12');
  });
});
