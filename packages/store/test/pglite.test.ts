import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, storeContract, type Db } from '../src/index.ts';
import { pgliteTestDb } from '../src/testing.ts';

// In-memory PGlite always, whatever TEST_DATABASE_URL says.
await storeContract('pglite', () => pgliteTestDb());

describe('pglite adapter', () => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('fails loudly instead of deadlocking when db.query is used inside a transaction', async () => {
    db = await pgliteTestDb();
    await expect(db.transaction(() => db!.query('SELECT 1'))).rejects.toMatchObject({ code: 'STORE_REENTRANT' });
    await expect(db.transaction(() => db!.transaction(async () => 1))).rejects.toMatchObject({ code: 'STORE_REENTRANT' });
    // The lock was released: the database still answers.
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('persists in a data directory it creates', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'hexlight-pglite-')), 'nested', 'data');
    try {
      db = await openDb({ dataDir: dir });
      expect(db.kind).toBe('pglite');
      await db.query('CREATE TABLE kept (v int8)');
      await db.query('INSERT INTO kept VALUES ($1)', [123n]);
      await db.close();
      db = await openDb({ dataDir: dir });
      expect((await db.query('SELECT v FROM kept')).rows).toEqual([{ v: 123n }]);
    } finally {
      await db?.close();
      db = undefined;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports queries after close as STORE_UNAVAILABLE', async () => {
    const closed = await openDb({ url: 'memory://' }); // the real entry, not the fixture
    await closed.close();
    await expect(closed.query('SELECT 1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', httpStatus: 503 });
  });

  it('has the BRIN time indexes of the plain branch', async () => {
    db = await pgliteTestDb();
    expect(db.timescale).toBe(false);
    const { rows } = await db.query<{ indexname: string; indexdef: string }>(
      "SELECT indexname, indexdef FROM pg_indexes WHERE indexdef LIKE '%USING brin%' ORDER BY indexname",
    );
    expect(rows.map((r) => r.indexname)).toEqual(['beacon_reports_time_brin', 'mapper_receptions_time_brin', 'mapper_uplinks_time_brin', 'packet_reports_time_brin', 'report_ids_time_brin', 'witness_reports_time_brin']);
  });
});
