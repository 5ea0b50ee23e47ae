// /healthz, /readyz and /metrics on a composed network: the real services in one process as
// `hexlight up` composes them (one registry, one readiness), a hotspot publishing over MQTT; then
// `hexlight ingest` alone serving its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { FastifyInstance } from 'fastify';
import mqtt from 'mqtt';
import { Keypair } from '@solana/web3.js';
import { buildHttpApp, createMetrics, createReadiness, silentLogger, systemClock, type Readiness } from '@hexlight/kit';
import { createTestDb, type TestDb } from '@hexlight/store';
import { createInProcessChain, type InProcessChain } from '@hexlight/chain';
import { createIngest, loadIngestConfig, onboardMessage, type Ingest } from '@hexlight/ingest';
import { createPoc, loadPocConfig, randomEntropySource, type Poc } from '@hexlight/poc';
import { createRewards, loadRewardsConfig, type Rewards } from '@hexlight/rewards';
import { createMaps, loadMapsConfig, type Maps } from '@hexlight/maps';
import { encodeSignedReport, generateHotspotKey, generateSolanaWallet, hotspotTopic, makeConnectPassword, signEd25519 } from '@hexlight/protocol';
import { addReadiness, adminMetrics, ingestMetrics, mapsMetrics, pocMetrics, rewardsMetrics } from '../src/observe.ts';

const ADMIN = randomBytes(16).toString('hex');

