import net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp, silentLogger, systemClock, type Clock } from '@hexlight/kit';
import { createTestDb, type TestDb } from '@hexlight/store';
import { decodeReport, type DecodedReportOf } from '@hexlight/protocol';
// Test-only: the real ingest service (registry API + embedded aedes broker), through its public index.
import { createIngest, loadIngestConfig, type Ingest } from '@hexlight/ingest';
// …and the accounts API of services/rewards (organisations, DevAddr ranges, devices, DC bought on
// the embedded payment provider), so scenario runs can provision their devices' organisations.
import { accountRoutes, createPayments, loadRewardsConfig, paymentRoutes } from '@hexlight/rewards';
import { createRegistryClient } from '../src/registry-client.ts';
import type { RosterEntry } from '../src/roster.ts';

// A real network for the simulator's tests: a freshly migrated store (PGlite, or TEST_DATABASE_URL),
// the ingest service with its embedded broker on a free port, and the registry and accounts APIs
// served over HTTP on a free port so the simulator's fetch-based clients reach them like a real
// deployment.

/** Operator account the tests use to watch (and inject into) the broker. */
export const OBSERVER = { username: 'sim-test-observer', password: 'observer-secret' } as const;

export interface SimNetwork {
  db: TestDb;
  ingest: Ingest;
  app: FastifyInstance;
  apiUrl: string;
  mqttUrl: string;
  mqttPort: number;
  /** A service-user client on the broker (may subscribe to and publish on any topic); closed with the network. */
  observer(): Promise<MqttClient>;
  close(): Promise<void>;
}

