// Exact decimals with rust_decimal's semantics, for the numbers Helium computes with `Decimal`
// (hex scale, reward units, shares). A value is mantissa / 10^scale. rust_decimal keeps a 96-bit
// mantissa and a scale of at most 28; when an exact result does not fit it rounds half to even
// at the largest scale that fits. These functions reproduce that value for value, so a product
// of ratios lands on the same 4-dp result as Helium's, ties included; floats would not.

export interface Dec {
  /** value = m / 10^s */
  readonly m: bigint;
  readonly s: number;
}

const MAX_SCALE = 28;
const MAX_MANTISSA = (1n << 96n) - 1n;
const POW10: readonly bigint[] = Array.from({ length: 2 * MAX_SCALE + 2 }, (_, i) => 10n ** BigInt(i));

function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

export const ZERO: Dec = { m: 0n, s: 0 };
export const ONE: Dec = { m: 1n, s: 0 };

export function dec(m: bigint | number, s = 0): Dec {
  if (!Number.isInteger(s) || s < 0 || s > MAX_SCALE) throw new RangeError(`decimal scale ${s} outside 0..${MAX_SCALE}`);
  return normalize({ m: BigInt(m), s });
}

/** num / den rounded half to even (den > 0). */
export function divRoundHalfEven(num: bigint, den: bigint): bigint {
  if (den <= 0n) throw new RangeError('divisor must be positive');
  const neg = num < 0n;
  const n = neg ? -num : num;
  let q = n / den;
  const twice = 2n * (n - q * den);
  if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  return neg ? -q : q;
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** Drops trailing zeros: same value, smaller numbers to carry around. */
function normalize(d: Dec): Dec {
  let { m, s } = d;
  if (m === 0n) return ZERO;
  while (s > 0 && m % 10n === 0n) {
    m /= 10n;
    s--;
  }
  return { m, s };
}

/** The rational num/den stored as rust_decimal stores a result that needs rounding. */
function fit(num: bigint, den: bigint): Dec {
  for (let s = MAX_SCALE; s >= 0; s--) {
    const m = divRoundHalfEven(num * pow10(s), den);
    if (abs(m) <= MAX_MANTISSA) return normalize({ m, s });
  }
  throw new RangeError('decimal overflow');
}

export function add(a: Dec, b: Dec): Dec {
  const s = Math.max(a.s, b.s);
  return normalize({ m: a.m * pow10(s - a.s) + b.m * pow10(s - b.s), s });
}

export function sub(a: Dec, b: Dec): Dec {
  return add(a, { m: -b.m, s: b.s });
}

export function mul(a: Dec, b: Dec): Dec {
  const m = a.m * b.m;
  const s = a.s + b.s;
  if (s <= MAX_SCALE && abs(m) <= MAX_MANTISSA) return normalize({ m, s });
  return fit(m, pow10(s));
}

export function div(a: Dec, b: Dec): Dec {
  if (b.m === 0n) throw new RangeError('division by zero');
  // a/b = (a.m · 10^b.s) / (b.m · 10^a.s); keep the divisor positive for the rounding helper.
  let num = a.m * pow10(b.s);
  let den = b.m * pow10(a.s);
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  return fit(num, den);
}

export function cmp(a: Dec, b: Dec): -1 | 0 | 1 {
  const s = Math.max(a.s, b.s);
  const x = a.m * pow10(s - a.s);
  const y = b.m * pow10(s - b.s);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function min(a: Dec, b: Dec): Dec {
  return cmp(a, b) <= 0 ? a : b;
}

/** rust_decimal `round_dp`: half to even at `dp` decimals. */
export function roundDp(a: Dec, dp: number): Dec {
  if (a.s <= dp) return a;
  return normalize({ m: divRoundHalfEven(a.m, pow10(a.s - dp)), s: dp });
}

/** a^n by repeated multiplication, as rust_decimal `checked_powu` for small n. */
export function powu(a: Dec, n: number): Dec {
  let r = ONE;
  for (let i = 0; i < n; i++) r = mul(r, a);
  return r;
}

export function toFixed(a: Dec, dp: number = a.s): string {
  const r = a.s > dp ? roundDp(a, dp) : a;
  const m = r.m * pow10(dp - r.s);
  const neg = m < 0n;
  const digits = abs(m).toString().padStart(dp + 1, '0');
  const int = digits.slice(0, digits.length - dp);
  const frac = digits.slice(digits.length - dp);
  return `${neg ? '-' : ''}${int}${dp > 0 ? `.${frac}` : ''}`;
}

/** The nearest double; exact enough for JSON output of values with ≤ 15 significant digits. */
export function toNumber(a: Dec): number {
  return Number(toFixed(a));
}

export function parseDec(text: string): Dec {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`not a decimal: ${text}`);
  const frac = match[3] ?? '';
  return dec(BigInt(`${match[1]}${match[2]}${frac}`), frac.length);
}

export function isZero(a: Dec): boolean {
  return a.m === 0n;
}
