import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectAsync } from 'mqtt';
import { brokerTlsOptions, freePort, loadBrokerTls, silentLogger, systemClock } from '@hexlight/kit';
import { createTestDb, type TestDb } from '@hexlight/store';
import { createMaps, loadMapsConfig } from '@hexlight/maps';
import { mqttLinks } from '@hexlight/hotspot-sim';
import { serveHttp } from '../src/http.ts';
import { pocBrokerOptions } from '../src/commands/poc.ts';
// The broker fixture lives with the ingest tests, its main user.
import { findMosquitto, startMosquittoTls, type MosquittoTls } from '../../../services/ingest/test/mosquitto-tls.ts';

const BIN = await findMosquitto();
const CI = process.env.CI === 'true';
const WHY = 'no mosquitto binary (PATH, /usr/sbin, or MOSQUITTO_BIN)';
const HEXLIGHT = resolve(import.meta.dirname, '../bin/hexlight.js');

function needMosquitto(ctx: TestContext): boolean {
  if (BIN) return true;
  if (CI) throw new Error(`CI=true: ${WHY}`);
  ctx.skip(WHY);
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('every broker client over mqtts:// with BROKER_TLS_* (a real Mosquitto with TLS listeners)', () => {
  let broker: MosquittoTls | null = null;
  let child: ChildProcess | null = null;
  let dataDir = '';

  beforeAll(async () => {
    if (BIN) broker = await startMosquittoTls(BIN);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await broker?.stop();
  });

  it('hexlight ingest with the wrong CA: /readyz not ready with the handshake error, a log line naming it, no crash', async (ctx) => {
    if (!needMosquitto(ctx)) return;
    dataDir = await mkdtemp(join(tmpdir(), 'hexlight-tls-'));
    const httpPort = await freePort();
    child = spawn(process.execPath, [HEXLIGHT, 'ingest'], {
      env: {
        ...process.env, DATA_DIR: dataDir, HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1', HTTP_PORT_FALLBACK: 'false', INGEST_VERIFY_WORKERS: '0', LOG_LEVEL: 'warn',
        INGEST_BROKER_URL: broker!.url, INGEST_SESSIONS: '1', BROKER_TLS_CA: broker!.material.otherCaFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = ''; // the log line may be on either stream
    child.stderr!.on('data', (b: Buffer) => { output += b.toString(); });
    child.stdout!.on('data', (b: Buffer) => { output += b.toString(); });
    const deadline = Date.now() + 30_000;
    let body: { status: string; checks: Record<string, { ok: boolean; error?: string }> } | undefined;
    while (Date.now() < deadline) {
      const r = await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => null);
      if (r) {
        expect(r.status).toBe(503);
        body = await r.json() as typeof body;
        if (body!.checks.broker?.error?.includes('SELF_SIGNED')) break;
      }
      await sleep(200);
    }
    expect(body).toMatchObject({ status: 'not_ready', checks: { store: { ok: true }, broker: { ok: false } } });
    expect(body!.checks.broker!.error).toBe('broker not connected: SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain');
    const line = output.split('\n').find((l) => l.includes('ingest.external.socket-error'));
    expect(JSON.parse(line!)).toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN', tls: true, port: Number(new URL(broker!.url).port) });
    expect(child.exitCode).toBeNull(); // still running and retrying
    const exit = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    child = null;
  }, 60_000);

  it('poc: the entropy publisher connects over mqtts with BROKER_TLS_CA, and not with the system CAs', async (ctx) => {
    if (!needMosquitto(ctx)) return;
    const opts = pocBrokerOptions(broker!.url, { BROKER_TLS_CA: broker!.material.caFile });
    expect(opts).toMatchObject({ ca: broker!.material.ca.toString(), rejectUnauthorized: true });
    const client = await connectAsync(broker!.url, { ...opts, reconnectPeriod: 0 });
    await client.publishAsync('network/entropy-test', 'x', { qos: 1 });
    await client.endAsync();
    await expect(connectAsync(broker!.url, { ...pocBrokerOptions(broker!.url, {}), reconnectPeriod: 0 })).rejects.toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(pocBrokerOptions('mqtt://127.0.0.1:1883', { BROKER_TLS_CA: broker!.material.caFile }).ca).toBeUndefined();
  });

  it('maps subscribes over mqtts with BROKER_TLS_CA and a client certificate', async (ctx) => {
    if (!needMosquitto(ctx)) return;
    const db: TestDb = await createTestDb();
    const m = broker!.material;
    const maps = createMaps({ db, clock: systemClock, log: silentLogger() }, loadMapsConfig({
      MAPS_BROKER_URL: broker!.mtlsUrl, MAPS_ESTIMATE_INTERVAL_S: '0', BROKER_TLS_CA: m.caFile, BROKER_TLS_CERT: m.clientCertFile, BROKER_TLS_KEY: m.clientKeyFile,
    }));
    try {
      await maps.start();
      await Promise.race([maps.subscribed(), sleep(10_000).then(() => { throw new Error('maps not subscribed over mqtts within 10 s'); })]);
    } finally {
      await maps.stop();
      await db.close();
    }
  });

  it('hexlight sim: a simulated hotspot link connects over mqtts with the kit options', async (ctx) => {
    if (!needMosquitto(ctx)) return;
    const links = mqttLinks(broker!.url, { tls: brokerTlsOptions(broker!.url, loadBrokerTls({ BROKER_TLS_CA: broker!.material.caFile })), connectTimeoutMs: 5_000 });
    const link = await links({ address: 'sim-hotspot', password: () => 'unused', will: { topic: 'hotspot/sim-hotspot/state', payload: 'offline', qos: 1, retain: false } });
    expect(link.connected).toBe(true);
    await link.publish('hotspot/sim-hotspot/state', 'online', { qos: 1 });
    await link.end();
  });
});

describe('HTTPS from HTTP_TLS_CERT/HTTP_TLS_KEY', () => {
  it('serves /healthz over TLS, verified with the certificate as CA', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hexlight-https-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const http = await serveHttp([], silentLogger(), {}, {
        HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', HTTP_TLS_CERT: join(dir, 'cert.pem'), HTTP_TLS_KEY: join(dir, 'key.pem'),
      });
      try {
        expect(http.url).toBe(`https://127.0.0.1:${http.port}`);
        const ca = await readFile(join(dir, 'cert.pem'));
        const fetchHttps = (opts: { ca?: Buffer }) => new Promise<{ status: number; body: string }>((res, rej) => {
          get(`${http.url}/healthz`, { ...opts }, (r) => {
            let body = '';
            r.on('data', (c: Buffer) => { body += c.toString(); });
            r.on('end', () => res({ status: r.statusCode ?? 0, body }));
          }).on('error', rej);
        });
        const ok = await fetchHttps({ ca });
        expect(ok.status).toBe(200);
        // Without the CA the certificate is not trusted: it really is TLS, verified.
        await expect(fetchHttps({})).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      } finally {
        await http.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
