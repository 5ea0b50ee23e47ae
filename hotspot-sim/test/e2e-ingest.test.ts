import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp, ManualClock, silentLogger, systemClock, freePort } from '@hexlight/kit';
import { createTestDb, type TestDb } from '@hexlight/store';
import { encodeEntropy, ENTROPY_TOPIC } from '@hexlight/protocol';
// Test-only: the real ingest service, reached through its public index (never from src/).
import { assertMessage as ingestAssertMessage, createIngest, loadIngestConfig, onboardMessage as ingestOnboardMessage, type Ingest } from '@hexlight/ingest';
import { createFleet } from '../src/fleet.ts';
import { assertMessage, onboardMessage } from '../src/registry-client.ts';
import { buildRoster } from '../src/roster.ts';
import { cityPreset } from '../src/cities.ts';

const SEED = 2024;
const HOTSPOTS = 6;
const INTERVAL = 2_000;

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function countReports(db: TestDb): Promise<{ beacons: number; witnesses: number }> {
  const r = await db.query<{ b: bigint; w: bigint }>(`SELECT (SELECT count(*) FROM beacon_reports) AS b, (SELECT count(*) FROM witness_reports) AS w`);
  return { beacons: Number(r.rows[0]!.b), witnesses: Number(r.rows[0]!.w) };
}

describe('fleet against the real ingest (registry API + embedded broker)', () => {
  let db: TestDb;
  let ingest: Ingest;
  let app: FastifyInstance;
  let apiUrl: string;
  let mqttUrl: string;

  beforeAll(async () => {
    db = await createTestDb();
    const config = loadIngestConfig({ INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', INGEST_VERIFY_WORKERS: '0', INGEST_BATCH_DELAY_MS: '2' }, { dbKind: db.kind });
    ingest = createIngest({ db, clock: systemClock, log: silentLogger() }, config);
    await ingest.start();
    app = await buildHttpApp({ title: 'sim-e2e', logger: false, plugins: [ingest.routes] });
    apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    mqttUrl = `mqtt://127.0.0.1:${ingest.status().mqttPort}`;
  });

  afterAll(async () => {
    await app?.close();
    await ingest?.stop();
    await db?.close();
  });

  it('signs the same registry strings as the ingest service', () => {
    const a = { nonce: 5, location: '8c393362a2c1dff', region: 'EU868', gain: 23, elevation: 7, capability: 'full' as const };
    expect(onboardMessage('1abc', 'Own3r', 17)).toEqual(ingestOnboardMessage('1abc', 'Own3r', 17));
    expect(assertMessage('1abc', a)).toEqual(ingestAssertMessage('1abc', a));
  });

  it('onboards, asserts, connects, beacons and witnesses; every report is stored and none refused; restarts with the same seed', async () => {
    const fleet = createFleet({ apiUrl, mqttUrl, city: 'lisbon', hotspots: HOTSPOTS, beaconIntervalMs: INTERVAL, seed: SEED, log: silentLogger() });
    await fleet.start();
    expect(fleet.stats()).toMatchObject({ onboarded: HOTSPOTS, connected: HOTSPOTS });

    const roster = buildRoster(cityPreset('lisbon'), HOTSPOTS, SEED);
    for (const e of roster) {
      const row = (await ingest.registry.get(e.key.address))!;
      expect(row).toMatchObject({ owner: e.owner.address, location: e.position.cell, region: 'EU868', gain: e.antenna.gain, elevation: e.antenna.elevation, capability: 'full', online: true });
    }

    // Entropy arrives after the fleet is up: beacons wait for it.
    await new Promise((r) => setTimeout(r, INTERVAL));
    expect(fleet.stats().beacons).toBe(0);
    const entropy = { data: new Uint8Array(32).fill(42), timestamp: Math.floor(Date.now() / 1000), version: 1 };
    await ingest.publish(ENTROPY_TOPIC, Buffer.from(encodeEntropy(entropy)), { qos: 1, retain: true });

    await until(() => fleet.stats().beacons >= HOTSPOTS && fleet.stats().witnesses > 0, 20_000, 'beacons and witnesses');
    await fleet.stop();
    const stats = fleet.stats();
    expect(stats.rejected).toBe(0);
    expect(stats.publishErrors).toBe(0);
    expect(stats.connected).toBe(0);
    // PUBACK means committed: what the fleet counted is exactly what the store holds.
    expect(await countReports(db)).toEqual({ beacons: stats.beacons, witnesses: stats.witnesses });
    expect(ingest.status().refused).toEqual(Object.fromEntries(Object.keys(ingest.status().refused).map((k) => [k, 0])));
    await until(async () => !(await ingest.registry.get(roster[0]!.key.address))!.online, 5_000, 'offline state');

    // Same seed again: already onboarded (409 is fine), reasserted with a newer nonce, connected.
    const again = createFleet({ apiUrl, mqttUrl, city: 'lisbon', hotspots: HOTSPOTS, beaconIntervalMs: INTERVAL, seed: SEED, log: silentLogger() });
    await again.start();
    expect(again.stats()).toMatchObject({ onboarded: HOTSPOTS, connected: HOTSPOTS });
    await again.stop();
  });

  it('reconnects after a broker restart with a fresh connect token (the first one is stale by then)', async () => {
    const clock = new ManualClock(Date.now());
    const db2 = await createTestDb();
    const port = await freePort();
    const cfg = loadIngestConfig({ INGEST_MQTT_PORT: String(port), INGEST_MQTT_HOST: '127.0.0.1', INGEST_MQTT_PORT_FALLBACK: 'false', INGEST_VERIFY_WORKERS: '0' }, { dbKind: db2.kind });
    let broker = createIngest({ db: db2, clock, log: silentLogger() }, cfg);
    await broker.start();
    const api = await buildHttpApp({ title: 'sim-e2e-restart', logger: false, plugins: [broker.routes] });
    const url = await api.listen({ port: 0, host: '127.0.0.1' });
    const fleet = createFleet({ apiUrl: url, mqttUrl: `mqtt://127.0.0.1:${port}`, city: 'sydney', hotspots: 2, beaconIntervalMs: 60_000, seed: 3, clock, log: silentLogger() });
    try {
      await fleet.start();
      expect(fleet.stats().connected).toBe(2);
      await broker.stop();
      await until(() => fleet.stats().connected === 0, 10_000, 'disconnect');
      clock.advance(10 * 60_000); // tokens signed at start are now 600 s old (limit 300 s)
      broker = createIngest({ db: db2, clock, log: silentLogger() }, cfg);
      await broker.start();
      await until(() => fleet.stats().connected === 2, 15_000, 'reconnect');
      await fleet.stop();
    } finally {
      await fleet.stop();
      await api.close();
      await broker.stop();
      await db2.close();
    }
  });
});
