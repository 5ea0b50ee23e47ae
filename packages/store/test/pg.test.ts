import { describe, expect, it } from 'vitest';
import { createTestDb, loadMigrations, migrate, openDb, storeContract } from '../src/index.ts';

const url = process.env.TEST_DATABASE_URL?.trim();

// Skipped, never silently green, without a server: vitest lists these as skipped under this name.
describe.skipIf(!url)('pg adapter (skipped: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run)', async () => {
  await storeContract('pg', () => createTestDb());

  it('uses a throwaway schema per test database and drops it on close', async () => {
    const db = await createTestDb();
    const schema = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    expect(schema).toMatch(/^t_[0-9a-f]{12}$/);
    await db.close();
    const admin = await openDb({ url: url! });
    try {
      const left = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(left.rowCount).toBe(0);
    } finally {
      await admin.close();
    }
  });

  it('lets two processes migrate the same database at once (advisory lock)', async () => {
    const schema = `t_race_${Date.now().toString(36)}`;
    const admin = await openDb({ url: url! });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const a = await openDb({ url: url!, schema, poolSize: 1 });
    const b = await openDb({ url: url!, schema, poolSize: 1 });
    try {
      const results = await Promise.all([migrate(a, { timescale: 'off' }), migrate(b, { timescale: 'off' })]);
      const all = (await loadMigrations()).map((f) => f.id);
      // One process applied everything; the other waited on the lock and found nothing to do.
      expect(results.map((r) => r.applied).sort((x, y) => x.length - y.length)).toEqual([[], all]);
      const rows = await admin.query(`SELECT version FROM ${schema}.schema_migrations`);
      expect(rows.rowCount).toBe(all.length);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    }
  });

  it('detects the absence of TimescaleDB without failing and migrates the plain branch', async () => {
    const db = await createTestDb();
    try {
      expect(db.timescale).toBe(false);
      const brin = await db.query("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexdef LIKE '%USING brin%'");
      expect(brin.rowCount).toBe(6); // beacon, witness and packet reports, report ids, mapper uplinks and receptions
    } finally {
      await db.close();
    }
  });
});

describe('pg adapter without a server', () => {
  it('wraps a refused connection in STORE_UNAVAILABLE with the cause', async () => {
    const err = await openDb({ url: 'postgres://postgres@127.0.0.1:1/none' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE', httpStatus: 503 });
    expect((err as Error).cause).toBeInstanceOf(Error);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(openDb({ url: 'postgres://postgres@127.0.0.1:1/none', schema: 'x; DROP TABLE y' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('refuses a url that is neither postgres:// nor memory://', async () => {
    await expect(openDb({ url: 'mysql://x' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
