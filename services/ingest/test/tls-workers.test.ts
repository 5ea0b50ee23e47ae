import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { encodeSignedReport, generateHotspotKey, hotspotTopic, makeConnectPassword, type HotspotKey } from '@hexlight/protocol';
import { countReports, nextMessage, startTestNetwork, type TestNetwork } from './helpers.ts';

// The production path: MQTT over TLS, signature checks in worker threads.
describe('MQTT over TLS with verify worker threads', () => {
  let net: TestNetwork;
  let dir: string;
  let key: HotspotKey;
  let ca: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hexlight-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = await readFile(join(dir, 'cert.pem'));
    net = await startTestNetwork({
      INGEST_VERIFY_WORKERS: '2', INGEST_MQTT_TLS_PORT: '0',
      INGEST_MQTT_TLS_CERT: join(dir, 'cert.pem'), INGEST_MQTT_TLS_KEY: join(dir, 'key.pem'),
    });
    key = (await net.onboard()).key;
  });
  afterAll(async () => {
    await net?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a hotspot over mqtts, stores good reports and refuses a forged one', async () => {
    const port = net.ingest.status().mqttTlsPort!;
    expect(port).toBeGreaterThan(0);
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
      clientId: key.address, username: key.address, password: makeConnectPassword(key, Math.floor(Date.now() / 1000)),
      ca, protocolVersion: 4, reconnectPeriod: 0,
    });
    const before = await countReports(net.db);
    const reports = Array.from({ length: 200 }, (_, i) => encodeSignedReport('witness', {
      pubKey: key.keyBinary, data: randomBytes(51), timestamp: BigInt(i + 1), tmst: i, signal: -900, snr: 70, frequency: 867_300_000, datarate: 0,
    }, key.privateKey).payload);
    await Promise.all(reports.map((p) => client.publishAsync(hotspotTopic(key.address, 'witness'), Buffer.from(p), { qos: 1 })));
    expect((await countReports(net.db)).witnesses - before.witnesses).toBe(200);
    const rejected = nextMessage(client, hotspotTopic(key.address, 'rejected'));
    await new Promise((r) => setTimeout(r, 50));
    const forged = encodeSignedReport('witness', {
      pubKey: key.keyBinary, data: randomBytes(51), timestamp: 1n, tmst: 1, signal: -900, snr: 70, frequency: 867_300_000, datarate: 0,
    }, generateHotspotKey().privateKey).payload;
    await client.publishAsync(hotspotTopic(key.address, 'witness'), Buffer.from(forged), { qos: 1 });
    expect(JSON.parse((await rejected).toString()).reason).toBe('bad_signature');
    expect((await countReports(net.db)).witnesses - before.witnesses).toBe(200);
    await client.endAsync();
  });

  it('refuses a plain-TCP client that presents no valid token', async () => {
    const err = await mqtt.connectAsync(net.mqttUrl, { clientId: key.address, username: key.address, password: 'nope', protocolVersion: 4, reconnectPeriod: 0 })
      .then(() => null, (e: { code?: number }) => e);
    expect(err?.code).toBe(4);
  });
});
