import bs58 from 'bs58';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from './bytes.ts';
import { InvalidWallet } from './errors.ts';
import { loadReplayFixture } from './replay-fixture.testkit.ts';
import { generateSolanaWallet, isValidSolanaAddress, solanaPublicKeyBytes, solanaWalletFromSeed, verifySolanaSignature } from './solana.ts';

describe('solana wallets', () => {
  it('derives the base58 public key from a seed (RFC 8032 vector)', () => {
    const w = solanaWalletFromSeed(hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
    expect(w.address).toBe(bs58.encode(hexToBytes('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')));
    expect(solanaPublicKeyBytes(w.address)).toEqual(hexToBytes('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'));
  });

  it('signs and verifies', () => {
    const w = generateSolanaWallet();
    const msg = new TextEncoder().encode('assert location');
    const sig = w.sign(msg);
    expect(verifySolanaSignature(w.address, msg, sig)).toBe(true);
    expect(verifySolanaSignature(generateSolanaWallet().address, msg, sig)).toBe(false);
    expect(verifySolanaSignature('not a wallet', msg, sig)).toBe(false);
    expect(verifySolanaSignature(w.address, msg, sig.subarray(1))).toBe(false);
  });

  it('accepts the fixture owners and edge lengths', () => {
    for (const h of loadReplayFixture().hotspots) expect(isValidSolanaAddress(h.owner)).toBe(true);
    expect(isValidSolanaAddress(bs58.encode(new Uint8Array(32)))).toBe(true); // 32 × '1'
    expect(isValidSolanaAddress(bs58.encode(new Uint8Array(32).fill(255)))).toBe(true); // 44 chars
  });

  it('refuses anything but base58 of 32 bytes with INVALID_WALLET (400)', () => {
    const bad = ['', 'short', bs58.encode(new Uint8Array(31).fill(7)), bs58.encode(new Uint8Array(33).fill(7)), `0${generateSolanaWallet().address.slice(1)}`, 'l'.repeat(44)];
    for (const s of bad) {
      expect(isValidSolanaAddress(s)).toBe(false);
      expect(() => solanaPublicKeyBytes(s)).toThrow(expect.objectContaining({ code: InvalidWallet.code, httpStatus: 400 }));
    }
  });
});
