/** Deterministic hotspot key seeds for benchmarks; `salt` keeps each benchmark's keys apart. */
export function benchSeed(i: number, salt: number): Uint8Array {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(0, i + 1);
  seed[31] = salt;
  return seed;
}
