import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { silentLogger, systemClock } from '@hexlight/kit';
import { createTestDb, type Db } from '@hexlight/store';
import { dcForPayload, encodeDataUplink, encodeSignedReport, generateHotspotKey, hotspotTopic, reportIdHex, type HotspotKey } from '@hexlight/protocol';
import { createIngest, loadIngestConfig, RegistryStore, type Ingest } from '../src/index.ts';
import { countReports, endBrokerSessions, waitFor } from './helpers.ts';
import { moneyTotals, packetReport, seedOrg, sha256 } from './packet-fixtures.ts';

const BROKER = process.env.TEST_MQTT_URL;

// Runs against a real MQTT 5 broker (CI: this machine's Mosquitto). Without TEST_MQTT_URL it is
// reported as skipped, never as passed.
describe.skipIf(!BROKER)('external-broker mode: shared subscription, ack after commit (TEST_MQTT_URL)', () => {
  let db: Db;
  let workers: Ingest[];
  let publisher: MqttClient;
  let key: HotspotKey;
  const group = `t${randomUUID().slice(0, 8)}`;
  const workerEnv = (i: number) => ({
    INGEST_BROKER_URL: BROKER!, INGEST_SHARE_GROUP: group, INGEST_CLIENT_ID: `${group}-w${i}`, INGEST_SESSIONS: '4', INGEST_SESSION_CHECK_MS: '100',
    INGEST_SESSION_EXPIRY_S: '300', INGEST_VERIFY_WORKERS: '0', INGEST_BATCH_DELAY_MS: '2',
  });
  const held = (w: Ingest) => w.status().sessions?.held ?? 0;

  beforeAll(async () => {
    db = await createTestDb();
    key = generateHotspotKey();
    await new RegistryStore(db).onboard(key.address, key.keyBinary, '11111111111111111111111111111111', new Date());
    // Two ingest workers in one share group: the broker spreads the reports between them. The
    // first claims all 4 sessions, then hands 2 to the second when it joins.
    workers = [0, 1].map((i) => createIngest({ db, clock: systemClock, log: silentLogger() }, loadIngestConfig(workerEnv(i), { dbKind: db.kind })));
    await workers[0]!.start();
    expect(held(workers[0]!)).toBe(4);
    await workers[1]!.start();
    await waitFor(() => held(workers[0]!) === 2 && held(workers[1]!) === 2 && workers.every((w) => w.status().brokerConnected), 10_000, 'two sessions each');
    publisher = await mqtt.connectAsync(BROKER!, { protocolVersion: 5, clientId: `${group}-pub`, reconnectPeriod: 0 });
  });
  afterAll(async () => {
    await publisher?.endAsync();
    for (const w of workers ?? []) await w.stop();
    await endBrokerSessions(BROKER!, group, 4);
    await db?.close();
  });

  it('stores every report published to the broker exactly once, across both workers', async () => {
    const before = await countReports(db);
    const payloads = Array.from({ length: 300 }, (_, i) => encodeSignedReport('witness', {
      pubKey: key.keyBinary, data: randomBytes(51), timestamp: BigInt(Date.now() + i) * 1_000_000n, tmst: i, signal: -1200, snr: 20, frequency: 904_100_000, datarate: 3,
    }, key.privateKey).payload);
    await Promise.all(payloads.map((p) => publisher.publishAsync(hotspotTopic(key.address, 'witness'), Buffer.from(p), { qos: 1 })));
    // And a resend of the first 50: acknowledged by the broker, dropped by the store.
    await Promise.all(payloads.slice(0, 50).map((p) => publisher.publishAsync(hotspotTopic(key.address, 'witness'), Buffer.from(p), { qos: 1 })));
    const deadline = Date.now() + 15_000;
    while ((await countReports(db)).witnesses - before.witnesses < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    const rows = await db.query<{ id: Uint8Array; n: bigint }>(`SELECT id, count(*) AS n FROM witness_reports WHERE hotspot = $1 GROUP BY id`, [key.address]);
    const ids = new Map(rows.rows.map((r) => [Buffer.from(r.id).toString('hex'), Number(r.n)]));
    for (const p of payloads) expect(ids.get(reportIdHex(p))).toBe(1);
    expect(workers.every((w) => w.status().stored > 0)).toBe(true);
    expect(workers.reduce((a, w) => a + w.status().stored, 0)).toBe(300);
  });

  it('meters copies of frames that reach both workers: exactly multi_buy bought per frame, the books balanced', async () => {
    await seedOrg(db, { id: 'org_ext', multiBuy: 2, balance: 10_000, range: [0x5000_0000, 0x5000_00ff] });
    const hearers = [key, generateHotspotKey(), generateHotspotKey(), generateHotspotKey()];
    for (const h of hearers.slice(1)) await new RegistryStore(db).onboard(h.address, h.keyBinary, '11111111111111111111111111111111', new Date());
    const frames = Array.from({ length: 20 }, (_, f) => encodeDataUplink({ devAddr: 0x5000_0001, fcnt: f, fport: 1, payload: randomBytes(12) }));
    await Promise.all(frames.flatMap((phy) => hearers.map((h) => publisher.publishAsync(hotspotTopic(h.address, 'packet'), Buffer.from(packetReport(h, phy)), { qos: 1 }))));
    const stored = async () => Number((await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM packet_reports WHERE org_id = 'org_ext'`)).rows[0]!.n);
    const deadline = Date.now() + 15_000;
    while ((await stored()) < 80 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await stored()).toBe(80);
    for (const phy of frames) {
      const r = await db.query<{ n: bigint }>(`SELECT count(*) FILTER (WHERE bought) AS n FROM packet_reports WHERE payload_hash = $1`, [sha256(phy)]);
      expect(r.rows[0]!.n).toBe(2n);
    }
    const t = await moneyTotals(db);
    expect(t.burned).toBe(BigInt(20 * 2 * dcForPayload(frames[0]!.byteLength)));
    expect([t.copiesDc, t.sharesDc, t.granted - t.balances]).toEqual([t.burned, t.burned, t.burned]);
    expect(workers.every((w) => w.status().packets.stored > 0)).toBe(true);
  });

  it('keeps online/offline from the retained state topic', async () => {
    await publisher.publishAsync(hotspotTopic(key.address, 'state'), 'online', { qos: 1, retain: true });
    const online = async () => (await db.query<{ online: boolean }>(`SELECT online FROM hotspots WHERE address = $1`, [key.address])).rows[0]!.online;
    const deadline = Date.now() + 5000;
    while (!(await online()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(await online()).toBe(true);
    await publisher.publishAsync(hotspotTopic(key.address, 'state'), 'offline', { qos: 1, retain: true });
    while ((await online()) && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 25));
    expect(await online()).toBe(false);
    // Clear the retained message so later runs on this broker start clean.
    await publisher.publishAsync(hotspotTopic(key.address, 'state'), '', { qos: 1, retain: true });
  });

  it('answers a refused report on the rejected topic through the broker', async () => {
    const listener = await mqtt.connectAsync(BROKER!, { protocolVersion: 5, reconnectPeriod: 0 });
    await listener.subscribeAsync(hotspotTopic(key.address, 'rejected'), { qos: 0 });
    const bad = Buffer.from(encodeSignedReport('witness', {
      pubKey: key.keyBinary, data: randomBytes(51), timestamp: 1n, tmst: 1, signal: -1200, snr: 20, frequency: 904_100_000, datarate: 3,
    }, generateHotspotKey().privateKey).payload);
    // This machine's broker may carry other ingest deployments at the same time (another suite's
    // share group gets its own copy and, not knowing this hotspot, answers unknown_hotspot): wait
    // for this ingest's answer, the one that checked the signature.
    const answers: { reason: string; id: string }[] = [];
    const got = new Promise<{ reason: string; id: string }>((resolve) => listener.on('message', (_t, m) => {
      const answer = JSON.parse(m.toString()) as { reason: string; id: string };
      answers.push(answer);
      if (answer.reason !== 'unknown_hotspot') resolve(answer);
    }));
    await publisher.publishAsync(hotspotTopic(key.address, 'witness'), bad, { qos: 1 });
    const answer = await got;
    expect(answer).toEqual({ topic: hotspotTopic(key.address, 'witness'), id: reportIdHex(bad), reason: 'bad_signature' });
    await listener.endAsync();
  });

  it('a worker that leaves hands its sessions to the one that stays: what was queued for them is stored too', async () => {
    // A third worker joins (shares 2/1/1), then leaves while reports are in flight.
    const third = createIngest({ db, clock: systemClock, log: silentLogger() }, loadIngestConfig(workerEnv(2), { dbKind: db.kind }));
    await third.start();
    await waitFor(() => held(third) >= 1 && held(workers[0]!) + held(workers[1]!) + held(third) === 4, 10_000, 'the third worker\'s share');
    const before = await countReports(db);
    const payloads = Array.from({ length: 200 }, (_, i) => encodeSignedReport('witness', {
      pubKey: key.keyBinary, data: randomBytes(51), timestamp: BigInt(Date.now() + i) * 1_000_000n, tmst: i, signal: -1100, snr: 30, frequency: 904_300_000, datarate: 3,
    }, key.privateKey).payload);
    const sent = Promise.all(payloads.map((p) => publisher.publishAsync(hotspotTopic(key.address, 'witness'), Buffer.from(p), { qos: 1 })));
    await third.stop();
    await sent;
    // The leaver's sessions go back to the group and the others claim them (2 each again).
    await waitFor(() => held(workers[0]!) === 2 && held(workers[1]!) === 2, 10_000, 'the sessions back with the two workers');
    await waitFor(async () => (await countReports(db)).witnesses - before.witnesses >= 200, 15_000, 'every report stored');
    await new Promise((r) => setTimeout(r, 300));
    const rows = await db.query<{ id: Uint8Array; n: bigint }>(`SELECT id, count(*) AS n FROM witness_reports WHERE hotspot = $1 AND signal = -1100 GROUP BY id`, [key.address]);
    expect(rows.rows.length).toBe(200);
    expect(rows.rows.every((r) => Number(r.n) === 1)).toBe(true);
  });
});