/** The value of one series in Prometheus text (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('operations endpoints on a composed network', () => {
  let db: TestDb;
  let ingest: Ingest;
  let poc: Poc;
  let chain: InProcessChain;
  let rewards: Rewards;
  let maps: Maps;
  let app: FastifyInstance;
  let readiness: Readiness;

  beforeAll(async () => {
    const log = silentLogger();
    db = await createTestDb();
    ingest = createIngest({ db, clock: systemClock, log }, loadIngestConfig({ INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', INGEST_VERIFY_WORKERS: '0', INGEST_BATCH_DELAY_MS: '2' }, { dbKind: db.kind }));
    await ingest.start();
    poc = createPoc({ db, clock: systemClock, log, entropySource: randomEntropySource, publish: (t, p, o) => ingest.publish(t, p, o) },
      loadPocConfig({ ENTROPY_INTERVAL_S: '86400', POC_VERIFY_INTERVAL_S: '86400', POC_STALE_AFTER_S: '1' }));
    await poc.start();
    chain = await createInProcessChain();
    rewards = createRewards({ db, clock: systemClock, log, chain, keys: { payer: chain.payer, mint: Keypair.generate() } }, loadRewardsConfig({ REWARDS_INTERVAL_S: '86400', ADMIN_TOKEN: ADMIN }));
    maps = createMaps({ db, clock: systemClock, log }, loadMapsConfig({ MAPS_ESTIMATE_INTERVAL_S: '0', MAPS_RATE_PER_MIN: '3' }));
    await maps.start();
    const metrics = createMetrics();
    ingestMetrics(metrics, ingest);
    pocMetrics(metrics, poc);
    rewardsMetrics(metrics, rewards);
    mapsMetrics(metrics, maps);
    adminMetrics(metrics);
    readiness = createReadiness({ timeoutMs: 1000 });
    addReadiness(readiness, db, { name: 'broker', ok: () => ingest.status().brokerConnected });
    app = await buildHttpApp({ title: 'ops', logger: false, plugins: [ingest.routes, poc.routes, rewards.routes, maps.routes], metrics, readiness });
    await app.ready();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await maps?.stop().catch(() => undefined);
    await rewards?.stop().catch(() => undefined);
    await poc?.stop().catch(() => undefined);
    await ingest?.stop().catch(() => undefined);
    await chain?.close();
    await db?.close().catch(() => undefined);
  });

  it('answers health, readiness and metrics; the counters move with a report; /readyz turns 503 without the store', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { store: { ok: true }, broker: { ok: true } } });

    const before = (await app.inject('/metrics')).body;
    expect(before).toContain('# HELP hexlight_ingest_reports_stored_total Reports durably stored');
    expect(before).toContain('# TYPE hexlight_ingest_reports_stored_total counter');
    for (const series of [
      'hexlight_ingest_reports_received_total', 'hexlight_ingest_reports_stored_total', 'hexlight_ingest_pending_reports',
      'hexlight_ingest_connections', 'hexlight_ingest_packets_stored_total', 'hexlight_ingest_packets_bought_total', 'hexlight_ingest_dc_burned_total',
      'hexlight_poc_beacons_verified_total', 'hexlight_rewards_last_closed_epoch', 'hexlight_rewards_payout_jobs_pending',
    ]) expect(sample(before, series), series).toBeTypeOf('number');
    expect(sample(before, 'hexlight_ingest_reports_stored_total')).toBe(0);
    expect(sample(before, 'hexlight_ingest_packets_not_bought_total{reason="insufficient_balance"}')).toBe(0);
    expect(sample(before, 'hexlight_rewards_last_closed_epoch')).toBe(-1);
    expect(before).toMatch(/^hexlight_process_resident_memory_bytes \d+/m);
    // Known labels exist at 0 before any work, so a dashboard's rate() has a series from the start.
    expect(sample(before, 'hexlight_poc_verdicts_total{kind="witness",verdict="invalid",reason="stale"}')).toBe(0);
    expect(sample(before, 'hexlight_poc_verdicts_total{kind="beacon",verdict="valid",reason="none"}')).toBe(0);
    expect(sample(before, 'hexlight_poc_verdicts_total{kind="beacon",verdict="invalid",reason="gateway_no_valid_witnesses"}')).toBe(0);
    expect(sample(before, 'hexlight_maps_api_requests_total{endpoint="point"}')).toBe(0);
    expect(sample(before, 'hexlight_maps_api_dc_billed_total')).toBe(0);
    expect(sample(before, 'hexlight_maps_api_rate_limited_total')).toBe(0);
    expect(sample(before, 'hexlight_admin_auth_failures_total')).toBe(0);

    // A hotspot onboards over HTTP and publishes one witness at QoS 1 (PUBACK = committed).
    const key = generateHotspotKey();
    const wallet = generateSolanaWallet();
    const ts = Math.floor(Date.now() / 1000);
    const msg = onboardMessage(key.address, wallet.address, ts);
    const onboard = await app.inject({
      method: 'POST', url: '/v1/hotspots',
      payload: { address: key.address, owner: wallet.address, timestamp: ts, hotspot_signature: Buffer.from(signEd25519(key.privateKey, msg)).toString('base64'), owner_signature: Buffer.from(wallet.sign(msg)).toString('base64') },
    });
    expect(onboard.statusCode).toBe(201);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.status().mqttPort}`, {
      clientId: key.address, username: key.address, password: makeConnectPassword(key, ts), protocolVersion: 4, reconnectPeriod: 0,
    });
    try {
      const witness = encodeSignedReport('witness', {
        pubKey: key.keyBinary, data: randomBytes(51), timestamp: BigInt(Date.now()) * 1_000_000n, tmst: 1, signal: -1000, snr: 40, frequency: 867_100_000, datarate: 0,
      }, key.privateKey).payload;
      await client.publishAsync(hotspotTopic(key.address, 'witness'), Buffer.from(witness), { qos: 1 });
      // The same bytes again: a duplicate, not stored twice.
      await client.publishAsync(hotspotTopic(key.address, 'witness'), Buffer.from(witness), { qos: 1 });
      const after = (await app.inject('/metrics')).body;
      expect(sample(after, 'hexlight_ingest_reports_stored_total')).toBe(1);
      expect(sample(after, 'hexlight_ingest_reports_duplicate_total')).toBe(1);
      expect(sample(after, 'hexlight_ingest_reports_received_total')).toBeGreaterThanOrEqual(2);
      expect(sample(after, 'hexlight_ingest_connections')).toBe(1);
      expect(sample(after, 'hexlight_ingest_last_batch_seconds{kind="report"}')).toBeGreaterThan(0);
      // The onboarding request is in the latency histogram under its route pattern and status.
      expect(sample(after, 'hexlight_http_request_duration_seconds_count{method="POST",route="/v1/hotspots",status="201"}')).toBe(1);
    } finally {
      await client.endAsync(true);
    }

    // The witness has no beacon: past POC_STALE_AFTER_S (1 s) the live verifier judges it stale.
    await new Promise((r) => setTimeout(r, 1100));
    await poc.verifyNow();
    // A carrier signs up, the operator grants DC (one wrong token first), the carrier queries the coverage API.
    const signup = (await app.inject({ method: 'POST', url: '/v1/orgs', payload: { name: 'carrier' } })).json() as { org: { id: string }; api_key: string };
    const grant = (authorization: string) => app.inject({ method: 'POST', url: `/v1/admin/orgs/${signup.org.id}/grants`, headers: { authorization }, payload: { dc: 100, ref: 'ops-test' } });
    expect((await grant('Bearer not-the-admin-token-at-all-00')).statusCode).toBe(401);
    expect((await grant(`Bearer ${ADMIN}`)).statusCode).toBe(201);
    const carrier = { authorization: `Bearer ${signup.api_key}` };
    expect((await app.inject({ url: '/v1/coverage/point?lat=38.72&lng=-9.14', headers: carrier })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/coverage/summary?bbox=-9.15,38.71,-9.13,38.73&res=8', headers: carrier })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/coverage/hexes?bbox=-9.15,38.71,-9.13,38.73&res=8', headers: carrier })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/coverage/point?lat=38.72&lng=-9.14', headers: carrier })).statusCode).toBe(429); // MAPS_RATE_PER_MIN=3
    const worked = (await app.inject('/metrics')).body;
    expect(sample(worked, 'hexlight_poc_verdicts_total{kind="witness",verdict="invalid",reason="stale"}')).toBe(1);
    expect(sample(worked, 'hexlight_poc_stale_total')).toBe(1);
    expect(sample(worked, 'hexlight_maps_api_requests_total{endpoint="point"}')).toBe(1);
    expect(sample(worked, 'hexlight_maps_api_requests_total{endpoint="summary"}')).toBe(1);
    expect(sample(worked, 'hexlight_maps_api_requests_total{endpoint="hexes"}')).toBe(1);
    expect(sample(worked, 'hexlight_maps_api_hexes_total{endpoint="point"}')).toBe(1);
    expect(sample(worked, 'hexlight_maps_api_dc_billed_total')).toBe(11); // point 1 + summary 10 + 0 hexes returned
    expect(sample(worked, 'hexlight_maps_api_rate_limited_total')).toBe(1);
    expect(sample(worked, 'hexlight_admin_auth_failures_total')).toBe(1);
    const billed = await db.query<{ dc: bigint }>('SELECT coalesce(sum(dc), 0)::int8 AS dc FROM maps_usage');
    expect(Number(billed.rows[0]!.dc)).toBe(11);

    await db.close();
    const down = await app.inject('/readyz');
    expect(down.statusCode).toBe(503);
    const body = down.json() as { status: string; checks: { store: { ok: boolean; error?: string }; broker: { ok: boolean } } };
    expect(body.status).toBe('not_ready');
    expect(body.checks.store.ok).toBe(false);
    expect(body.checks.broker.ok).toBe(true);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    readiness.shutdown();
    expect((await app.inject('/readyz')).json()).toMatchObject({ status: 'shutting_down' });
  }, 60_000);
});

describe('hexlight ingest alone', () => {
  let child: ChildProcess | null = null;
  let dataDir = '';
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('serves its own /readyz and /metrics (its series only) and stops cleanly on SIGTERM', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hexlight-ops-'));
    child = spawn(process.execPath, [resolve(import.meta.dirname, '../bin/hexlight.js'), 'ingest'], {
      env: { ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', INGEST_VERIFY_WORKERS: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.resume();
    const ready = await new Promise<{ http_port: number }>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('hexlight ingest not ready in 30 s')), 30_000);
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        if (!line.startsWith('{')) return;
        const msg = JSON.parse(line) as { event?: string; http_port: number };
        if (msg.event === 'ready') {
          clearTimeout(timer);
          res(msg);
        }
      });
    });
    const base = `http://127.0.0.1:${ready.http_port}`;
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ready', checks: { store: { ok: true }, broker: { ok: true } } });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(sample(text, 'hexlight_ingest_reports_stored_total')).toBe(0);
    expect(sample(text, 'hexlight_ingest_broker_connected')).toBe(1);
    expect(text).not.toContain('hexlight_poc_');
    expect(text).toContain('hexlight_http_request_duration_seconds_count{method="GET",route="/readyz",status="200"} 1');
    const exit = new Promise<number | null>((res) => child!.once('exit', (code) => res(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    child = null;
  }, 60_000);
});
