// The HTTP auth hooks EMQX 5 calls (services/ingest/src/broker-hook.ts), over a real socket, with
// the request bodies deploy/emqx/emqx.conf makes EMQX send: its `body` templates rendered, every
// placeholder a string, POSTed as JSON with the configured Authorization header.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTokenMessage, generateHotspotKey, makeConnectPassword, signEd25519, type HotspotKey } from '@hexlight/protocol';
import { buildHttpApp, silentLogger } from '@hexlight/kit';
import { createIngest, loadIngestConfig, HOOK_PATHS } from '../src/index.ts';
import { startTestNetwork, type TestNetwork } from './helpers.ts';

const HOOK_TOKEN = 'hook-token-0123456789abcdef';
const SERVICE = { user: 'ingest', pass: 'service-pass-1' };

interface Reply { status: number; body: Record<string, unknown> }

describe('broker HTTP auth hooks (EMQX 5 authn/authz over HTTP)', () => {
  let net: TestNetwork;
  let base: string;
  let a: HotspotKey;
  let b: HotspotKey;
  const now = () => Math.floor(net.clock.now() / 1000);

  async function post(path: string, body: unknown, token: string | null = HOOK_TOKEN, url = base): Promise<Reply> {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return { status: res.status, body: await res.json() as Record<string, unknown> };
  }
  // EMQX: body { clientid = "${clientid}", username = "${username}", password = "${password}", peerhost = "${peerhost}" }
  const authn = (clientid: string, username: string, password: string) =>
    post(HOOK_PATHS.authenticate, { clientid, username, password, peerhost: '172.18.0.9' });
  // EMQX: body { clientid = "${clientid}", username = "${username}", topic = "${topic}", action = "${action}" }
  const authz = (clientid: string, username: string, topic: string, action: 'publish' | 'subscribe') =>
    post(HOOK_PATHS.authorize, { clientid, username, topic, action });

  beforeAll(async () => {
    net = await startTestNetwork({ INGEST_BROKER_HOOK_TOKEN: HOOK_TOKEN, INGEST_SERVICE_USERS: `${SERVICE.user}:${SERVICE.pass},poc:other-pass` });
    base = await net.app.listen({ port: 0, host: '127.0.0.1' });
    a = (await net.onboard()).key;
    b = (await net.onboard()).key;
  });
  afterAll(async () => net?.close());

  describe('authentication', () => {
    it('allows a registered hotspot with a valid connect token, not as a superuser', async () => {
      expect(await authn(a.address, a.address, makeConnectPassword(a, now()))).toEqual({ status: 200, body: { result: 'allow', is_superuser: false } });
    });

    it('allows a token at the edge of the ±300 s window and denies one just past it (stale)', async () => {
      expect((await authn(a.address, a.address, makeConnectPassword(a, now() - 300))).body.result).toBe('allow');
      expect(await authn(a.address, a.address, makeConnectPassword(a, now() - 301))).toEqual({ status: 200, body: { result: 'deny', is_superuser: false } });
      expect((await authn(a.address, a.address, makeConnectPassword(a, now() + 301))).body.result).toBe('deny');
    });

    it('denies a forged signature: b signing a\'s connect statement, or a flipped signature byte', async () => {
      const ts = now();
      const forged = `v1.${ts}.${Buffer.from(signEd25519(b.privateKey, connectTokenMessage(a.address, ts))).toString('base64url')}`;
      expect((await authn(a.address, a.address, forged)).body).toEqual({ result: 'deny', is_superuser: false });
      const good = makeConnectPassword(a, ts);
      const flipped = good.slice(0, -2) + (good.at(-2) === 'A' ? 'B' : 'A') + good.at(-1);
      expect((await authn(a.address, a.address, flipped)).body.result).toBe('deny');
      expect((await authn(a.address, a.address, '')).body.result).toBe('deny');
    });

    it('denies a hotspot that is not onboarded, even with a token its own key signed', async () => {
      const stranger = generateHotspotKey();
      expect((await authn(stranger.address, stranger.address, makeConnectPassword(stranger, now()))).body).toEqual({ result: 'deny', is_superuser: false });
      expect((await authn('not-an-address', 'not-an-address', 'v1.1.x')).body.result).toBe('deny');
    });

    it('denies a client id other than the username (and an empty username)', async () => {
      const pass = makeConnectPassword(a, now());
      expect((await authn(b.address, a.address, pass)).body.result).toBe('deny');
      expect((await authn(`${a.address}-2`, a.address, pass)).body.result).toBe('deny');
      expect((await authn(a.address, '', pass)).body.result).toBe('deny');
    });

    it('allows a service user with its password as a superuser, denies a wrong or missing password', async () => {
      expect(await authn('ingest-1-0', SERVICE.user, SERVICE.pass)).toEqual({ status: 200, body: { result: 'allow', is_superuser: true } });
      expect(await authn('ingest-1-0', SERVICE.user, `${SERVICE.pass}x`)).toEqual({ status: 200, body: { result: 'deny', is_superuser: false } });
      expect((await authn('ingest-1-0', SERVICE.user, SERVICE.pass.slice(0, -1))).body.result).toBe('deny');
      expect((await authn('ingest-1-0', SERVICE.user, '')).body.result).toBe('deny');
      // One service's password does not open another's account.
      expect((await authn('poc-1', 'poc', SERVICE.pass)).body.result).toBe('deny');
    });
  });

  describe('authorization', () => {
    it('allows a hotspot its own topics: publish under hotspot/<own>/…, subscribe to its own tree and network/#', async () => {
      for (const leaf of ['beacon', 'witness', 'packet', 'state']) {
        expect(await authz(a.address, a.address, `hotspot/${a.address}/${leaf}`, 'publish')).toEqual({ status: 200, body: { result: 'allow' } });
      }
      for (const filter of [`hotspot/${a.address}/#`, `hotspot/${a.address}/rejected`, 'network/#', 'network/entropy', 'network/region/+']) {
        expect((await authz(a.address, a.address, filter, 'subscribe')).body, filter).toEqual({ result: 'allow' });
      }
    });

    it('denies another hotspot\'s topics, wildcards past its own prefix, and $share/$queue filters', async () => {
      const denied: [string, 'publish' | 'subscribe'][] = [
        [`hotspot/${b.address}/witness`, 'publish'],
        [`hotspot/${b.address}/#`, 'subscribe'],
        ['hotspot/+/beacon', 'subscribe'],
        ['hotspot/#', 'subscribe'],
        ['#', 'subscribe'],
        ['+/+/+', 'subscribe'],
        ['$SYS/#', 'subscribe'],
        [`$share/ingest/hotspot/${a.address}/#`, 'subscribe'],
        ['$share/ingest/hotspot/+/+', 'subscribe'],
        [`$queue/hotspot/${a.address}/#`, 'subscribe'],
        ['network/entropy', 'publish'],
        [`hotspot/${a.address}/#`, 'publish'],
        [`hotspot/${a.address}`, 'publish'],
      ];
      for (const [topic, action] of denied) {
        expect(await authz(a.address, a.address, topic, action), `${action} ${topic}`).toEqual({ status: 200, body: { result: 'deny' } });
      }
    });

    it('denies a request whose client id is not its username', async () => {
      expect((await authz(b.address, a.address, `hotspot/${a.address}/witness`, 'publish')).body).toEqual({ result: 'deny' });
    });

    it('allows a service user everything (EMQX skips authz for superusers; if asked anyway the answer is the same)', async () => {
      expect((await authz('ingest-1-0', SERVICE.user, '$share/ingest/hotspot/+/+', 'subscribe')).body).toEqual({ result: 'allow' });
      expect((await authz('ingest-1-pub', SERVICE.user, `hotspot/${a.address}/rejected`, 'publish')).body).toEqual({ result: 'allow' });
      expect((await authz('poc-1', 'poc', 'network/entropy', 'publish')).body).toEqual({ result: 'allow' });
    });
  });

  describe('the hook\'s own credential and bad bodies', () => {
    it('refuses a missing, wrong or non-Bearer token with 401 BROKER_HOOK_UNAUTHORIZED, before reading the body', async () => {
      const body = { clientid: a.address, username: a.address, password: makeConnectPassword(a, now()), peerhost: '10.0.0.1' };
      for (const token of [null, '', 'hook-token-0123456789abcdeX', `${HOOK_TOKEN}x`, HOOK_TOKEN.slice(1)]) {
        const r = await post(HOOK_PATHS.authenticate, body, token);
        expect(r.status, String(token)).toBe(401);
        expect(r.body.code).toBe('BROKER_HOOK_UNAUTHORIZED');
      }
      const basic = await fetch(`${base}${HOOK_PATHS.authorize}`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${HOOK_TOKEN}` }, body: '{}',
      });
      expect(basic.status).toBe(401);
      expect(((await basic.json()) as { code: string }).code).toBe('BROKER_HOOK_UNAUTHORIZED');
    });

    it('answers 400 INVALID_REQUEST for a body EMQX would not send', async () => {
      const good = { clientid: a.address, username: a.address, password: 'x', peerhost: '10.0.0.1' };
      const bad: [string, unknown][] = [
        [HOOK_PATHS.authenticate, { ...good, extra: '1' }],
        [HOOK_PATHS.authenticate, { clientid: a.address, username: a.address, peerhost: '10.0.0.1' }],
        [HOOK_PATHS.authenticate, { ...good, password: { $gt: '' } }],
        [HOOK_PATHS.authorize, { clientid: a.address, username: a.address, topic: 't', action: 'all' }],
        [HOOK_PATHS.authorize, { clientid: a.address, username: a.address, topic: 't', action: 'publish', qos: '1' }],
        [HOOK_PATHS.authorize, { clientid: a.address, username: a.address, action: 'subscribe' }],
      ];
      for (const [path, body] of bad) {
        const r = await post(path, body);
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.body.code).toBe('INVALID_REQUEST');
      }
    });

    it('is off with 403 BROKER_HOOK_DISABLED when INGEST_BROKER_HOOK_TOKEN is unset; the registry is unaffected', async () => {
      const ingest = createIngest({ db: net.db, clock: net.clock, log: silentLogger() }, loadIngestConfig({ INGEST_VERIFY_WORKERS: '0' }));
      const app = await buildHttpApp({ title: 'test', logger: false, plugins: [ingest.routes] });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        for (const token of [HOOK_TOKEN, null]) {
          const r = await post(HOOK_PATHS.authenticate, { clientid: a.address, username: a.address, password: makeConnectPassword(a, now()), peerhost: '10.0.0.1' }, token, url);
          expect(r.status).toBe(403);
          expect(r.body.code).toBe('BROKER_HOOK_DISABLED');
        }
        const hotspot = await fetch(`${url}/v1/hotspots/${a.address}`);
        expect(hotspot.status).toBe(200);
        expect(((await hotspot.json()) as { address: string }).address).toBe(a.address);
        expect(ingest.status().brokerHook.decisions.authenticate).toEqual({ allow: 0, deny: 0 });
      } finally {
        await app.close();
      }
    });
  });

  it('counts every decision by action and result, and denials by reason', async () => {
    const before = net.ingest.status().brokerHook;
    await authn(a.address, a.address, makeConnectPassword(a, now()));
    await authn(a.address, a.address, makeConnectPassword(a, now() - 1000));
    await authn(b.address, a.address, makeConnectPassword(a, now()));
    const stranger = generateHotspotKey();
    await authn(stranger.address, stranger.address, makeConnectPassword(stranger, now()));
    await authn('svc', SERVICE.user, 'nope');
    await authz(a.address, a.address, `hotspot/${a.address}/beacon`, 'publish');
    await authz(a.address, a.address, `hotspot/${b.address}/beacon`, 'publish');
    await authz(a.address, a.address, '#', 'subscribe');
    await post(HOOK_PATHS.authorize, { clientid: 'x' }); // 400: no decision
    await post(HOOK_PATHS.authorize, {}, 'wrong'); // 401: no decision
    const after = net.ingest.status().brokerHook;
    const delta = (x: { allow: number; deny: number }, y: { allow: number; deny: number }) => ({ allow: x.allow - y.allow, deny: x.deny - y.deny });
    expect(delta(after.decisions.authenticate, before.decisions.authenticate)).toEqual({ allow: 1, deny: 4 });
    expect(delta(after.decisions.publish, before.decisions.publish)).toEqual({ allow: 1, deny: 1 });
    expect(delta(after.decisions.subscribe, before.decisions.subscribe)).toEqual({ allow: 0, deny: 1 });
    expect(Object.fromEntries(Object.entries(after.denied).map(([k, v]) => [k, v - before.denied[k as keyof typeof before.denied]]))).toEqual({
      bad_token: 1, unknown_hotspot: 1, client_id_mismatch: 1, bad_password: 1, acl: 2,
    });
  });
});
