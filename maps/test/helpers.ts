import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { latLngToCell } from 'h3-js';
import { buildHttpApp, ManualClock, silentLogger, type Clock } from '@hexlight/kit';
import { createTestDb, type Db } from '@hexlight/store';
import { generateHotspotKey, type HotspotKey } from '@hexlight/protocol';
import { createMaps, loadMapsConfig, type Maps } from '../src/index.ts';

export interface TestMaps {
  db: Db;
  maps: Maps;
  app: FastifyInstance;
  clock: ManualClock;
  close(): Promise<void>;
}

/** A real maps service on a fresh migrated store (PGlite, or TEST_DATABASE_URL), served by app.inject. */
export async function startTestMaps(env: Record<string, string> = {}, opts: { db?: Db; clock?: ManualClock; extraPlugins?: Parameters<typeof buildHttpApp>[0]['plugins']; brokerUrl?: string } = {}): Promise<TestMaps> {
  const db = opts.db ?? await createTestDb();
  const clock = opts.clock ?? new ManualClock(Date.UTC(2026, 10, 20, 12));
  const maps = createMaps({ db, clock: clock as Clock, log: silentLogger(), ...(opts.brokerUrl ? { brokerUrl: opts.brokerUrl } : {}) },
    loadMapsConfig({ MAPS_ESTIMATE_INTERVAL_S: '0', ...env }));
  await maps.start();
  const app = await buildHttpApp({ title: 'maps test', logger: false, plugins: [maps.routes, ...(opts.extraPlugins ?? [])] });
  await app.ready();
  return {
    db, maps, app, clock,
    async close() {
      await app.close();
      await maps.stop();
      if (!opts.db) await db.close();
    },
  };
}

export interface SeededHotspot { key: HotspotKey; address: string; lat: number; lng: number }

/** Asserted hotspots written straight to the registry table services/ingest owns. */
export async function seedHotspots(db: Db, positions: { lat: number; lng: number; online?: boolean }[], atMs: number): Promise<SeededHotspot[]> {
  const out: SeededHotspot[] = [];
  for (const p of positions) {
    const key = generateHotspotKey();
    await db.query(`INSERT INTO hotspots (address, key_binary, owner, location, region, onboarded_at, asserted_at, online, last_seen_at)
      VALUES ($1, $2, $3, $4, 'EU868', $5, $5, $6, $5)`, [key.address, key.keyBinary, '11111111111111111111111111111111', latLngToCell(p.lat, p.lng, 12), new Date(atMs), p.online ?? true]);
    out.push({ key, address: key.address, lat: p.lat, lng: p.lng });
  }
  return out;
}

/** An organisation with a DC balance and an API key (only its SHA-256 stored, as services/rewards does). */
export async function seedOrg(db: Db, balance: number, atMs: number): Promise<{ orgId: string; key: string }> {
  const orgId = `org_${randomBytes(8).toString('hex')}`;
  const key = `hxl_${randomBytes(24).toString('base64url')}`;
  await db.query('INSERT INTO organisations (id, name, created_at, dc_balance) VALUES ($1, $2, $3, $4)', [orgId, 'carrier', new Date(atMs), BigInt(balance)]);
  await db.query('INSERT INTO org_api_keys (key_hash, org_id, prefix, created_at) VALUES ($1, $2, $3, $4)', [createHash('sha256').update(key).digest(), orgId, key.slice(0, 8), new Date(atMs)]);
  return { orgId, key };
}

export async function balanceOf(db: Db, orgId: string): Promise<number> {
  return Number((await db.query<{ dc_balance: bigint }>('SELECT dc_balance FROM organisations WHERE id = $1', [orgId])).rows[0]!.dc_balance);
}

/** Lisbon-ish: a grid of points east of the hotspots. */
export const CENTER = { lat: 38.72, lng: -9.14 };