export async function startNetwork(opts: { clock?: Clock } = {}): Promise<SimNetwork> {
  const clock = opts.clock ?? systemClock;
  const db = await createTestDb();
  const config = loadIngestConfig({
    INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', INGEST_VERIFY_WORKERS: '0', INGEST_BATCH_DELAY_MS: '2',
    INGEST_SERVICE_USERS: `${OBSERVER.username}:${OBSERVER.password}`,
  }, { dbKind: db.kind });
  const ingest = createIngest({ db, clock, log: silentLogger() }, config);
  let app: FastifyInstance | undefined;
  try {
    await ingest.start();
    const rewardsConfig = loadRewardsConfig({});
    const payments = createPayments(rewardsConfig.payments);
    app = await buildHttpApp({
      title: 'hotspot-sim-test', logger: false, plugins: [
        ingest.routes,
        accountRoutes({ db, clock, devaddrPool: rewardsConfig.devaddrPool, adminToken: undefined }),
        paymentRoutes({ db, clock, log: silentLogger(), payments, publicUrl: rewardsConfig.payments.publicUrl }),
      ],
    });
    const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const mqttPort = ingest.status().mqttPort!;
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    const clients: MqttClient[] = [];
    let closed = false;
    const server = app;
    return {
      db, ingest, app: server, apiUrl, mqttUrl, mqttPort,
      async observer() {
        const client = await mqtt.connectAsync(mqttUrl, {
          clientId: `${OBSERVER.username}-${clients.length}`, username: OBSERVER.username, password: OBSERVER.password,
          protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000,
        });
        clients.push(client);
        return client;
      },
      async close() {
        if (closed) return;
        closed = true;
        await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
        await server.close();
        await ingest.stop();
        await db.close();
      },
    };
  } catch (err) {
    await app?.close().catch(() => undefined);
    await ingest.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
}

/** Onboards and asserts `e` through the real registry API over HTTP, as the fleet does. */
export async function enroll(network: SimNetwork, e: RosterEntry): Promise<void> {
  const registry = createRegistryClient(network.apiUrl);
  await registry.onboard(e.key, e.owner, Math.floor(Date.now() / 1000));
  await registry.assert(e.key.address, e.owner, {
    nonce: Date.now(), location: e.position.cell, region: e.region, gain: e.antenna.gain, elevation: e.antenna.elevation, capability: 'full',
  });
}

/** Polls `check` every 25 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Sleeps until the system clock reads `t` (ms). */
export function sleepUntil(t: number): Promise<void> {
  return sleep(Math.max(0, t - Date.now()));
}

/** Every message seen on `filter` (subscribed at QoS 1), in arrival order. */
export async function record(client: MqttClient, filter: string): Promise<{ topic: string; text: string; payload: Buffer; qos: number; retain: boolean }[]> {
  const seen: { topic: string; text: string; payload: Buffer; qos: number; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => {
    if (topicMatches(filter, topic)) seen.push({ topic, text: payload.toString('utf8'), payload, qos: packet.qos, retain: packet.retain });
  });
  const granted = await client.subscribeAsync(filter, { qos: 1 });
  if (granted.some((g) => g.qos === 128)) throw new Error(`subscription to ${filter} refused`);
  return seen;
}

function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/** The message the broker retains on `topic`, as a fresh subscriber receives it. */
export async function retained(network: SimNetwork, topic: string): Promise<{ text: string; retain: boolean; qos: number }> {
  const client = await mqtt.connectAsync(network.mqttUrl, {
    clientId: `${OBSERVER.username}-retained-${Math.random().toString(36).slice(2)}`, username: OBSERVER.username, password: OBSERVER.password,
    protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000,
  });
  try {
    const seen = await record(client, topic);
    await until(() => seen.length > 0, `a retained message on ${topic}`, 5_000);
    const { text, retain, qos } = seen[0]!;
    return { text, retain, qos };
  } finally {
    await client.endAsync(true);
  }
}

export interface StoredReport<K extends 'beacon' | 'witness'> {
  /** The authenticated publisher (the broker's identity, not a field of the report). */
  hotspot: string;
  received_at: Date;
  decoded: DecodedReportOf<K>;
}

/** Every stored report of `kind`, decoded from the exact signed bytes the store kept. */
export async function storedReports<K extends 'beacon' | 'witness'>(db: TestDb, kind: K): Promise<StoredReport<K>[]> {
  const table = kind === 'beacon' ? 'beacon_reports' : 'witness_reports';
  const res = await db.query<{ hotspot: string; received_at: Date; payload: Uint8Array }>(`SELECT hotspot, received_at, payload FROM ${table} ORDER BY received_at`);
  return res.rows.map((r) => ({ hotspot: r.hotspot, received_at: r.received_at, decoded: decodeReport(kind, r.payload) }));
}

export async function countReports(db: TestDb): Promise<{ beacons: number; witnesses: number }> {
  const r = await db.query<{ b: bigint; w: bigint }>(`SELECT (SELECT count(*) FROM beacon_reports) AS b, (SELECT count(*) FROM witness_reports) AS w`);
  return { beacons: Number(r.rows[0]!.b), witnesses: Number(r.rows[0]!.w) };
}

/** Online flags of `addresses` as the ingest recorded them. */
export async function onlineFlags(db: TestDb, addresses: readonly string[]): Promise<boolean[]> {
  const res = await db.query<{ address: string; online: boolean }>(`SELECT address, online FROM hotspots WHERE address = ANY($1)`, [[...addresses]]);
  const byAddress = new Map(res.rows.map((r) => [r.address, r.online]));
  return addresses.map((a) => byAddress.get(a) ?? false);
}

export interface Relay {
  url: string;
  /** Drops every relayed connection at once, as a broken network would (no DISCONNECT is sent). */
  cut(): void;
  /** Cuts and refuses new connections until `up()`. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

/** A TCP relay in front of the broker that the test can cut or take down. */
export async function startRelay(targetPort: number): Promise<Relay> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let accepting = true;
  const server = net.createServer((inbound) => {
    if (!accepting) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect(targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [inbound, outbound];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  const cut = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    cut,
    down() {
      accepting = false;
      cut();
    },
    up() {
      accepting = true;
    },
    async close() {
      accepting = false;
      cut();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
