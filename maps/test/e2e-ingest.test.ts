import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApp, silentLogger, systemClock } from '@hexlight/kit';
import { createTestDb, type TestDb } from '@hexlight/store';
// The real network around maps/: the ingest (registry, embedded broker, packet metering), the
// accounts API the simulator's mappers sign up through, and the demo fleet driving mappers.
import { createIngest, loadIngestConfig, type Ingest } from '@hexlight/ingest';
import { accountRoutes, createPayments, loadRewardsConfig, paymentRoutes } from '@hexlight/rewards';
import { createFleet, type Fleet } from '@hexlight/hotspot-sim';
import { createMaps, loadMapsConfig, type Maps } from '../src/index.ts';

// GPS trackers drive through Lisbon → the hotspots that hear them publish packet reports → the
// ingest verifies, routes to the mappers' organisation, meters and stores them, then relays them →
// maps/, a service user of the broker, groups the copies of each frame into one measurement with
// every hotspot that heard it. Nothing here is a stand-in.

const MAPS_SECRET = 'maps-e2e-secret';

describe('mappers in the demo fleet → ingest → maps/ measured coverage', () => {
  let db: TestDb;
  let ingest: Ingest;
  let maps: Maps;
  let app: FastifyInstance;
  let fleet: Fleet;

  beforeAll(async () => {
    db = await createTestDb();
    ingest = createIngest({ db, clock: systemClock, log: silentLogger() }, loadIngestConfig({
      INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', INGEST_VERIFY_WORKERS: '0', INGEST_BATCH_DELAY_MS: '2',
      INGEST_SERVICE_USERS: `maps:${MAPS_SECRET}`,
    }, { dbKind: db.kind }));
    await ingest.start();
    const port = ingest.status().mqttPort!;
    maps = createMaps({ db, clock: systemClock, log: silentLogger(), brokerUrl: `mqtt://maps:${MAPS_SECRET}@127.0.0.1:${port}` }, loadMapsConfig({}));
    await maps.start();
    await maps.subscribed();
    const rewardsConfig = loadRewardsConfig({});
    app = await buildHttpApp({
      title: 'maps-e2e', logger: false, plugins: [
        ingest.routes,
        accountRoutes({ db, clock: systemClock, devaddrPool: rewardsConfig.devaddrPool, adminToken: undefined }),
        paymentRoutes({ db, clock: systemClock, log: silentLogger(), payments: createPayments(rewardsConfig.payments), publicUrl: rewardsConfig.payments.publicUrl }),
        maps.routes,
      ],
    });
    const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    fleet = createFleet({
      apiUrl, mqttUrl: `mqtt://127.0.0.1:${port}`, city: 'lisbon', hotspots: 16, beaconIntervalMs: 3_600_000, seed: 21,
      mappers: 2, mapperPeriodMs: 1_000, clock: systemClock, log: silentLogger(),
    });
    await fleet.start();
    const deadline = Date.now() + 30_000;
    while ((await measurements()) < 6) {
      if (Date.now() > deadline) throw new Error(`maps recorded only ${await measurements()} measurements in 30 s (fleet ${JSON.stringify(fleet.stats())})`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await fleet.stop();
    await new Promise((r) => setTimeout(r, 500)); // the last copies' grouping window
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
    await maps?.stop();
    await app?.close();
    await ingest?.stop();
    await db?.close();
  });

  async function measurements(): Promise<number> {
    return Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM mapper_uplinks WHERE source = 'mqtt'`)).rows[0]!.n);
  }

  it('the ingest bought the mappers\' frames from their organisation (multi-buy 10) and maps recorded who heard each', async () => {
    const org = (await db.query<{ id: string; multi_buy: number; dc_balance: string }>(`SELECT id, multi_buy, dc_balance::text FROM organisations WHERE name LIKE 'demo mappers%'`)).rows[0]!;
    expect(org.multi_buy).toBe(10);
    const bought = (await db.query<{ n: string; dc: string }>('SELECT count(*)::text AS n, coalesce(sum(dc), 0)::text AS dc FROM packet_reports WHERE org_id = $1 AND bought', [org.id])).rows[0]!;
    expect(Number(bought.n)).toBeGreaterThan(0);
    expect(Number(org.dc_balance)).toBe(1_000_000 - Number(bought.dc));

    // Each measurement's receptions are exactly the hotspots whose packet reports of that frame the ingest stored.
    const uplinks = (await db.query<{ id: Buffer; hotspots: number }>(`SELECT id, hotspots FROM mapper_uplinks WHERE source = 'mqtt'`)).rows;
    expect(uplinks.length).toBeGreaterThanOrEqual(6);
    const receptions = (await db.query<{ uplink_id: Buffer; hotspot: string }>('SELECT uplink_id, hotspot FROM mapper_receptions')).rows;
    for (const u of uplinks) {
      const heardBy = receptions.filter((r) => Buffer.from(r.uplink_id).equals(Buffer.from(u.id))).map((r) => r.hotspot);
      expect(heardBy.length).toBe(u.hotspots);
      expect(new Set(heardBy).size).toBe(heardBy.length);
    }
    const carriers = new Set((await db.query<{ hotspot: string }>('SELECT DISTINCT hotspot FROM packet_reports WHERE org_id = $1', [org.id])).rows.map((r) => r.hotspot));
    for (const r of receptions) expect(carriers.has(r.hotspot)).toBe(true);
  });

  it('the public map API serves a measured hex: best RSSI and the hotspots that heard it, as received', async () => {
    const hex = (await db.query<{ h3: string }>(`SELECT to_hex(h3_r10) AS h3 FROM mapper_uplinks WHERE source = 'mqtt' AND hotspots > 0 LIMIT 1`)).rows[0]!;
    const heard = (await db.query<{ hotspot: string; rssi: number }>(
      `SELECT hotspot, max(rssi) AS rssi FROM mapper_receptions WHERE h3_r10 = ('x' || lpad($1, 16, '0'))::bit(64)::bigint GROUP BY hotspot`, [hex.h3])).rows;
    expect(heard.length).toBeGreaterThan(0);
    const res = await app.inject({ method: 'GET', url: `/v1/map/hexes/${hex.h3}` });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { record: { source: string; rssi_best: number; gateways: number } | null; hotspots: { address: string; rssi_best: number }[] };
    expect(body.record).toMatchObject({ source: 'measured', gateways: heard.length });
    expect(body.record!.rssi_best).toBeCloseTo(Math.max(...heard.map((h) => h.rssi)), 1);
    expect(body.hotspots.map((h) => h.address).sort()).toEqual(heard.map((h) => h.hotspot).sort());
  });
});
