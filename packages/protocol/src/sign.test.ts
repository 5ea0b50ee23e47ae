import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.ts';
import { generateHotspotKey, hotspotKeyFromSeed } from './keys.ts';
import { createEd25519Verifier, signEd25519, verifyEd25519, verifyWithKeyBinary } from './sign.ts';

// RFC 8032 §7.1 test 1 (empty message).
const SEED = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const SIG = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

describe('ed25519', () => {
  const key = hotspotKeyFromSeed(SEED);
  const msg = new TextEncoder().encode('hello hexlight');

  it('matches RFC 8032 and round-trips', () => {
    expect(bytesToHex(signEd25519(key.privateKey, new Uint8Array(0)))).toBe(SIG);
    expect(verifyEd25519(key.publicKey, new Uint8Array(0), hexToBytes(SIG))).toBe(true);
    const sig = signEd25519(key.privateKey, msg);
    expect(sig.constructor).toBe(Uint8Array);
    expect(verifyEd25519(key.publicKey, msg, sig)).toBe(true);
    expect(verifyWithKeyBinary(key.keyBinary, msg, sig)).toBe(true);
  });

  it('returns false, never throws, on wrong shapes or wrong signatures', () => {
    const sig = signEd25519(key.privateKey, msg);
    const other = generateHotspotKey();
    expect(verifyEd25519(other.publicKey, msg, sig)).toBe(false);
    expect(verifyEd25519(key.publicKey, msg, sig.subarray(0, 63))).toBe(false);
    expect(verifyEd25519(key.publicKey, msg, concatBytes(sig, Uint8Array.of(0)))).toBe(false);
    expect(verifyEd25519(key.publicKey.subarray(0, 31), msg, sig)).toBe(false);
    expect(verifyEd25519(new Uint8Array(32).fill(0xff), msg, sig)).toBe(false);
    expect(verifyEd25519(null as unknown as Uint8Array, msg, sig)).toBe(false);
    expect(verifyEd25519(key.publicKey, 'text' as unknown as Uint8Array, sig)).toBe(false);
    const tampered = sig.slice();
    tampered[10]! ^= 1;
    expect(verifyEd25519(key.publicKey, msg, tampered)).toBe(false);
  });

  it('verifyWithKeyBinary accepts mainnet/testnet ed25519 tags only', () => {
    const testnet = hotspotKeyFromSeed(SEED, 'testnet');
    const sig = signEd25519(key.privateKey, msg);
    expect(verifyWithKeyBinary(testnet.keyBinary, msg, sig)).toBe(true);
    for (const tag of [0x00, 0x02, 0x03, 0x21, 0x81]) {
      expect(verifyWithKeyBinary(concatBytes(Uint8Array.of(tag), key.publicKey), msg, sig)).toBe(false);
    }
    expect(verifyWithKeyBinary(key.publicKey, msg, sig)).toBe(false);
  });

  it('stays correct while a tiny cache evicts', () => {
    const verify = createEd25519Verifier(2);
    const keys = Array.from({ length: 5 }, () => generateHotspotKey());
    const sigs = keys.map((k) => signEd25519(k.privateKey, msg));
    for (let round = 0; round < 3; round++) {
      keys.forEach((k, i) => {
        expect(verify(k.publicKey, msg, sigs[i]!)).toBe(true);
        expect(verify(k.publicKey, msg, sigs[(i + 1) % keys.length]!)).toBe(false);
      });
    }
    expect(createEd25519Verifier(0)(key.publicKey, new Uint8Array(0), hexToBytes(SIG))).toBe(true);
  });
});
