import type { Db } from './db.ts';
import { internalsOf } from './adapter.ts';
import { StoreUnavailable } from './errors.ts';

/**
 * A named singleton lock won by one holder at a time across every process on the database.
 *
 * On pg it is a session-level `pg_try_advisory_lock` on a connection checked out of the pool for
 * as long as it is held (the holder's own statements run on the pool's other connections, so the
 * pool needs at least two). The key is `hashtextextended(name || '@' || current_schema(), 0)`:
 * two deployments (or two test schemas) in one database do not exclude each other. The lock dies
 * with its connection, so a killed holder frees it at once for the next one.
 *
 * PGlite is one connection owned by one process (advisory locks there are re-entrant, so they
 * exclude nobody): the lock is a per-Db flag in this process, which is all the exclusion there is
 * to have.
 */
export interface AdvisoryLock {
  readonly name: string;
  /** false once the lock's connection is gone (then so is the lock: stop acting as its holder). */
  alive(): Promise<boolean>;
  /** Unlocks and returns the connection; idempotent. */
  release(): Promise<void>;
}

/** PGlite: the names held per engine (keyed by adapter, so every handle on one engine shares them). */
const held = new WeakMap<object, Set<string>>();

/** Takes `name` if nobody holds it; null at once otherwise (never waits). */
export async function tryAdvisoryLock(db: Db, name: string): Promise<AdvisoryLock | null> {
  if (db.kind === 'pglite') return tryLocal(db, name);
  const { adapter, log } = internalsOf(db);
  return new Promise<AdvisoryLock | null>((resolve, reject) => {
    let settled = false;
    let unlock!: () => void;
    const releasing = new Promise<void>((r) => {
      unlock = r;
    });
    const session = adapter.withSession(async (s) => {
      const r = await s.query<{ key: bigint; got: boolean }>(
        `SELECT k AS key, pg_try_advisory_lock(k) AS got FROM (SELECT hashtextextended($1 || '@' || current_schema(), 0) AS k) t`,
        [name],
      );
      const row = r.rows[0];
      if (!row?.got) {
        settled = true;
        resolve(null);
        return;
      }
      let lost = false;
      settled = true;
      resolve({
        name,
        async alive() {
          if (lost) return false;
          try {
            await s.query('SELECT 1');
            return true;
          } catch {
            lost = true;
            return false;
          }
        },
        async release() {
          unlock();
          await session.catch(() => undefined);
        },
      });
      await releasing;
      // A dead connection already dropped the lock (and the pool discards it).
      await s.query('SELECT pg_advisory_unlock($1::int8)', [row.key]).catch((err: unknown) => log.warn({ err, lock: name }, 'store.lock.unlock_failed'));
    });
    session.catch((err: unknown) => {
      if (!settled) reject(err);
    });
  });
}

function tryLocal(db: Db, name: string): AdvisoryLock | null {
  const engine = internalsOf(db).adapter;
  let names = held.get(engine);
  if (!names) held.set(engine, (names = new Set()));
  if (names.has(name)) return null;
  names.add(name);
  let released = false;
  return {
    name,
    alive: async () => !released,
    async release() {
      if (released) return;
      released = true;
      names.delete(name);
    },
  };
}

/**
 * Runs `fn` while holding `name` (see `tryAdvisoryLock`); `{ acquired: false }` at once, without
 * running it, when another holder has the lock.
 */
export async function withAdvisoryLock<T>(db: Db, name: string, fn: () => Promise<T>): Promise<{ acquired: true; value: T } | { acquired: false }> {
  const lock = await tryAdvisoryLock(db, name);
  if (!lock) return { acquired: false };
  try {
    return { acquired: true, value: await fn() };
  } finally {
    await lock.release();
  }
}


/**
 * Many named locks held on one connection for as long as the holder lives: the ingest workers
 * of a share group claim the group's broker sessions with it (services/ingest "Sessions"). Each
 * exclusive lock is a session-level `pg_try_advisory_lock` and the holder's presence is a shared
 * one, so `members` counts the live holders of a group; all of them die with the connection,
 * which is what hands a killed holder's claims to the others.
 *
 * Keys are the same as `tryAdvisoryLock`'s (name and schema). PGlite: per-engine flags, as above.
 */
export interface LockSession {
  /** Takes the exclusive lock `name` when nobody holds it; true if this session holds it now. */
  tryLock(name: string): Promise<boolean>;
  unlock(name: string): Promise<void>;
  /** Holds `name` shared (presence); idempotent. */
  join(name: string): Promise<void>;
  /** How many sessions, in every process on the database, hold `name` shared. */
  members(name: string): Promise<number>;
  /** Of the exclusive locks `names`: how many each holding session has (one entry per holder). */
  holdings(names: string[]): Promise<number[]>;
  /** false once the connection is gone, and with it every lock it held. */
  alive(): Promise<boolean>;
  /** Unlocks everything and returns the connection; idempotent. */
  close(): Promise<void>;
}

const KEY = `hashtextextended($1 || '@' || current_schema(), 0)`;

