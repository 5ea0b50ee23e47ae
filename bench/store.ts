import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, migrate, type Db } from '@hexlight/store';

/** The database a benchmark may use: BENCH_DATABASE_URL, TEST_DATABASE_URL or DATABASE_URL. */
export function benchDatabaseUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
}

/**
 * A fresh, migrated store for one benchmark run: a new schema on PostgreSQL (dropped after) or
 * PGlite in a temporary directory (deleted after).
 */
export async function openBenchStore(kind: string, name: string): Promise<{ db: Db; cleanup(): Promise<void> }> {
  if (kind === 'pg') {
    const url = benchDatabaseUrl();
    if (!url) throw new Error('--store pg needs BENCH_DATABASE_URL, TEST_DATABASE_URL or DATABASE_URL');
    const schema = `bench_${name}_${Date.now()}`;
    const admin = await openDb({ url });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const db = await openDb({ url, schema });
    await migrate(db);
    return { db, cleanup: async () => { await db.close(); await admin.query(`DROP SCHEMA ${schema} CASCADE`); await admin.close(); } };
  }
  const dir = await mkdtemp(join(tmpdir(), `hexlight-bench-${name}-`));
  const db = await openDb({ dataDir: dir });
  await migrate(db);
  return { db, cleanup: async () => { await db.close(); await rm(dir, { recursive: true, force: true }); } };
}
