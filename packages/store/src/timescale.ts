import type { Logger } from '@hexlight/kit';
import type { Db, Queryable } from './db.ts';
import { internalsOf } from './adapter.ts';

/**
 * Whether TimescaleDB can be used here, installing it when the server offers it: already in
 * pg_extension, or listed in pg_available_extensions and `CREATE EXTENSION` succeeds. A server
 * without it (or without it preloaded, or without the privilege) is plain PostgreSQL, not an
 * error. Run outside a transaction: a failed CREATE EXTENSION would poison one.
 */
export async function detectTimescaleOn(q: Queryable, log: Logger): Promise<boolean> {
  const has = async (sql: string) => (await q.query<{ yes: boolean }>(sql)).rows[0]?.yes === true;
  if (await has("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS yes")) return true;
  if (!(await has("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS yes"))) return false;
  try {
    await q.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    log.info('store.timescale.installed');
    return true;
  } catch (err) {
    log.warn({ err }, 'store.timescale.unusable');
    return false;
  }
}

/** Detects (and installs when offered) TimescaleDB and records the answer on `db.timescale`. */
export async function detectTimescale(db: Db): Promise<boolean> {
  const internals = internalsOf(db);
  const on = await internals.adapter.withSession((s) => detectTimescaleOn(s, internals.log));
  internals.setTimescale(on);
  return on;
}
