import { randomBytes } from 'node:crypto';
import bs58 from 'bs58';
import { copyBytes } from './bytes.ts';
import { InvalidWallet } from './errors.ts';
import { ed25519PrivateKeyFromSeed, ed25519PublicKeyBytes, signEd25519, verifyEd25519 } from './sign.ts';

// Owner wallets are Solana ed25519 keys: plain base58 of the 32-byte public key (no version,
// no checksum). Off-curve addresses (PDAs) pass the shape check; they simply never verify.

/** 32 bytes encode to 32–44 base58 characters; anything else is refused before decoding. */
const MIN_CHARS = 32;
const MAX_CHARS = 44;

export function solanaPublicKeyBytes(s: string): Uint8Array {
  if (typeof s !== 'string' || s.length < MIN_CHARS || s.length > MAX_CHARS) throw InvalidWallet(undefined, { wallet: s });
  let raw: Uint8Array;
  try {
    raw = bs58.decode(s);
  } catch (cause) {
    throw InvalidWallet('wallet is not base58', { wallet: s }, cause);
  }
  if (raw.byteLength !== 32) throw InvalidWallet('wallet is not 32 bytes', { wallet: s });
  return copyBytes(raw);
}

export function isValidSolanaAddress(s: string): boolean {
  try {
    solanaPublicKeyBytes(s);
    return true;
  } catch {
    return false;
  }
}

/** False (never a throw) for a malformed wallet, key or signature. */
export function verifySolanaSignature(wallet: string, msg: Uint8Array, sig: Uint8Array): boolean {
  let pk: Uint8Array;
  try {
    pk = solanaPublicKeyBytes(wallet);
  } catch {
    return false;
  }
  return verifyEd25519(pk, msg, sig);
}

export interface SolanaWallet {
  address: string;
  seed: Uint8Array;
  sign(msg: Uint8Array): Uint8Array;
}

export function generateSolanaWallet(): SolanaWallet {
  return solanaWalletFromSeed(randomBytes(32));
}

export function solanaWalletFromSeed(seed32: Uint8Array): SolanaWallet {
  const privateKey = ed25519PrivateKeyFromSeed(seed32);
  return {
    address: bs58.encode(ed25519PublicKeyBytes(privateKey)),
    seed: copyBytes(seed32),
    sign: (msg) => signEd25519(privateKey, msg),
  };
}
