// Seeded randomness for the simulator: the same seed gives the same fleet, the same links and the
// same schedule, so a scenario can be replayed and a test can pin its numbers (STYLE.md §13).
// xoshiro128** (Blackman & Vigna) seeded through splitmix32: small, fast, and good enough
// statistically for placement and shadowing; nothing here is security-relevant.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** Standard normal N(0, 1) (Box–Muller). */
  gaussian(): number;
  /** `n` uniform bytes. */
  bytes(n: number): Uint8Array;
  /** An independent stream derived from this one's seed and `labels` (does not advance this one). */
  fork(...labels: (string | number)[]): Rng;
}

/** 32-bit FNV-1a over the parts joined with a separator, then one splitmix32 finalisation. */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = parts.map(String).join('\u001f');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return splitmix32(h >>> 0)[0];
}

function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) >>> 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [(z ^ (z >>> 16)) >>> 0, s];
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A generator for `seed` (any integer or string; strings and numbers are hashed). */
export function createRng(seed: number | string): Rng {
  const root = typeof seed === 'number' && Number.isInteger(seed) ? seed >>> 0 : hashSeed(seed);
  let sm = root;
  const s = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    const [out, next] = splitmix32(sm);
    s[i] = out;
    sm = next;
  }
  // xoshiro's state must not be all zero; splitmix output practically never is, but be sure.
  if (s[0] === 0 && s[1] === 0 && s[2] === 0 && s[3] === 0) s[0] = 1;

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  };

  const next = (): number => nextU32() / 0x1_0000_0000;
  let spare: number | null = null;

  return {
    next,
    int(maxExclusive) {
      if (!Number.isInteger(maxExclusive) || maxExclusive <= 0) throw new RangeError(`int() needs a positive integer, got ${maxExclusive}`);
      return Math.floor(next() * maxExclusive);
    },
    range(min, max) {
      return min + (max - min) * next();
    },
    gaussian() {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      // 1 − next() is in (0, 1], so the log is finite.
      const r = Math.sqrt(-2 * Math.log(1 - next()));
      const theta = 2 * Math.PI * next();
      spare = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 4) {
        const w = nextU32();
        for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (w >>> (8 * j)) & 0xff;
      }
      return out;
    },
    fork(...labels) {
      return createRng(hashSeed(root, ...labels));
    },
  };
}
