import { describe, expect, it } from 'vitest';
import { add, dec, div, mul, parseDec, powu, roundDp, toFixed, toNumber } from './decimal.ts';

describe('decimal (rust_decimal semantics)', () => {
  it('rounds to 4 dp half to even, like round_dp', () => {
    expect(toFixed(roundDp(parseDec('0.00005'), 4), 4)).toBe('0.0000');
    expect(toFixed(roundDp(parseDec('0.00015'), 4), 4)).toBe('0.0002');
    expect(toFixed(roundDp(parseDec('0.00025'), 4), 4)).toBe('0.0002');
    expect(toFixed(roundDp(parseDec('0.000251'), 4), 4)).toBe('0.0003');
    expect(toFixed(roundDp(parseDec('1.23455'), 4), 4)).toBe('1.2346');
    expect(toFixed(roundDp(parseDec('-0.00015'), 4), 4)).toBe('-0.0002');
  });

  it('keeps 28 decimals after a division, rounded half to even, then rounds that once more', () => {
    expect(toFixed(div(dec(1), dec(3)))).toBe('0.3333333333333333333333333333');
    expect(toFixed(div(dec(2), dec(3)))).toBe('0.6666666666666666666666666667');
    // Decimal::new(c, 4) / Decimal::new(u, 4): the scales cancel.
    expect(toFixed(div(dec(1, 4), dec(6, 4)))).toBe('0.1666666666666666666666666667');
  });

  it('rounds a product beyond 28 decimals to 28, half to even', () => {
    const third = div(dec(1), dec(3));
    expect(toFixed(mul(third, third))).toBe('0.1111111111111111111111111111');
    expect(mul(dec(5, 1), dec(5, 1))).toEqual(dec(25, 2));
  });

  it('is exact where floats are not', () => {
    expect(toFixed(add(parseDec('0.1'), parseDec('0.2')))).toBe('0.3');
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(toFixed(powu(dec(8, 1), 10))).toBe('0.1073741824');
    expect(toNumber(parseDec('1.8926'))).toBe(1.8926);
  });
});
