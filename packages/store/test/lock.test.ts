import { afterEach, describe, expect, it } from 'vitest';
import { openDb, openTestDbPeer, tryAdvisoryLock, withAdvisoryLock, type Db } from '../src/index.ts';
import { pgliteTestDb } from '../src/testing.ts';

const url = process.env.TEST_DATABASE_URL?.trim();

describe('advisory singleton lock', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    while (open.length > 0) await open.pop()!.close();
  });

  it('PGlite: one holder per name and engine, free again after release', async () => {
    const db = await pgliteTestDb();
    open.push(db);
    const peer = await openTestDbPeer(db);
    const first = await tryAdvisoryLock(db, 'x');
    expect(first).not.toBeNull();
    expect(await tryAdvisoryLock(peer, 'x')).toBeNull();
    expect(await tryAdvisoryLock(peer, 'y')).not.toBeNull();
    expect(await first!.alive()).toBe(true);
    expect(await withAdvisoryLock(peer, 'x', async () => 1)).toEqual({ acquired: false });
    await first!.release();
    expect(await first!.alive()).toBe(false);
    expect(await withAdvisoryLock(peer, 'x', async () => 1)).toEqual({ acquired: true, value: 1 });
  });

  describe.skipIf(!url)('pg (skipped: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run)', () => {
    async function schemaDb(schema: string): Promise<Db> {
      const db = await openDb({ url: url!, schema, poolSize: 2 });
      open.push(db);
      return db;
    }

    it('excludes other pools on the same schema, not other schemas; dies with its connection', async () => {
      const s1 = `t_lock_${Date.now().toString(36)}`;
      const admin = await schemaDb('public');
      open.push({ close: () => admin.query(`DROP SCHEMA IF EXISTS ${s1} CASCADE`).then(() => undefined) });
      await admin.query(`CREATE SCHEMA ${s1}`);
      const a = await schemaDb(s1);
      const b = await schemaDb(s1);
      const lock = await tryAdvisoryLock(a, 'hexlight.test');
      expect(lock).not.toBeNull();
      expect(await tryAdvisoryLock(b, 'hexlight.test')).toBeNull();
      // Another schema (another deployment, or another test) has its own key.
      const other = await tryAdvisoryLock(admin, 'hexlight.test');
      expect(other).not.toBeNull();
      await other!.release();
      // The holder's connection dies (a killed process): the lock is free at once.
      await admin.query(
        `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
         WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
           AND ((l.classid::int8 << 32) | l.objid::int8) = (SELECT hashtextextended('hexlight.test@' || $1, 0))`,
        [s1],
      );
      expect(await lock!.alive()).toBe(false);
      await lock!.release();
      const next = await tryAdvisoryLock(b, 'hexlight.test');
      expect(next).not.toBeNull();
      await next!.release();
    });
  });
});
