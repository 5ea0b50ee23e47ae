import { randomBytes } from 'node:crypto';
import AddressModule from '@helium/address';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.ts';
import { InvalidAddress, Malformed } from './errors.ts';
import { decodeHotspotKeyFile, encodeHotspotKeyFile } from './key-file.ts';
import { addressToKeyBinary, generateHotspotKey, hotspotKeyFromSeed, isValidAddress, keyBinaryToAddress, networkOf, publicKeyOf } from './keys.ts';
import { loadReplayFixture } from './replay-fixture.testkit.ts';
import bs58 from 'bs58';
import { createHash } from 'node:crypto';

// @helium/address is CommonJS with an __esModule default; take whichever shape the loader gives.
const Address = ((AddressModule as unknown as { default?: unknown }).default ?? AddressModule) as {
  new (version: number, netType: number, keyType: number, publicKey: Uint8Array): { b58: string; bin: Buffer };
  fromB58(b58: string): { publicKey: Uint8Array; netType: number; keyType: number; version: number; bin: Buffer };
  fromBin(bin: Buffer): { b58: string };
};

// RFC 8032 §7.1 test 1.
const RFC_SEED = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const RFC_PK = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';

describe('addresses round-trip with @helium/address', () => {
  for (const [network, netType] of [['mainnet', 0x00], ['testnet', 0x10]] as const) {
    it(`${network}: both directions, many keys`, () => {
      for (let i = 0; i < 400; i++) {
        const pk = new Uint8Array(randomBytes(32));
        const bin = concatBytes(Uint8Array.of(netType | 0x01), pk);
        const ours = keyBinaryToAddress(bin);
        const theirs = new Address(0, netType, 1, pk);
        expect(ours).toBe(theirs.b58);
        const parsed = Address.fromB58(ours);
        expect(bytesToHex(parsed.publicKey)).toBe(bytesToHex(pk));
        expect(parsed.netType).toBe(netType);
        expect(parsed.keyType).toBe(1);
        expect(bytesToHex(parsed.bin)).toBe(bytesToHex(bin));
        expect(addressToKeyBinary(Address.fromBin(Buffer.from(bin)).b58)).toEqual(bin);
      }
    });
    it(`${network}: real generated keys`, () => {
      for (let i = 0; i < 20; i++) {
        const key = generateHotspotKey(network);
        expect(key.address).toBe(new Address(0, netType, 1, key.publicKey).b58);
        expect(networkOf(key.keyBinary)).toBe(network);
      }
    });
  }

  it('mainnet addresses start with 1 and the fixture addresses are valid', () => {
    expect(generateHotspotKey().address.startsWith('1')).toBe(true);
    for (const h of loadReplayFixture().hotspots) {
      expect(isValidAddress(h.address)).toBe(true);
      expect(keyBinaryToAddress(addressToKeyBinary(h.address))).toBe(h.address);
    }
  });
});

describe('hotspot keys', () => {
  it('derives deterministically from a seed (RFC 8032 vector)', () => {
    const key = hotspotKeyFromSeed(RFC_SEED);
    expect(bytesToHex(key.publicKey)).toBe(RFC_PK);
    expect(bytesToHex(key.keyBinary)).toBe(`01${RFC_PK}`);
    expect(key.seed).toEqual(RFC_SEED);
    expect(hotspotKeyFromSeed(RFC_SEED).address).toBe(key.address);
    expect(bytesToHex(hotspotKeyFromSeed(RFC_SEED, 'testnet').keyBinary)).toBe(`11${RFC_PK}`);
    expect(publicKeyOf(key.keyBinary)).toEqual(key.publicKey);
  });

  it('refuses seeds that are not 32 bytes', () => {
    expect(() => hotspotKeyFromSeed(new Uint8Array(31))).toThrow(RangeError);
  });
});

describe('address validation', () => {
  const key = hotspotKeyFromSeed(RFC_SEED);
  const check = (payload: Uint8Array): string => {
    const sum = createHash('sha256').update(createHash('sha256').update(payload).digest()).digest().subarray(0, 4);
    return bs58.encode(concatBytes(payload, sum));
  };
  const cases: [string, string][] = [
    ['empty', ''],
    ['not base58 (0, O, I, l)', key.address.slice(0, -1) + '0'],
    ['bad checksum', key.address.slice(0, -1) + (key.address.endsWith('2') ? '3' : '2')],
    ['version byte 1', check(concatBytes(Uint8Array.of(1), key.keyBinary))],
    ['too short', check(concatBytes(Uint8Array.of(0), key.keyBinary.subarray(0, 32)))],
    ['too long', check(concatBytes(Uint8Array.of(0), key.keyBinary, Uint8Array.of(0)))],
    ['ecc_compact key type', check(concatBytes(Uint8Array.of(0, 0x00), key.publicKey))],
    ['secp256k1 key type', check(concatBytes(Uint8Array.of(0, 0x03), key.publicKey))],
    ['unknown network', check(concatBytes(Uint8Array.of(0, 0x21), key.publicKey))],
    ['absurdly long', '1'.repeat(10_000)],
  ];
  for (const [name, address] of cases) {
    it(`refuses ${name} with INVALID_ADDRESS (400)`, () => {
      expect(isValidAddress(address)).toBe(false);
      try {
        addressToKeyBinary(address);
        expect.unreachable();
      } catch (err) {
        expect(InvalidAddress.is(err)).toBe(true);
        expect((err as { httpStatus: number }).httpStatus).toBe(400);
      }
    });
  }

  it('publicKeyOf validates the tag and length', () => {
    expect(() => publicKeyOf(concatBytes(Uint8Array.of(0x00), key.publicKey))).toThrow(/ed25519/);
    expect(() => publicKeyOf(key.keyBinary.subarray(0, 32))).toThrow(/ed25519/);
  });
});

describe('key files', () => {
  it('round-trip', () => {
    for (const network of ['mainnet', 'testnet'] as const) {
      const key = generateHotspotKey(network);
      const text = encodeHotspotKeyFile(key);
      expect(JSON.parse(text)).toEqual({ address: key.address, seed_hex: bytesToHex(key.seed), network });
      const back = decodeHotspotKeyFile(text);
      expect(back.address).toBe(key.address);
      expect(back.keyBinary).toEqual(key.keyBinary);
    }
  });

  it('refuses inconsistent or broken files with MALFORMED', () => {
    const a = JSON.parse(encodeHotspotKeyFile(generateHotspotKey())) as Record<string, string>;
    const b = generateHotspotKey();
    const bad = [
      'not json',
      '[]',
      JSON.stringify({ ...a, address: b.address }),
      JSON.stringify({ ...a, network: 'devnet' }),
      JSON.stringify({ ...a, seed_hex: a.seed_hex!.slice(2) }),
      JSON.stringify({ ...a, seed_hex: `zz${a.seed_hex!.slice(2)}` }),
      JSON.stringify({ ...a, network: 'testnet' }),
    ];
    for (const text of bad) expect(() => decodeHotspotKeyFile(text), text).toThrow(expect.objectContaining({ code: Malformed.code }));
  });
});
