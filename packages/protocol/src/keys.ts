import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import bs58 from 'bs58';
import { bytesEqual, concatBytes, copyBytes } from './bytes.ts';
import { InvalidAddress } from './errors.ts';
import { NETWORK_TAG, ed25519PrivateKeyFromSeed, ed25519PublicKeyBytes, isEd25519KeyBinary, type Network } from './sign.ts';

// Hotspot identities (spec/wire.md §1). The address is base58check over version 0 ‖ key binary;
// it is implemented here rather than through @helium/address because that package hashes with
// js-sha256 and allocates Buffers per call, and the tests pin both to the same output.

export interface HotspotKey {
  /** Raw ed25519 public key, 32 bytes. */
  publicKey: Uint8Array;
  /** tag ‖ publicKey, 33 bytes: what goes in every `pub_key` / `gateway` field. */
  keyBinary: Uint8Array;
  address: string;
  privateKey: KeyObject;
  /** The 32-byte ed25519 private seed (what key files store). */
  seed: Uint8Array;
}

const ADDRESS_VERSION = 0x00;
/** version (1) + key binary (33) + checksum (4). */
const ADDRESS_BYTES = 38;
/** Longer strings cannot be an address; refusing them early keeps base58 decoding (quadratic) cheap. */
const MAX_ADDRESS_CHARS = 64;

export function generateHotspotKey(network: Network = 'mainnet'): HotspotKey {
  return hotspotKeyFromSeed(randomBytes(32), network);
}

/** Deterministic: the same seed always yields the same key (simulator, tests). */
export function hotspotKeyFromSeed(seed: Uint8Array, network: Network = 'mainnet'): HotspotKey {
  const privateKey = ed25519PrivateKeyFromSeed(seed);
  const publicKey = ed25519PublicKeyBytes(privateKey);
  const keyBinary = concatBytes(Uint8Array.of(networkTag(network)), publicKey);
  return { publicKey, keyBinary, address: keyBinaryToAddress(keyBinary), privateKey, seed: copyBytes(seed) };
}

function networkTag(network: Network): number {
  const tag = NETWORK_TAG[network];
  if (tag === undefined) throw new RangeError(`unknown network ${String(network)}`);
  return tag | 0x01;
}

/** 'mainnet' or 'testnet' from a key binary's tag (validated). */
export function networkOf(keyBinary: Uint8Array): Network {
  publicKeyOf(keyBinary);
  return (keyBinary[0]! & 0xf0) === NETWORK_TAG.testnet ? 'testnet' : 'mainnet';
}

function checksum(payload: Uint8Array): Uint8Array {
  const once = createHash('sha256').update(payload).digest();
  return createHash('sha256').update(once).digest().subarray(0, 4);
}

/** base58check(0x00 ‖ keyBinary). Encodes any key binary; decoding is where validation lives. */
export function keyBinaryToAddress(bin: Uint8Array): string {
  const payload = concatBytes(Uint8Array.of(ADDRESS_VERSION), bin);
  return bs58.encode(concatBytes(payload, checksum(payload)));
}

/** The 33-byte key binary of an address; throws INVALID_ADDRESS unless it is an ed25519 key. */
export function addressToKeyBinary(address: string): Uint8Array {
  if (typeof address !== 'string' || address.length === 0 || address.length > MAX_ADDRESS_CHARS) {
    throw InvalidAddress('not a hotspot address', { address });
  }
  let raw: Uint8Array;
  try {
    raw = bs58.decode(address);
  } catch (cause) {
    throw InvalidAddress('address is not base58', { address }, cause);
  }
  if (raw.byteLength !== ADDRESS_BYTES) throw InvalidAddress('address has the wrong length', { address });
  const payload = raw.subarray(0, ADDRESS_BYTES - 4);
  if (!bytesEqual(checksum(payload), raw.subarray(ADDRESS_BYTES - 4))) throw InvalidAddress('address checksum mismatch', { address });
  if (payload[0] !== ADDRESS_VERSION) throw InvalidAddress('unsupported address version', { address });
  const keyBinary = copyBytes(payload.subarray(1));
  if (!isEd25519KeyBinary(keyBinary)) throw InvalidAddress('address is not an ed25519 key', { address });
  return keyBinary;
}

export function isValidAddress(s: string): boolean {
  try {
    addressToKeyBinary(s);
    return true;
  } catch {
    return false;
  }
}

/** The raw 32-byte public key inside a key binary; throws INVALID_ADDRESS unless ed25519. */
export function publicKeyOf(keyBinary: Uint8Array): Uint8Array {
  if (!isEd25519KeyBinary(keyBinary)) throw InvalidAddress('not an ed25519 key binary');
  return copyBytes(keyBinary.subarray(1));
}
