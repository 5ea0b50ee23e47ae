import { asPlainBytes } from './bytes.ts';
import { keyBinaryToAddress, type HotspotKey } from './keys.ts';
import { isEd25519KeyBinary, signEd25519, verifyWithKeyBinary } from './sign.ts';

// The MQTT password a hotspot proves its key with (spec/wire.md §2): a signed, timestamped
// statement of its own address. No server state, so any broker node can check it.

export const CONNECT_MAX_SKEW_SECONDS = 300;

/** Decimal seconds without sign or leading zeros: the signed text must have one spelling. */
const TOKEN = /^v1\.(0|[1-9][0-9]{0,14})\.([A-Za-z0-9_-]{86})$/;

export function connectTokenMessage(address: string, unixSeconds: number): Uint8Array {
  return asPlainBytes(Buffer.from(`hexlight-connect:v1:${address}:${unixSeconds}`, 'utf8'));
}

export function makeConnectPassword(key: HotspotKey, unixSeconds: number): string {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0) throw new RangeError(`unixSeconds must be a non-negative integer, got ${unixSeconds}`);
  const sig = signEd25519(key.privateKey, connectTokenMessage(key.address, unixSeconds));
  return `v1.${unixSeconds}.${Buffer.from(sig).toString('base64url')}`;
}

export type ConnectCheck = { ok: true } | { ok: false; reason: 'malformed_token' | 'stale_token' | 'bad_signature' };

/**
 * Checks a connect password against the registered key. Cheap checks first: shape, then the
 * ±300 s window (inclusive), then the signature. A key binary that does not belong to `address`
 * fails as bad_signature, so a caller's lookup mix-up can never let a token through.
 */
export function checkConnectPassword(
  address: string,
  keyBinary: Uint8Array,
  password: string | Uint8Array,
  nowSeconds: number,
  maxSkewSeconds: number = CONNECT_MAX_SKEW_SECONDS,
): ConnectCheck {
  const text = typeof password === 'string' ? password : password instanceof Uint8Array ? Buffer.from(password).toString('utf8') : null;
  const m = text === null ? null : TOKEN.exec(text);
  if (!m) return { ok: false, reason: 'malformed_token' };
  const seconds = Number(m[1]);
  if (!(Math.abs(nowSeconds - seconds) <= maxSkewSeconds)) return { ok: false, reason: 'stale_token' };
  const sig = Buffer.from(m[2]!, 'base64url');
  if (sig.byteLength !== 64 || !isEd25519KeyBinary(keyBinary) || keyBinaryToAddress(keyBinary) !== address) return { ok: false, reason: 'bad_signature' };
  return verifyWithKeyBinary(keyBinary, connectTokenMessage(address, seconds), sig) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
