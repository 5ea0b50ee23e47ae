import { afterEach, describe, expect, it } from 'vitest';
import { openDb, openLockSession, openTestDbPeer, tryAdvisoryLock, withAdvisoryLock, type Db } from '../src/index.ts';
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

  it('PGlite: a lock session holds many names, counts members and holdings, frees all on close', async () => {
    const db = await pgliteTestDb();
    open.push(db);
    const a = await openLockSession(db);
    const b = await openLockSession(await openTestDbPeer(db));
    await a.join('g.workers');
    await b.join('g.workers');
    await a.join('g.workers'); // idempotent
    expect(await a.members('g.workers')).toBe(2);
    expect(await a.tryLock('g.0')).toBe(true);
    expect(await a.tryLock('g.1')).toBe(true);
    expect(await b.tryLock('g.0')).toBe(false);
    expect(await b.tryLock('g.2')).toBe(true);
    expect((await b.holdings(['g.0', 'g.1', 'g.2', 'g.3'])).sort()).toEqual([1, 2]);
    await a.close();
    expect(await a.alive()).toBe(false);
    expect(await b.members('g.workers')).toBe(1);
    expect(await b.holdings(['g.0', 'g.1', 'g.2'])).toEqual([1]);
    expect(await b.tryLock('g.0')).toBe(true);
    await b.close();
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

    it('lock session: members and holdings across pools from pg_locks; a killed connection frees its locks at once', async () => {
      const s2 = `t_lks_${Date.now().toString(36)}`;
      const admin = await schemaDb('public');
      open.push({ close: () => admin.query(`DROP SCHEMA IF EXISTS ${s2} CASCADE`).then(() => undefined) });
      await admin.query(`CREATE SCHEMA ${s2}`);
      const [da, db2] = [await schemaDb(s2), await schemaDb(s2)];
      const a = await openLockSession(da);
      const b = await openLockSession(db2);
      await a.join('g.workers');
      await b.join('g.workers');
      expect(await b.members('g.workers')).toBe(2);
      expect(await a.tryLock('g.0')).toBe(true);
      expect(await a.tryLock('g.1')).toBe(true);
      expect(await b.tryLock('g.1')).toBe(false);
      expect(await b.tryLock('g.2')).toBe(true);
      expect((await b.holdings(['g.0', 'g.1', 'g.2', 'g.3'])).sort()).toEqual([1, 2]);
      // Another schema's names are other keys.
      const other = await openLockSession(admin);
      expect(await other.members('g.workers')).toBe(0);
      expect(await other.tryLock('g.0')).toBe(true);
      await other.close();
      // a's connection dies (a killed worker): its locks and its membership are gone at once.
      await admin.query(
        `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
          WHERE l.locktype = 'advisory' AND l.granted AND l.mode = 'ExclusiveLock'
            AND ((l.classid::int8 << 32) | l.objid::int8) = (SELECT hashtextextended('g.0@' || $1, 0))`, [s2]);
      expect(await a.alive()).toBe(false);
      expect(await b.members('g.workers')).toBe(1);
      expect(await b.tryLock('g.0')).toBe(true);
      expect(await b.holdings(['g.0', 'g.1', 'g.2'])).toEqual([2]);
      await a.close();
      await b.close();
      const c = await openLockSession(da);
      expect(await c.tryLock('g.2')).toBe(true); // b's close unlocked everything
      await c.close();
    });
  });
});