export async function openLockSession(db: Db): Promise<LockSession> {
  if (db.kind === 'pglite') return localLockSession(db);
  const { adapter, log } = internalsOf(db);
  return new Promise<LockSession>((resolve, reject) => {
    let settled = false;
    let done!: () => void;
    const closing = new Promise<void>((r) => {
      done = r;
    });
    const session = adapter.withSession(async (s) => {
      let lost = false;
      let closed = false;
      const held = new Set<string>();
      const joined = new Set<string>();
      const q = async <T>(sql: string, params: unknown[]) => {
        if (closed || lost) throw new Error('lock session closed');
        try {
          return await s.query<T>(sql, params);
        } catch (err) {
          // A dead connection took every lock with it; a statement error leaves them held.
          if (StoreUnavailable.is(err)) lost = true;
          throw err;
        }
      };
      settled = true;
      resolve({
        async tryLock(name) {
          if (held.has(name)) return true;
          const r = await q<{ got: boolean }>(`SELECT pg_try_advisory_lock(${KEY}) AS got`, [name]);
          if (r.rows[0]?.got) held.add(name);
          return held.has(name);
        },
        async unlock(name) {
          if (!held.delete(name)) return;
          await q(`SELECT pg_advisory_unlock(${KEY})`, [name]);
        },
        async join(name) {
          if (joined.has(name)) return;
          await q(`SELECT pg_advisory_lock_shared(${KEY})`, [name]);
          joined.add(name);
        },
        async members(name) {
          // pg_locks shows an int8 advisory key as its high half in classid, low half in objid.
          const r = await q<{ n: number }>(`
            SELECT count(*)::int AS n FROM pg_locks l, (SELECT ${KEY} AS k) t
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.mode = 'ShareLock'
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.classid = ((t.k >> 32) & 4294967295)::oid AND l.objid = (t.k & 4294967295)::oid`, [name]);
          return r.rows[0]?.n ?? 0;
        },
        async holdings(names) {
          const r = await q<{ n: number }>(`
            SELECT count(*)::int AS n FROM pg_locks l
              JOIN (SELECT hashtextextended(x || '@' || current_schema(), 0) AS k FROM unnest($1::text[]) x) t
                ON l.classid = ((t.k >> 32) & 4294967295)::oid AND l.objid = (t.k & 4294967295)::oid
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.mode = 'ExclusiveLock'
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             GROUP BY l.pid`, [names]);
          return r.rows.map((row) => row.n);
        },
        async alive() {
          if (lost || closed) return false;
          try {
            await q('SELECT 1', []);
            return true;
          } catch {
            lost = true;
            return false;
          }
        },
        async close() {
          if (closed) return session.catch(() => undefined);
          closed = true;
          done();
          await session.catch(() => undefined);
        },
      });
      await closing;
      if (lost) return;
      await s.query('SELECT pg_advisory_unlock_all()').catch((err: unknown) => log.warn({ err }, 'store.lock.unlock_failed'));
    });
    session.catch((err: unknown) => {
      if (!settled) reject(err);
    });
  });
}

/** PGlite: shared names counted per engine; exclusive ones as `tryLocal`'s flags, with their holder. */
const members = new WeakMap<object, Map<string, number>>();
const owners = new WeakMap<object, Map<string, object>>();

function localLockSession(db: Db): LockSession {
  const engine = internalsOf(db).adapter;
  let names = held.get(engine);
  if (!names) held.set(engine, (names = new Set()));
  let counts = members.get(engine);
  if (!counts) members.set(engine, (counts = new Map()));
  let byName = owners.get(engine);
  if (!byName) owners.set(engine, (byName = new Map()));
  const mine = new Set<string>();
  const joined = new Set<string>();
  let closed = false;
  const engineNames = names;
  const engineCounts = counts;
  const engineOwners = byName;
  const self = {};
  return {
    async tryLock(name) {
      if (closed) throw new Error('lock session closed');
      if (mine.has(name)) return true;
      if (engineNames.has(name)) return false;
      engineNames.add(name);
      engineOwners.set(name, self);
      mine.add(name);
      return true;
    },
    async unlock(name) {
      if (!mine.delete(name)) return;
      engineNames.delete(name);
      engineOwners.delete(name);
    },
    async join(name) {
      if (closed) throw new Error('lock session closed');
      if (joined.has(name)) return;
      joined.add(name);
      engineCounts.set(name, (engineCounts.get(name) ?? 0) + 1);
    },
    async members(name) {
      return engineCounts.get(name) ?? 0;
    },
    async holdings(names) {
      const per = new Map<object, number>();
      for (const n of names) {
        const o = engineOwners.get(n);
        if (o) per.set(o, (per.get(o) ?? 0) + 1);
      }
      return [...per.values()];
    },
    alive: async () => !closed,
    async close() {
      if (closed) return;
      closed = true;
      for (const n of mine) {
        engineNames.delete(n);
        engineOwners.delete(n);
      }
      for (const n of joined) engineCounts.set(n, (engineCounts.get(n) ?? 1) - 1);
      mine.clear();
      joined.clear();
    },
  };
}
