// ChaCha12 as rand_chacha 0.3.1's `ChaCha12Rng::from_seed`: key = seed as 8 little-endian words,
// 64-bit block counter from 0 in words 12–13, stream 0 in words 14–15, output words in order.
// Beacons are only valid when this stream matches Helium's bit for bit (spec/regions.md §3).

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"
const DOUBLE_ROUNDS = 6; // 12 rounds

export class ChaCha12Rng {
  private readonly input = new Uint32Array(16);
  private readonly block = new Uint32Array(16);
  private index = 16;

  constructor(seed: Uint8Array) {
    if (seed.byteLength !== 32) throw new RangeError(`a ChaCha seed is 32 bytes, got ${seed.byteLength}`);
    this.input.set(SIGMA);
    const view = new DataView(seed.buffer, seed.byteOffset, 32);
    for (let i = 0; i < 8; i++) this.input[4 + i] = view.getUint32(i * 4, true);
  }

  static fromSeed(seed: Uint8Array): ChaCha12Rng {
    return new ChaCha12Rng(seed);
  }

  nextU32(): number {
    if (this.index >= 16) this.refill();
    return this.block[this.index++]!;
  }

  private refill(): void {
    chachaBlock(this.input, this.block);
    // Counter is 64-bit, low word first.
    const low = (this.input[12]! + 1) >>> 0;
    this.input[12] = low;
    if (low === 0) this.input[13] = (this.input[13]! + 1) >>> 0;
    this.index = 0;
  }
}

/** One block: 6 double rounds (column then diagonal quarter rounds, RFC 8439), plus the input. */
function chachaBlock(input: Uint32Array, out: Uint32Array): void {
  let x0 = input[0]! | 0, x1 = input[1]! | 0, x2 = input[2]! | 0, x3 = input[3]! | 0;
  let x4 = input[4]! | 0, x5 = input[5]! | 0, x6 = input[6]! | 0, x7 = input[7]! | 0;
  let x8 = input[8]! | 0, x9 = input[9]! | 0, x10 = input[10]! | 0, x11 = input[11]! | 0;
  let x12 = input[12]! | 0, x13 = input[13]! | 0, x14 = input[14]! | 0, x15 = input[15]! | 0;
  for (let r = 0; r < DOUBLE_ROUNDS; r++) {
    // columns
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
    // diagonals
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  // Uint32Array stores wrap the int32 sums back to unsigned words.
  out[0] = x0 + input[0]!; out[1] = x1 + input[1]!; out[2] = x2 + input[2]!; out[3] = x3 + input[3]!;
  out[4] = x4 + input[4]!; out[5] = x5 + input[5]!; out[6] = x6 + input[6]!; out[7] = x7 + input[7]!;
  out[8] = x8 + input[8]!; out[9] = x9 + input[9]!; out[10] = x10 + input[10]!; out[11] = x11 + input[11]!;
  out[12] = x12 + input[12]!; out[13] = x13 + input[13]!; out[14] = x14 + input[14]!; out[15] = x15 + input[15]!;
}
