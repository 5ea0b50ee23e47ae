import { describe, expect, it } from 'vitest';
import { checkConnectPassword, connectTokenMessage, makeConnectPassword } from './connect-token.ts';
import { generateHotspotKey, hotspotKeyFromSeed } from './keys.ts';

describe('connect tokens (spec/wire.md §2)', () => {
  const key = hotspotKeyFromSeed(new Uint8Array(32).fill(1));
  const now = 1_748_220_600;

  it('signs hexlight-connect:v1:<address>:<unix_seconds>', () => {
    expect(Buffer.from(connectTokenMessage(key.address, now)).toString()).toBe(`hexlight-connect:v1:${key.address}:${now}`);
    const password = makeConnectPassword(key, now);
    expect(password).toMatch(/^v1\.1748220600\.[A-Za-z0-9_-]{86}$/);
    expect(checkConnectPassword(key.address, key.keyBinary, password, now)).toEqual({ ok: true });
    expect(checkConnectPassword(key.address, key.keyBinary, Buffer.from(password), now)).toEqual({ ok: true });
  });

  it('accepts exactly ±300 s', () => {
    const password = makeConnectPassword(key, now);
    for (const d of [-300, 0, 300]) expect(checkConnectPassword(key.address, key.keyBinary, password, now + d)).toEqual({ ok: true });
    for (const d of [-301, 301]) expect(checkConnectPassword(key.address, key.keyBinary, password, now + d)).toEqual({ ok: false, reason: 'stale_token' });
    expect(checkConnectPassword(key.address, key.keyBinary, password, now + 10, 5)).toEqual({ ok: false, reason: 'stale_token' });
  });

  it('refuses malformed tokens', () => {
    const [, ts, sig] = makeConnectPassword(key, now).split('.');
    const bad = ['', 'v1', `v2.${ts}.${sig}`, `v1.${ts}`, `v1.0${ts}.${sig}`, `v1.-${ts}.${sig}`, `v1.${ts}.${sig}==`, `v1.${ts}.${sig!.slice(1)}`, `v1.${ts}.${sig}.x`, `v1.${ts}.${sig!.replace(/.$/, '+')}`, ` v1.${ts}.${sig}`];
    for (const p of bad) expect(checkConnectPassword(key.address, key.keyBinary, p, now), p).toEqual({ ok: false, reason: 'malformed_token' });
  });

  it('refuses other keys, other addresses and tampered signatures', () => {
    const other = generateHotspotKey();
    const password = makeConnectPassword(key, now);
    expect(checkConnectPassword(key.address, other.keyBinary, password, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(checkConnectPassword(other.address, other.keyBinary, password, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(checkConnectPassword(other.address, key.keyBinary, password, now)).toEqual({ ok: false, reason: 'bad_signature' });
    const [, ts, sig] = password.split('.');
    const flipped = `v1.${ts}.${sig![0] === 'A' ? 'B' : 'A'}${sig!.slice(1)}`;
    expect(checkConnectPassword(key.address, key.keyBinary, flipped, now)).toEqual({ ok: false, reason: 'bad_signature' });
    // A signature for another second is not valid for this one.
    expect(checkConnectPassword(key.address, key.keyBinary, `v1.${now + 1}.${sig}`, now)).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
