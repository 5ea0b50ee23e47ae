import { bytesToHex, hexToBytes } from './bytes.ts';
import { Malformed } from './errors.ts';
import { hotspotKeyFromSeed, networkOf, type HotspotKey } from './keys.ts';
import type { Network } from './sign.ts';

// The file `hexlight keys` writes: the seed is the secret, the address is there so a human (and
// the loader) can tell which hotspot the file belongs to.

interface HotspotKeyFile {
  address: string;
  seed_hex: string;
  network: Network;
}

export function encodeHotspotKeyFile(key: HotspotKey): string {
  const file: HotspotKeyFile = { address: key.address, seed_hex: bytesToHex(key.seed), network: networkOf(key.keyBinary) };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Throws MALFORMED for anything but a consistent file (the address must match the seed). */
export function decodeHotspotKeyFile(text: string): HotspotKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw Malformed('key file is not JSON', { what: 'key_file' }, cause);
  }
  if (typeof parsed !== 'object' || parsed === null) throw Malformed('key file is not a JSON object', { what: 'key_file' });
  const { address, seed_hex: seedHex, network } = parsed as Partial<Record<keyof HotspotKeyFile, unknown>>;
  if (network !== 'mainnet' && network !== 'testnet') throw Malformed('key file network must be "mainnet" or "testnet"', { what: 'key_file' });
  if (typeof seedHex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(seedHex)) throw Malformed('key file seed_hex must be 64 hex characters', { what: 'key_file' });
  const key = hotspotKeyFromSeed(hexToBytes(seedHex), network);
  if (address !== key.address) throw Malformed('key file address does not match its seed', { what: 'key_file', address });
  return key;
}
