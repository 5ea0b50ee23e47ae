import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as h3 from 'h3-js';
import mqtt, { type MqttClient } from 'mqtt';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp, ManualClock, silentLogger } from '@hexlight/kit';
import { createTestDb, type Db } from '@hexlight/store';
import {
  decodeEntropy, deriveBeacon, encodeSignedReport, ENTROPY_TOPIC, generateHotspotKey, generateSolanaWallet, hotspotTopic,
  makeConnectPassword, reportIdHex, signEd25519, type EntropyReport, type HotspotKey, type SolanaWallet,
} from '@hexlight/protocol';
import { assertMessage, createIngest, loadIngestConfig, onboardMessage, type Ingest } from '@hexlight/ingest';
import { createPoc, loadPocConfig, type Poc } from '../src/service.ts';
import { randomEntropySource } from '../src/entropy.ts';
import { exportReplayEvents } from '../src/export.ts';
import { replayLines } from '../src/replay.ts';
import { rulesetByName } from '../src/verifier/rulesets.ts';

// MQTT publish → ingest → store → live verifier → verdicts through the owner API, on one clock.
describe('live verifier end to end', () => {
  const T0 = Date.UTC(2026, 0, 5, 1, 0, 0); // 01:00 UTC: the next 6-h window starts at 06:00
  const clock = new ManualClock(T0);
  let db: Db;
  let ingest: Ingest;
  let poc: Poc;
  let app: FastifyInstance;
  const hotspots: { key: HotspotKey; wallet: SolanaWallet; client?: MqttClient; entropy?: EntropyReport }[] = [];
  const spots = [[38.72, -9.14], [38.735, -9.14], [38.72, -9.12]] as const;

  beforeAll(async () => {
    db = await createTestDb();
    ingest = createIngest({ db, clock, log: silentLogger() }, loadIngestConfig({ INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', INGEST_VERIFY_WORKERS: '0', INGEST_BATCH_DELAY_MS: '1' }, { dbKind: db.kind }));
    await ingest.start();
    poc = createPoc({ db, clock, log: silentLogger(), entropySource: randomEntropySource, publish: (t, p, o) => ingest.publish(t, p, o) },
      loadPocConfig({ ENTROPY_INTERVAL_S: '3600', POC_VERIFY_INTERVAL_S: '3600', ADMIN_TOKEN: 'admin-secret-0123456789abcdef' }));
    await poc.start();
    app = await buildHttpApp({ title: 'test', logger: false, plugins: [ingest.routes, poc.routes] });
    await app.ready();
    for (const [lat, lng] of spots) {
      const key = generateHotspotKey();
      const wallet = generateSolanaWallet();
      const ts = Math.floor(clock.now() / 1000);
      const msg = onboardMessage(key.address, wallet.address, ts);
      const res = await app.inject({ method: 'POST', url: '/v1/hotspots', payload: { address: key.address, owner: wallet.address, timestamp: ts, hotspot_signature: Buffer.from(signEd25519(key.privateKey, msg)).toString('base64'), owner_signature: Buffer.from(wallet.sign(msg)).toString('base64') } });
      expect(res.statusCode).toBe(201);
      const fields = { nonce: 1, location: h3.latLngToCell(lat, lng, 12), region: 'EU868', gain: 30, elevation: 5, capability: 'full' as const };
      const a = await app.inject({ method: 'POST', url: `/v1/hotspots/${key.address}/assert`, payload: { ...fields, owner_signature: Buffer.from(wallet.sign(assertMessage(key.address, fields))).toString('base64') } });
      expect(a.statusCode).toBe(200);
      const h: (typeof hotspots)[number] = { key, wallet };
      h.client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.status().mqttPort}`, { clientId: key.address, username: key.address, password: makeConnectPassword(key, ts), protocolVersion: 4, reconnectPeriod: 0 });
      h.client.on('message', (topic, payload) => { if (topic === ENTROPY_TOPIC) h.entropy = decodeEntropy(payload); });
      await h.client.subscribeAsync(ENTROPY_TOPIC, { qos: 1 });
      hotspots.push(h);
    }
  });
  afterAll(async () => {
    for (const h of hotspots) await h.client?.endAsync();
    await app?.close();
    await poc?.stop();
    await ingest?.stop();
    await db?.close();
  });

  async function waitForEntropy(ts: number) {
    const deadline = Date.now() + 5000;
    while (hotspots.some((h) => h.entropy?.timestamp !== ts) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(hotspots.every((h) => h.entropy?.timestamp === ts)).toBe(true);
  }

  /** `beaconer` beacons on the latest entropy; the others witness 200 ms later. Returns the poc id. */
  async function round(beaconer: number): Promise<string> {
    const b = hotspots[beaconer]!;
    const entropy = b.entropy!;
    const local = Buffer.from([1, 2, 3, beaconer]);
    const derived = deriveBeacon({ remoteEntropy: entropy, localEntropy: local, region: 'EU868', gain: 30 });
    const { payload } = encodeSignedReport('beacon', {
      pubKey: b.key.keyBinary, localEntropy: local, remoteEntropy: entropy.data, data: derived.data, frequency: derived.frequency,
      channel: 0, datarate: derived.datarateValue, txPower: derived.conductedPower, timestamp: BigInt(clock.now()) * 1_000_000n, tmst: 1000,
    }, b.key.privateKey);
    await b.client!.publishAsync(hotspotTopic(b.key.address, 'beacon'), Buffer.from(payload), { qos: 1 });
    clock.advance(200);
    for (const [i, w] of hotspots.entries()) {
      if (i === beaconer) continue;
      const report = encodeSignedReport('witness', {
        pubKey: w.key.keyBinary, data: derived.data, timestamp: BigInt(clock.now()) * 1_000_000n, tmst: 2000 + i,
        signal: -1100 - i, snr: 50, frequency: derived.frequency, datarate: derived.datarateValue,
      }, w.key.privateKey);
      await w.client!.publishAsync(hotspotTopic(w.key.address, 'witness'), Buffer.from(report.payload), { qos: 1 });
    }
    return reportIdHex(payload);
  }

  it('verifies PoCs once their entropy expires and serves verdicts with reasons and numbers', async () => {
    await waitForEntropy(Math.floor(T0 / 1000));
    clock.advance(10_000);
    const first = await round(0);
    expect(await poc.verifyNow()).toBe(0); // entropy not expired yet: witnesses may still come
    clock.advance(200_000);
    expect(await poc.verifyNow()).toBe(1);

    let res = await app.inject({ method: 'GET', url: `/v1/pocs/${first}` });
    expect(res.statusCode).toBe(200);
    let body = res.json();
    // Nobody has witnessed before: the first beacon cannot pass reciprocity (Helium's rule).
    expect(body).toMatchObject({ poc_id: first, beaconer: hotspots[0]!.key.address, valid: false, reason: 'gateway_no_valid_witnesses', ruleset: 'hexlight' });
    expect(body.witnesses).toHaveLength(2);
    for (const w of body.witnesses) expect(w).toMatchObject({ valid: false, reason: 'gateway_no_valid_witnesses', side: 'beaconer', selected: false });
    // Counted once the verdict transaction committed, by kind, verdict and reason (/metrics reads it).
    expect(poc.stats().verdicts).toEqual({
      beacon: { valid: {}, invalid: { gateway_no_valid_witnesses: 1 } },
      witness: { valid: {}, invalid: { gateway_no_valid_witnesses: 2 } },
    });

    // Next 6-h window, new entropy: hotspot 1 witnessed last round, hotspot 0 beaconed with witnesses.
    clock.set(Date.UTC(2026, 0, 5, 7, 0, 0));
    await poc.rotateEntropy();
    await waitForEntropy(Math.floor(clock.now() / 1000));
    clock.advance(5_000);
    const second = await round(1);
    clock.advance(200_000);
    expect(await poc.verifyNow()).toBe(1);
    res = await app.inject({ method: 'GET', url: `/v1/pocs/${second}` });
    body = res.json();
    expect(body).toMatchObject({ valid: true, reason: null, reward_unit: 0.25 });
    expect(body.hex_scale).toBeGreaterThan(0);
    const byAddress = new Map(body.witnesses.map((w: { witness: string }) => [w.witness, w]));
    expect(byAddress.get(hotspots[0]!.key.address)).toMatchObject({ valid: true, selected: true, reward_unit: 1 });
    const w0 = byAddress.get(hotspots[0]!.key.address) as { evidence: { distanceM: number; expectedRssiDbm: number; measuredRssiDbm: number } };
    expect(w0.evidence.distanceM).toBeGreaterThan(1000);
    expect(w0.evidence.measuredRssiDbm).toBeLessThan(w0.evidence.expectedRssiDbm);
    // Hotspot 2 never had a beacon with witnesses: HIP-106 witness reciprocity.
    expect(byAddress.get(hotspots[2]!.key.address)).toMatchObject({ valid: false, reason: 'gateway_no_valid_beacons' });

    const shares = await db.query<{ hotspot: string; role: string; shares: string }>(`SELECT hotspot, role, shares FROM poc_reward_shares WHERE poc_id = $1 ORDER BY role`, [Buffer.from(second, 'hex')]);
    expect(shares.rows.map((r) => [r.hotspot, r.role])).toEqual([[hotspots[1]!.key.address, 'beacon'], [hotspots[0]!.key.address, 'witness']]);

    const list = (await app.inject({ method: 'GET', url: `/v1/hotspots/${hotspots[2]!.key.address}/poc` })).json();
    expect(list.witnesses.map((w: { reason: string }) => w.reason)).toEqual(['gateway_no_valid_beacons', 'gateway_no_valid_witnesses']);
    const summary = (await app.inject({ method: 'GET', url: `/v1/hotspots/${hotspots[2]!.key.address}/poc/summary?hours=24` })).json();
    expect(summary.witnesses).toEqual({ valid: 0, invalid: { gateway_no_valid_beacons: 1, gateway_no_valid_witnesses: 1 } });

    // Restart safety: a second pass judges nothing twice.
    expect(await poc.verifyNow()).toBe(0);
    expect(poc.stats().verdicts).toEqual({
      beacon: { valid: { none: 1 }, invalid: { gateway_no_valid_witnesses: 1 } },
      witness: { valid: { none: 1 }, invalid: { gateway_no_valid_witnesses: 2, gateway_no_valid_beacons: 1 } },
    });
    const counts = await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM witness_verdicts`);
    expect(Number(counts.rows[0]!.n)).toBe(4);
  });

  it('replaying the exported period gives the verdicts the live runner stored', async () => {
    const events = await exportReplayEvents(db, { fromMs: T0 - 3_600_000, toMs: clock.now() + 1 });
    expect(events.filter((e) => e.includes('"kind":"beacon"'))).toHaveLength(2);
    const replayed = (await replayLines(events, { rules: rulesetByName('hexlight') })).map((l) => JSON.parse(l) as {
      poc_id: string; beacon: { valid: boolean; reason: string | null; hex_scale: number | null; reward_unit: number };
      witnesses: { address: string; valid: boolean; reason: string | null; selected: boolean; reward_unit: number }[];
    });
    expect(replayed).toHaveLength(2);
    for (const line of replayed) {
      const live = (await app.inject({ method: 'GET', url: `/v1/pocs/${line.poc_id}` })).json();
      expect({ valid: line.beacon.valid, reason: line.beacon.reason, hex_scale: line.beacon.hex_scale, reward_unit: line.beacon.reward_unit })
        .toEqual({ valid: live.valid, reason: live.reason, hex_scale: live.hex_scale, reward_unit: live.reward_unit });
      const liveWitnesses = live.witnesses.map((w: { witness: string; valid: boolean; reason: string | null; selected: boolean; reward_unit: number }) =>
        ({ address: w.witness, valid: w.valid, reason: w.reason, selected: w.selected, reward_unit: w.reward_unit }));
      expect(line.witnesses.map((w) => ({ address: w.address, valid: w.valid, reason: w.reason, selected: w.selected, reward_unit: w.reward_unit }))).toEqual(liveWitnesses);
    }
  });

  it('keeps the denylist behind the admin token', async () => {
    const target = hotspots[2]!.key.address;
    expect((await app.inject({ method: 'POST', url: '/v1/admin/denylist', payload: { address: target, tag: 'v1' } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/admin/denylist', headers: { authorization: 'Bearer wrong-secret!' }, payload: { address: target, tag: 'v1' } })).json().code).toBe('ADMIN_UNAUTHORIZED');
    expect((await app.inject({ method: 'POST', url: '/v1/admin/denylist', headers: { authorization: 'Bearer admin-secret-0123456789abcdef' }, payload: { address: target, tag: 'v1' } })).statusCode).toBe(204);
    const list = (await app.inject({ method: 'GET', url: '/v1/admin/denylist', headers: { authorization: 'Bearer admin-secret-0123456789abcdef' } })).json();
    expect(list.keys).toEqual([{ address: target, tag: 'v1' }]);
  });
});
