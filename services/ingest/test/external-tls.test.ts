import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import { HexlightError, silentLogger, systemClock, type Logger } from '@hexlight/kit';
import { createTestDb, type Db } from '@hexlight/store';
import { encodeSignedReport, generateHotspotKey, hotspotTopic, reportIdHex, type HotspotKey } from '@hexlight/protocol';
import { createIngest, loadIngestConfig, RegistryStore, type Ingest } from '../src/index.ts';
import { findMosquitto, startMosquittoTls, type MosquittoTls } from './mosquitto-tls.ts';

/*
 * External-broker mode over mqtts:// against a real Mosquitto with TLS listeners (a CA and
 * certificates of our own, free ports on 127.0.0.1; see mosquitto-tls.ts). Without the mosquitto
 * binary the tests are skipped with the reason, and fail under CI=true.
 */

const BIN = await findMosquitto();
const CI = process.env.CI === 'true';
const WHY = 'no mosquitto binary (PATH, /usr/sbin, or MOSQUITTO_BIN)';

function needMosquitto(ctx: TestContext): boolean {
  if (BIN) return true;
  if (CI) throw new Error(`CI=true: ${WHY}`);
  ctx.skip(WHY);
  return false;
}

function recordingLogger(): { log: Logger; lines: { msg: string; obj: Record<string, unknown> }[] } {
  const log = silentLogger();
  const lines: { msg: string; obj: Record<string, unknown> }[] = [];
  const record = ((a: unknown, b?: unknown) => {
    lines.push(typeof a === 'string' ? { msg: a, obj: {} } : { msg: String(b), obj: a as Record<string, unknown> });
  }) as Logger['warn'];
  log.warn = record;
  log.error = record;
  log.info = record;
  return { log, lines };
}

