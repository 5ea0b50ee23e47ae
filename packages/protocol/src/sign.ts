import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { asPlainBytes, concatBytes, hexToBytes } from './bytes.ts';

// ed25519 primitives on node:crypto. Verification is the ingest hot path, so parsed public
// KeyObjects are cached: measured 121 µs per check with a cached key vs 221 µs when parsing.

/** DER prefixes that wrap a raw 32-byte ed25519 seed / public key (RFC 8410). */
const PKCS8_ED25519_PREFIX = hexToBytes('302e020100300506032b657004220420');
const SPKI_ED25519_PREFIX = hexToBytes('302a300506032b6570032100');

export const ED25519_KEY_CACHE_SIZE = 100_000;

/** Key binary tag = network | key type (spec/wire.md §1). */
export const KEY_TYPE_ED25519 = 0x01;
export const NETWORK_TAG = { mainnet: 0x00, testnet: 0x10 } as const;
export type Network = keyof typeof NETWORK_TAG;

export function ed25519PrivateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.byteLength !== 32) throw new RangeError(`an ed25519 seed is 32 bytes, got ${seed.byteLength}`);
  return createPrivateKey({ key: Buffer.from(concatBytes(PKCS8_ED25519_PREFIX, seed)), format: 'der', type: 'pkcs8' });
}

/** The raw 32-byte public key of an ed25519 private KeyObject. */
export function ed25519PublicKeyBytes(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return asPlainBytes(spki.subarray(SPKI_ED25519_PREFIX.byteLength));
}

export function signEd25519(privateKey: KeyObject, msg: Uint8Array): Uint8Array {
  return asPlainBytes(sign(null, msg, privateKey));
}

/**
 * A verifier with its own LRU of parsed public keys. Map keeps insertion order, so re-inserting
 * on a hit makes the first key the least recently used one.
 */
export function createEd25519Verifier(maxEntries: number = ED25519_KEY_CACHE_SIZE): (publicKey32: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean {
  const cache = new Map<string, KeyObject>();
  const keyObjectFor = (pk: Uint8Array): KeyObject => {
    const id = Buffer.from(pk.buffer, pk.byteOffset, pk.byteLength).toString('latin1');
    const hit = cache.get(id);
    if (hit) {
      cache.delete(id);
      cache.set(id, hit);
      return hit;
    }
    const key = createPublicKey({ key: Buffer.from(concatBytes(SPKI_ED25519_PREFIX, pk)), format: 'der', type: 'spki' });
    if (cache.size >= maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    if (maxEntries > 0) cache.set(id, key);
    return key;
  };
  return (publicKey32, msg, sig) => {
    // Inputs come from the network: wrong shapes are a failed check, never an exception.
    if (!(publicKey32 instanceof Uint8Array) || publicKey32.byteLength !== 32) return false;
    if (!(sig instanceof Uint8Array) || sig.byteLength !== 64 || !(msg instanceof Uint8Array)) return false;
    try {
      return verify(null, msg, keyObjectFor(publicKey32), sig);
    } catch {
      return false;
    }
  };
}

/** ed25519 verification over the shared key cache (100,000 keys). */
export const verifyEd25519: (publicKey32: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean = createEd25519Verifier();

/** Verifies with a 33-byte key binary; false for any tag but mainnet/testnet ed25519. */
export function verifyWithKeyBinary(keyBinary: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (!isEd25519KeyBinary(keyBinary)) return false;
  return verifyEd25519(keyBinary.subarray(1), msg, sig);
}

export function isEd25519KeyBinary(keyBinary: Uint8Array): boolean {
  if (!(keyBinary instanceof Uint8Array) || keyBinary.byteLength !== 33) return false;
  const tag = keyBinary[0]!;
  return (tag & 0x0f) === KEY_TYPE_ED25519 && ((tag & 0xf0) === NETWORK_TAG.mainnet || (tag & 0xf0) === NETWORK_TAG.testnet);
}
