import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as h3 from 'h3-js';
import { generateHotspotKey, generateSolanaWallet, type HotspotKey, type SolanaWallet } from '@hexlight/protocol';
import { assertMessage, onboardMessage, type AssertionFields } from '../src/index.ts';
import { signWith, startTestNetwork, type TestNetwork } from './helpers.ts';

const LISBON_CELL = h3.latLngToCell(38.7223, -9.1393, 12);

describe('hotspot registry API', () => {
  let net: TestNetwork;
  let key: HotspotKey;
  let wallet: SolanaWallet;

  beforeAll(async () => {
    net = await startTestNetwork();
    ({ key, wallet } = await net.onboard());
  });
  afterAll(async () => net?.close());

  const snapshot = async () => (await net.db.query(`SELECT * FROM hotspots ORDER BY address`)).rows;

  function onboardBody(k: HotspotKey, w: SolanaWallet, overrides: Record<string, unknown> = {}) {
    const timestamp = Math.floor(Date.now() / 1000);
    const msg = onboardMessage(k.address, w.address, timestamp);
    return {
      address: k.address, owner: w.address, timestamp,
      hotspot_signature: Buffer.from(signWith(k, msg)).toString('base64'),
      owner_signature: Buffer.from(w.sign(msg)).toString('base64'),
      ...overrides,
    };
  }

  function assertBody(fields: Partial<AssertionFields> & { nonce: number }, signer: SolanaWallet = wallet, extra: Record<string, unknown> = {}) {
    const f: AssertionFields = { location: LISBON_CELL, region: 'EU868', gain: 30, elevation: 5, capability: 'full', ...fields };
    return { ...f, owner_signature: Buffer.from(signer.sign(assertMessage(key.address, f))).toString('base64'), ...extra };
  }

  it('onboards with both signatures and shows status', async () => {
    const res = await net.app.inject({ method: 'GET', url: `/v1/hotspots/${key.address}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ address: key.address, owner: wallet.address, location: null, online: false, capability: 'full', gain: 12 });
    expect(body.reports).toEqual({ beacons_24h: 0, witnesses_24h: 0, beacons_total: 0, witnesses_total: 0 });
  });

  const badOnboarding: [string, () => Record<string, unknown>, number, string][] = [
    ['a hotspot signature by another key', () => { const k = generateHotspotKey(); const w = generateSolanaWallet(); return onboardBody(k, w, { hotspot_signature: onboardBody(generateHotspotKey(), w).hotspot_signature }); }, 403, 'BAD_HOTSPOT_SIGNATURE'],
    ['an owner signature by another wallet', () => { const k = generateHotspotKey(); return onboardBody(k, generateSolanaWallet(), { owner_signature: onboardBody(k, generateSolanaWallet()).owner_signature }); }, 403, 'BAD_OWNER_SIGNATURE'],
    ['a stale timestamp', () => { const k = generateHotspotKey(); const w = generateSolanaWallet(); const ts = Math.floor(Date.now() / 1000) - 301; const m = onboardMessage(k.address, w.address, ts); return { address: k.address, owner: w.address, timestamp: ts, hotspot_signature: Buffer.from(signWith(k, m)).toString('base64'), owner_signature: Buffer.from(w.sign(m)).toString('base64') }; }, 400, 'STALE_TIMESTAMP'],
    ['an unknown field', () => onboardBody(generateHotspotKey(), generateSolanaWallet(), { antenna: 'big' }), 400, 'INVALID_REQUEST'],
    ['a missing field', () => { const b = onboardBody(generateHotspotKey(), generateSolanaWallet()) as Record<string, unknown>; delete b.owner_signature; return b; }, 400, 'INVALID_REQUEST'],
    ['an address with a bad checksum', () => { const k = generateHotspotKey(); const b = onboardBody(k, generateSolanaWallet()); const a = k.address; return { ...b, address: a.slice(0, -1) + (a.endsWith('a') ? 'b' : 'a') }; }, 400, 'INVALID_ADDRESS'],
    ['an owner that is not a Solana key', () => onboardBody(generateHotspotKey(), generateSolanaWallet(), { owner: '1111111111111111111111111111111111' }), 400, 'INVALID_WALLET'],
    ['an already onboarded hotspot', () => onboardBody(key, wallet), 409, 'HOTSPOT_EXISTS'],
  ];
  for (const [name, body, status, code] of badOnboarding) {
    it(`refuses onboarding with ${name}: ${status} ${code}, nothing changed`, async () => {
      const before = await snapshot();
      const res = await net.app.inject({ method: 'POST', url: '/v1/hotspots', payload: body() });
      expect(res.statusCode).toBe(status);
      expect(res.json().code).toBe(code);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('applies an owner-signed assertion, from a cell or from lat/lng', async () => {
    let res = await net.app.inject({ method: 'POST', url: `/v1/hotspots/${key.address}/assert`, payload: assertBody({ nonce: 1 }) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ location: LISBON_CELL, region: 'EU868', gain: 30, elevation: 5, assert_nonce: 1 });
    const f: AssertionFields = { nonce: 2, location: h3.latLngToCell(38.73, -9.15, 12), region: 'EU868', gain: 40, elevation: 8, capability: 'data_only' };
    res = await net.app.inject({
      method: 'POST', url: `/v1/hotspots/${key.address}/assert`,
      payload: { nonce: 2, lat: 38.73, lng: -9.15, region: 'EU868', gain: 40, elevation: 8, capability: 'data_only', owner_signature: Buffer.from(wallet.sign(assertMessage(key.address, f))).toString('base64') },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ location: f.location, capability: 'data_only', assert_nonce: 2 });
    const history = await net.db.query(`SELECT nonce FROM hotspot_assertions WHERE address = $1 ORDER BY nonce`, [key.address]);
    expect(history.rows.map((r) => Number(r.nonce))).toEqual([1, 2]);
  });

  const badAsserts: [string, () => Record<string, unknown>, number, string][] = [
    ['a replayed nonce', () => assertBody({ nonce: 2 }), 409, 'NONCE_REPLAYED'],
    ['an older nonce', () => assertBody({ nonce: 1 }), 409, 'NONCE_REPLAYED'],
    ['a signature by someone other than the owner', () => assertBody({ nonce: 10 }, generateSolanaWallet()), 403, 'BAD_OWNER_SIGNATURE'],
    ['a signature over other values', () => ({ ...assertBody({ nonce: 10 }), gain: 55 }), 403, 'BAD_OWNER_SIGNATURE'],
    ['an invalid cell', () => assertBody({ nonce: 10, location: 'ffffffffffffffff'.slice(0, 15) }), 400, 'INVALID_LOCATION'],
    ['a cell of the wrong resolution', () => assertBody({ nonce: 10, location: h3.latLngToCell(38.72, -9.14, 9) }), 400, 'INVALID_LOCATION'],
    ['both a cell and lat/lng', () => assertBody({ nonce: 10 }, wallet, { lat: 1, lng: 2 }), 400, 'INVALID_LOCATION'],
    ['an unknown region', () => assertBody({ nonce: 10, region: 'MARS433' }), 400, 'UNKNOWN_REGION'],
    ['a gain above the region maximum EIRP', () => assertBody({ nonce: 10, region: 'EU868', gain: 175 }), 400, 'INVALID_GAIN'],
    ['an unknown field', () => assertBody({ nonce: 10 }, wallet, { color: 'red' }), 400, 'INVALID_REQUEST'],
    ['a capability that does not exist', () => ({ ...assertBody({ nonce: 10 }), capability: 'light' }), 400, 'INVALID_REQUEST'],
  ];
  for (const [name, body, status, code] of badAsserts) {
    it(`refuses an assertion with ${name}: ${status} ${code}, nothing changed`, async () => {
      const before = await snapshot();
      const history = (await net.db.query(`SELECT count(*) AS n FROM hotspot_assertions`)).rows[0];
      const res = await net.app.inject({ method: 'POST', url: `/v1/hotspots/${key.address}/assert`, payload: body() });
      expect(res.statusCode).toBe(status);
      expect(res.json().code).toBe(code);
      expect(await snapshot()).toEqual(before);
      expect((await net.db.query(`SELECT count(*) AS n FROM hotspot_assertions`)).rows[0]).toEqual(history);
    });
  }

  it('answers 404 HOTSPOT_NOT_FOUND for an unknown hotspot and 400 for a malformed address', async () => {
    const res = await net.app.inject({ method: 'GET', url: `/v1/hotspots/${generateHotspotKey().address}` });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('HOTSPOT_NOT_FOUND');
    const bad = await net.app.inject({ method: 'GET', url: '/v1/hotspots/not-an-address' });
    expect(bad.statusCode).toBe(400);
  });

  it('lists hotspots by owner with a cursor, and serves OpenAPI at /docs', async () => {
    const res = await net.app.inject({ method: 'GET', url: `/v1/hotspots?owner=${wallet.address}` });
    expect(res.json().hotspots.map((h: { address: string }) => h.address)).toEqual([key.address]);
    const docs = await net.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    expect(Object.keys(docs.json().paths)).toEqual(expect.arrayContaining(['/v1/hotspots', '/v1/hotspots/{address}/assert', '/v1/hotspots/{address}']));
  });
});