function beacon(key: HotspotKey): Uint8Array {
  return encodeSignedReport('beacon', {
    pubKey: key.keyBinary, localEntropy: randomBytes(4), remoteEntropy: randomBytes(32), data: randomBytes(51),
    frequency: 867_900_000, channel: 0, datarate: 0, txPower: 10, timestamp: BigInt(Date.now()) * 1_000_000n, tmst: 99,
  }, key.privateKey).payload;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

describe('external broker over mqtts:// (a real Mosquitto with TLS listeners)', () => {
  let broker: MosquittoTls | null = null;
  let db: Db;
  let key: HotspotKey;
  const started: Ingest[] = [];

  beforeAll(async () => {
    if (!BIN) return;
    broker = await startMosquittoTls(BIN);
    db = await createTestDb();
    key = generateHotspotKey();
    await new RegistryStore(db).onboard(key.address, key.keyBinary, '11111111111111111111111111111111', new Date());
  });
  afterAll(async () => {
    for (const i of started) await i.stop().catch(() => undefined);
    await db?.close();
    await broker?.stop();
  });

  const ingestOn = (url: string, env: Record<string, string>, log: Logger = silentLogger()) => {
    const group = `t${randomUUID().slice(0, 8)}`;
    const ingest = createIngest({ db, clock: systemClock, log }, loadIngestConfig({
      INGEST_BROKER_URL: url, INGEST_SHARE_GROUP: group, INGEST_CLIENT_ID: group, INGEST_SESSIONS: '2', INGEST_VERIFY_WORKERS: '0', INGEST_BATCH_DELAY_MS: '2', ...env,
    }, { dbKind: db.kind }));
    started.push(ingest);
    return ingest;
  };
  const beaconRows = async (id: string) => Number((await db.query<{ n: bigint }>(
    `SELECT count(*) AS n FROM beacon_reports WHERE hotspot = $1 AND encode(id, 'hex') = $2`, [key.address, id])).rows[0]!.n);

  it('verifies the broker with BROKER_TLS_CA and stores a beacon published over mqtts exactly once', async (ctx) => {
    if (!needMosquitto(ctx)) return;
    const { log, lines } = recordingLogger();
    const ingest = ingestOn(broker!.url, { BROKER_TLS_CA: broker!.material.caFile }, log);
    await ingest.start();
    expect(ingest.status()).toMatchObject({ mode: 'external', brokerConnected: true, brokerError: undefined });
    expect(lines.find((l) => l.msg === 'ingest.external.connecting')?.obj).toMatchObject({ tls: true, ca: 'BROKER_TLS_CA' });

    // The hotspot side: a client of the same broker, over TLS too.
    const hotspot = await mqtt.connectAsync(broker!.url, { ca: broker!.material.ca, protocolVersion: 5, reconnectPeriod: 0 });
    const b = beacon(key);
    const id = reportIdHex(b);
    await hotspot.publishAsync(hotspotTopic(key.address, 'beacon'), Buffer.from(b), { qos: 1 });
    // A resend (the hotspot missed the PUBACK): the broker delivers it again, the store keeps one.
    await hotspot.publishAsync(hotspotTopic(key.address, 'beacon'), Buffer.from(b), { qos: 1 });
    await until(async () => ingest.status().stored + ingest.status().duplicates >= 2, 10_000);
    await sleep(200);
    expect(await beaconRows(id)).toBe(1);
    expect(ingest.status()).toMatchObject({ stored: 1, duplicates: 1 });
    await hotspot.endAsync();
    // Later tests count on being the only ingest on this broker.
    await ingest.stop();
  });

  it('with the wrong CA does not connect, says why (log and status), and stores nothing', async (ctx) => {
    if (!needMosquitto(ctx)) return;
    const { log, lines } = recordingLogger();
    const ingest = ingestOn(broker!.url, { BROKER_TLS_CA: broker!.material.otherCaFile }, log);
    // start() keeps retrying the handshake (once a second) and so does not resolve.
    let settled = false;
    ingest.start().then(() => { settled = true; }, () => { settled = true; });
    await until(() => ingest.status().brokerError !== undefined, 10_000);
    expect(ingest.status().brokerConnected).toBe(false);
    expect(ingest.status().brokerError).toMatch(/SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain/);
    const failure = lines.find((l) => l.msg === 'ingest.external.socket-error');
    expect(failure?.obj).toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN', tls: true, host: '127.0.0.1' });

    const hotspot = await mqtt.connectAsync(broker!.url, { ca: broker!.material.ca, protocolVersion: 5, reconnectPeriod: 0 });
    const b = beacon(key);
    await hotspot.publishAsync(hotspotTopic(key.address, 'beacon'), Buffer.from(b), { qos: 1 });
    await sleep(1500); // longer than one retry
    expect(await beaconRows(reportIdHex(b))).toBe(0);
    expect(ingest.status()).toMatchObject({ received: 0, brokerConnected: false });
    expect(settled).toBe(false);
    await hotspot.endAsync();
    await ingest.stop();
  });

  it('presents BROKER_TLS_CERT/KEY to a listener that requires a client certificate, and is refused without one', async (ctx) => {
    if (!needMosquitto(ctx)) return;
    const m = broker!.material;
    const withCert = ingestOn(broker!.mtlsUrl, { BROKER_TLS_CA: m.caFile, BROKER_TLS_CERT: m.clientCertFile, BROKER_TLS_KEY: m.clientKeyFile });
    await withCert.start();
    expect(withCert.status().brokerConnected).toBe(true);
    const hotspot = await mqtt.connectAsync(broker!.mtlsUrl, {
      ca: m.ca, cert: await readFile(m.clientCertFile), key: await readFile(m.clientKeyFile), protocolVersion: 5, reconnectPeriod: 0,
    });
    const b = beacon(key);
    await hotspot.publishAsync(hotspotTopic(key.address, 'beacon'), Buffer.from(b), { qos: 1 });
    await until(async () => (await beaconRows(reportIdHex(b))) === 1, 10_000);
    await hotspot.endAsync();
    await withCert.stop();

    const without = ingestOn(broker!.mtlsUrl, { BROKER_TLS_CA: m.caFile });
    without.start().catch(() => undefined);
    await until(() => without.status().brokerError !== undefined, 10_000);
    expect(without.status().brokerConnected).toBe(false);
    expect(without.status().brokerError).toMatch(/certificate required/i);
    await without.stop();
  });
});

describe('BROKER_TLS_* settings', () => {
  const configError = (env: Record<string, string>): HexlightError => {
    try {
      loadIngestConfig({ INGEST_BROKER_URL: 'mqtts://broker.example:8883', ...env });
    } catch (err) {
      return err as HexlightError;
    }
    throw new Error('no error');
  };

  it('refuses a missing file, a non-PEM file, or a certificate without its key, naming the variable', () => {
    for (const [env, name] of [
      [{ BROKER_TLS_CA: '/nonexistent/ca.pem' }, 'BROKER_TLS_CA'],
      [{ BROKER_TLS_CA: import.meta.filename }, 'BROKER_TLS_CA'],
      [{ BROKER_TLS_CERT: import.meta.filename }, 'BROKER_TLS_CERT'],
    ] as const) {
      const err = configError(env);
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toContain(name);
    }
    expect(configError({ INGEST_BROKER_URL: 'ws://broker.example' }).message).toContain('INGEST_BROKER_URL');
  });

  it('verifies against the system CAs by default, sends the host as SNI, and applies nothing to mqtt://', () => {
    expect(loadIngestConfig({ INGEST_BROKER_URL: 'mqtts://broker.example:8883' }).external.tls).toEqual({ servername: 'broker.example', rejectUnauthorized: true });
    expect(loadIngestConfig({ INGEST_BROKER_URL: 'mqtts://10.0.0.5', BROKER_TLS_SERVERNAME: 'mqtt.internal' }).external.tls).toEqual({ servername: 'mqtt.internal', rejectUnauthorized: true });
    expect(loadIngestConfig({ INGEST_BROKER_URL: 'mqtt://broker.example:1883' }).external.tls).toBeUndefined();
    // Embedded mode never reads them.
    expect(() => loadIngestConfig({ BROKER_TLS_CA: '/nonexistent/ca.pem' })).not.toThrow();
  });
});
