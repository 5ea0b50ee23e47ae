import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceleratedClock, clockFromDescription, systemClock } from '@hexlight/kit';
import { generateHotspotKey, generateSolanaWallet, makeConnectPassword } from '@hexlight/protocol';
import { onboardMessage } from '../src/index.ts';
import { signWith, startTestNetwork, type TestNetwork } from './helpers.ts';

describe('the network clock (GET /v1/network/clock)', () => {
  it('describes real time as speed 1 from the Unix origin', async () => {
    const net = await startTestNetwork({}, systemClock);
    try {
      const res = await net.app.inject({ method: 'GET', url: '/v1/network/clock' });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { now_ms: number; speed: number; origin_real_ms: number; origin_clock_ms: number };
      expect(body).toMatchObject({ speed: 1, origin_real_ms: 0, origin_clock_ms: 0 });
      expect(Math.abs(body.now_ms - Date.now())).toBeLessThan(1000);
    } finally {
      await net.close();
    }
  });
});

describe('ingest on a clock 600 times faster than real time', () => {
  const clock = acceleratedClock(600, Date.UTC(2026, 0, 5));
  let net: TestNetwork;
  beforeAll(async () => {
    net = await startTestNetwork({}, clock);
  });
  afterAll(async () => net?.close());

  it('serves a description that rebuilds its clock', async () => {
    const body = (await net.app.inject({ method: 'GET', url: '/v1/network/clock' })).json() as { now_ms: number; speed: number; origin_real_ms: number; origin_clock_ms: number };
    expect(body.speed).toBe(600);
    const copy = clockFromDescription({ speed: body.speed, originRealMs: body.origin_real_ms, originClockMs: body.origin_clock_ms });
    expect(Math.abs(copy.now() - clock.now())).toBeLessThanOrEqual(600 * 2);
  });

  function onboardAt(timestamp: number) {
    const key = generateHotspotKey();
    const wallet = generateSolanaWallet();
    const msg = onboardMessage(key.address, wallet.address, timestamp);
    return net.app.inject({
      method: 'POST', url: '/v1/hotspots',
      payload: { address: key.address, owner: wallet.address, timestamp, hotspot_signature: Buffer.from(signWith(key, msg)).toString('base64'), owner_signature: Buffer.from(wallet.sign(msg)).toString('base64') },
    });
  }

  it('lets a signed timestamp be 5 real seconds old (3000 network seconds), not more: request latency is real', async () => {
    const nowS = Math.floor(clock.now() / 1000);
    expect((await onboardAt(nowS - 2_400)).statusCode).toBe(201);
    const stale = await onboardAt(nowS - 3_600);
    expect(stale.statusCode).toBe(400);
    expect(stale.json()).toMatchObject({ code: 'STALE_TIMESTAMP' });
  });

  it('accepts connect tokens in network time, 2400 network seconds old too', async () => {
    const { key } = await net.onboard();
    const client = await net.connect(key, { password: makeConnectPassword(key, Math.floor(clock.now() / 1000) - 2_400) });
    expect(client.connected).toBe(true);
    const late = (await net.onboard()).key;
    await expect(net.connect(late, { password: makeConnectPassword(late, Math.floor(clock.now() / 1000) - 3_600) })).rejects.toThrow(/Bad username or password|Not authorized/i);
  });
});
