import mqtt, { type MqttClient } from 'mqtt';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp, silentLogger, ManualClock, systemClock, type Clock, type Logger } from '@hexlight/kit';
import { createTestDb, type Db } from '@hexlight/store';
import {
  generateHotspotKey, generateSolanaWallet, makeConnectPassword, signEd25519, type HotspotKey, type SolanaWallet,
} from '@hexlight/protocol';
import { createIngest, loadIngestConfig, onboardMessage, type Ingest } from '../src/index.ts';

export interface TestNetwork {
  db: Db;
  ingest: Ingest;
  app: FastifyInstance;
  mqttUrl: string;
  clock: Clock;
  onboard(key?: HotspotKey, wallet?: SolanaWallet): Promise<{ key: HotspotKey; wallet: SolanaWallet }>;
  connect(key: HotspotKey, opts?: { password?: string; clientId?: string }): Promise<MqttClient>;
  close(): Promise<void>;
}

/** A real ingest (aedes on a free port, fresh migrated store unless one is given) for one test file. */
export async function startTestNetwork(env: Record<string, string> = {}, clock: Clock = systemClock, opts: { db?: Db; log?: Logger } = {}): Promise<TestNetwork> {
  const db = opts.db ?? await createTestDb();
  const config = loadIngestConfig({ INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', INGEST_VERIFY_WORKERS: '0', INGEST_BATCH_DELAY_MS: '2', ...env }, { dbKind: db.kind });
  const ingest = createIngest({ db, clock, log: opts.log ?? silentLogger() }, config);
  await ingest.start();
  const app = await buildHttpApp({ title: 'test', logger: false, plugins: [ingest.routes] });
  await app.ready();
  const mqttUrl = `mqtt://127.0.0.1:${ingest.status().mqttPort}`;
  const clients: MqttClient[] = [];
  return {
    db, ingest, app, mqttUrl, clock,
    async onboard(key = generateHotspotKey(), wallet = generateSolanaWallet()) {
      const timestamp = Math.floor(clock.now() / 1000);
      const msg = onboardMessage(key.address, wallet.address, timestamp);
      const res = await app.inject({
        method: 'POST', url: '/v1/hotspots',
        payload: {
          address: key.address, owner: wallet.address, timestamp,
          hotspot_signature: Buffer.from(signWith(key, msg)).toString('base64'),
          owner_signature: Buffer.from(wallet.sign(msg)).toString('base64'),
        },
      });
      if (res.statusCode !== 201) throw new Error(`onboard failed: ${res.statusCode} ${res.body}`);
      return { key, wallet };
    },
    async connect(key, opts = {}) {
      const client = await mqtt.connectAsync(mqttUrl, {
        clientId: opts.clientId ?? key.address, username: key.address,
        password: opts.password ?? makeConnectPassword(key, Math.floor(clock.now() / 1000)),
        protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      await app.close();
      await ingest.stop();
      await db.close();
    },
  };
}

export function signWith(key: HotspotKey, msg: Uint8Array): Uint8Array {
  return signEd25519(key.privateKey, msg);
}

export async function countReports(db: Db): Promise<{ beacons: number; witnesses: number }> {
  const r = await db.query<{ b: bigint; w: bigint }>(`SELECT (SELECT count(*) FROM beacon_reports) AS b, (SELECT count(*) FROM witness_reports) AS w`);
  return { beacons: Number(r.rows[0]!.b), witnesses: Number(r.rows[0]!.w) };
}

/** Waits for the next message on `topic` (subscribing first). */
export async function nextMessage(client: MqttClient, topic: string, timeoutMs = 5000): Promise<Buffer> {
  await client.subscribeAsync(topic, { qos: 0 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on ${topic} within ${timeoutMs} ms`)), timeoutMs);
    client.on('message', function onMessage(t, payload) {
      if (t !== topic) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(payload);
    });
  });
}

export { ManualClock };

/**
 * Removes a share group's persistent sessions from a shared broker (they outlive their workers by
 * design, services/ingest README "Sessions"), so a test leaves no subscription queueing behind it.
 */
export async function endBrokerSessions(url: string, group: string, sessions: number): Promise<void> {
  for (let i = 0; i < sessions; i++) {
    const c = await mqtt.connectAsync(url, { clientId: `ingest-${group}-${i}`, protocolVersion: 5, clean: true, reconnectPeriod: 0, properties: { sessionExpiryInterval: 0 } }).catch(() => null);
    await c?.endAsync();
  }
}

/** Waits until `ok()` or throws after `ms`. */
export async function waitFor(ok: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
