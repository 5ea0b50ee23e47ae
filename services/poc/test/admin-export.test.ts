import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp, ManualClock } from '@hexlight/kit';
import { createTestDb, type Db } from '@hexlight/store';
import { generateSolanaWallet } from '@hexlight/protocol';
import { storeOneBeacon, T } from './store-fixture.ts';
import { pocRoutes } from '../src/routes.ts';
import { exportReplayEvents } from '../src/export.ts';
import { replayLines } from '../src/replay.ts';
import { heliumRules } from '../src/verifier/rulesets.ts';

// GET /v1/admin/poc/export: what `hexlight poc export` writes, served by a running network (whose
// embedded store no other process may open), behind the admin token.
describe('GET /v1/admin/poc/export', () => {
  let db: Db;
  let app: FastifyInstance;
  let off: FastifyInstance;
  let beaconer = '';
  const auth = { authorization: 'Bearer admin-secret-0123456789abcdef' };
  const from = new Date(T - 3_600_000).toISOString();
  const to = new Date(T + 3_600_000).toISOString();

  beforeAll(async () => {
    db = await createTestDb();
    beaconer = await storeOneBeacon(db);
    // The fixture's owner is a placeholder; replay input needs a real wallet.
    await db.query('UPDATE hotspots SET owner = $1', [generateSolanaWallet().address]);
    const clock = new ManualClock(T + 7_200_000);
    app = await buildHttpApp({ title: 'test', logger: false, plugins: [pocRoutes({ db, clock, adminToken: 'admin-secret-0123456789abcdef' })] });
    off = await buildHttpApp({ title: 'test', logger: false, plugins: [pocRoutes({ db, clock, adminToken: undefined })] });
  });
  afterAll(async () => {
    await app?.close();
    await off?.close();
    await db?.close();
  });

  it('streams the period as replay input, the lines exportReplayEvents gives', async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/admin/poc/export?from=${from}&to=${to}`, headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.body.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toEqual(await exportReplayEvents(db, { fromMs: Date.parse(from), toMs: Date.parse(to) }));
    expect(lines.map((l) => (JSON.parse(l) as { kind: string }).kind)).toEqual(['hotspot', 'hotspot', 'entropy', 'beacon']);
    // It is replay input as it stands.
    const verdicts = (await replayLines(lines, { rules: heliumRules })).map((l) => JSON.parse(l) as { beaconer: string });
    expect(verdicts).toEqual([expect.objectContaining({ beaconer })]);
  });

  it('gives an empty body for a period without anything stored', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/admin/poc/export?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('needs the admin token', async () => {
    const url = `/v1/admin/poc/export?from=${from}&to=${to}`;
    expect((await app.inject({ method: 'GET', url })).json()).toMatchObject({ code: 'ADMIN_UNAUTHORIZED' });
    expect((await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer wrong-secret' } })).statusCode).toBe(401);
    const disabled = await off.inject({ method: 'GET', url, headers: auth });
    expect(disabled.statusCode).toBe(403);
    expect(disabled.json().code).toBe('ADMIN_DISABLED');
  });

  it.each([
    ['no to', `from=${from}`],
    ['a time that is not ISO 8601', `from=yesterday&to=${to}`],
    ['an unknown parameter', `from=${from}&to=${to}&limit=5`],
  ])('refuses %s (INVALID_REQUEST)', async (_, query) => {
    const res = await app.inject({ method: 'GET', url: `/v1/admin/poc/export?${query}`, headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('INVALID_REQUEST');
  });

  it('refuses an empty period (POC_EXPORT_RANGE)', async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/admin/poc/export?from=${to}&to=${from}`, headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'POC_EXPORT_RANGE', details: { from: to, to: from } });
  });

  it('is in the OpenAPI document, as JSON Lines', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const op = doc.paths['/v1/admin/poc/export'].get;
    expect(op.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual(['query:from', 'query:to']);
    expect(Object.keys(op.responses['200'].content)).toEqual(['application/x-ndjson']);
  });
});
