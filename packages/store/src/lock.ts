import type { Db } from './db.ts';
import { internalsOf } from './adapter.ts';

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

