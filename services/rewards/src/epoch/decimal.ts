import { DecimalMalformed } from './errors.ts';

// Exact non-negative decimals for shares and prices: value = m / 10^s. Only what the epoch math
// needs — parse, sum, scale to a common denominator, print. Nothing here rounds except
// `ratioToFixed`, which prints a rate for the manifest and is never used to compute an amount.

export interface Dec {
  readonly m: bigint;
  readonly s: number;
}

export const DEC_ZERO: Dec = { m: 0n, s: 0 };

const DECIMAL_RE = /^(\d+)(?:\.(\d+))?$/;

function malformed(text: string): Error {
  return DecimalMalformed(`not a non-negative decimal: ${JSON.stringify(text)}`, { value: text });
}

/** Parses "12", "0.2220", "1.23456789". Signs, exponents and blanks are refused. */
export function parseDec(text: string): Dec {
  const match = DECIMAL_RE.exec(text);
  if (!match) throw malformed(text);
  const frac = match[2] ?? '';
  return normalize({ m: BigInt(match[1] + frac), s: frac.length });
}

/** Digits after the point of a text `parseDec` accepts ("1.50" → 2); refuses other text as it does. */
export function fractionDigits(text: string): number {
  if (!DECIMAL_RE.test(text)) throw malformed(text);
  const point = text.indexOf('.');
  return point < 0 ? 0 : text.length - point - 1;
}

/**
 * text × 10^s as an integer, for a text `fractionDigits` accepted with at most `s` fraction digits
 * ("1.5" at 3 → 1500n): a row's exact value at a common scale without building a Dec.
 */
export function mantissaAt(text: string, s: number): bigint {
  const point = text.indexOf('.');
  if (point < 0) return s === 0 ? BigInt(text) : BigInt(text + '0'.repeat(s));
  const digits = text.slice(0, point) + text.slice(point + 1);
  const pad = s - (text.length - point - 1);
  return BigInt(pad === 0 ? digits : digits + '0'.repeat(pad));
}

export function decFromBigint(n: bigint): Dec {
  if (n < 0n) throw DecimalMalformed(`negative amount ${n}`, { value: n.toString() });
  return normalize({ m: n, s: 0 });
}

function normalize(d: Dec): Dec {
  let { m, s } = d;
  if (m === 0n) return DEC_ZERO;
  while (s > 0 && m % 10n === 0n) {
    m /= 10n;
    s--;
  }
  return { m, s };
}

/** The mantissa of `d` at scale `s` (s ≥ d.s), so values at one scale compare and add as bigints. */
export function scaleTo(d: Dec, s: number): bigint {
  return d.m * 10n ** BigInt(s - d.s);
}

export function addDec(a: Dec, b: Dec): Dec {
  const s = Math.max(a.s, b.s);
  return normalize({ m: scaleTo(a, s) + scaleTo(b, s), s });
}

export function isZero(d: Dec): boolean {
  return d.m === 0n;
}

/** Canonical text: no trailing zeros, "0" for zero. */
export function decToString(d: Dec): string {
  if (d.s === 0) return d.m.toString();
  const digits = d.m.toString().padStart(d.s + 1, '0');
  return `${digits.slice(0, -d.s)}.${digits.slice(-d.s)}`;
}

/** num/den at `dp` decimals, half to even, for display in manifests (den > 0). */
export function ratioToFixed(num: bigint, den: bigint, dp: number): string {
  const scaled = num * 10n ** BigInt(dp);
  let q = scaled / den;
  const twice = 2n * (scaled - q * den);
  if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  if (dp === 0) return q.toString();
  const digits = q.toString().padStart(dp + 1, '0');
  return `${digits.slice(0, -dp)}.${digits.slice(-dp)}`;
}
