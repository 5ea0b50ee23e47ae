import pg from 'pg';
import { ConfigInvalid, type Logger } from '@hexlight/kit';
import type { Db, QueryResult } from './db.ts';
import { makeDb, type Adapter, type Session } from './adapter.ts';
import { StoreQueryFailed, StoreUnavailable, toStoreError } from './errors.ts';

const TEXT_ARRAY = 1009;

/** Applies `f` to every leaf of a (possibly nested) parsed array, keeping NULLs. */
function mapArray(value: unknown, f: (s: string) => unknown): unknown {
  return Array.isArray(value) ? value.map((v) => mapArray(v, f)) : value === null ? null : f(value as string);
}

/**
 * Per-pool parsers (pg's global defaults stay untouched for anyone else in the process). They
 * align pg with the PGlite adapter: exact int8 and numeric, and no local-time guessing for
 * calendar dates.
 */
const builtinParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => (s: string) => unknown;
const parseTextArray = builtinParser(TEXT_ARRAY, 'text');
const TEXT_OVERRIDES: Record<number, (s: string) => unknown> = {
  20: (s) => BigInt(s), // int8: pg would hand out a string
  1016: (s) => mapArray(parseTextArray(s), (x) => BigInt(x)), // int8[]
  1231: (s) => parseTextArray(s), // numeric[]: pg would round through float
  1082: (s) => s, // date: pg would make a local-midnight Date
  1182: (s) => parseTextArray(s), // date[]
  1186: (s) => s, // interval: pg would make an object; PGlite gives the text
  1187: (s) => parseTextArray(s), // interval[]
};

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if ((format ?? 'text') === 'text' && TEXT_OVERRIDES[oid]) return TEXT_OVERRIDES[oid];
    return builtinParser(oid, format);
  },
} as pg.CustomTypesConfig;

interface PgOptions {
  url: string;
  poolSize: number;
  schema?: string | undefined;
  log: Logger;
  /** Connect timeout: an unreachable server fails as STORE_UNAVAILABLE instead of hanging. */
  connectTimeoutMs?: number;
}

function normalize<T>(r: pg.QueryResult): QueryResult<T> {
  return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
}

/**
 * Extended protocol even without parameters, so pg refuses several statements in one query
 * exactly like PGlite does (Session.script is the deliberate way to run a script).
 */
function statement(sql: string, params: unknown[] | undefined): pg.QueryConfig & { queryMode: 'extended' } {
  return { text: sql, values: params ?? [], queryMode: 'extended' };
}

export async function openPg(opts: PgOptions): Promise<Db & AsyncDisposable> {
  const { log } = opts;
  if (opts.schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.schema)) {
    throw ConfigInvalid(`schema ${JSON.stringify(opts.schema)} is not a plain identifier (it goes into search_path)`, { setting: 'schema' });
  }
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    types: typeParsers,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client losing its server emits here; without a listener Node would crash the process.
  pool.on('error', (err) => log.warn({ err }, 'store.pg.idle_client_error'));

  const run = async <T>(q: pg.Pool | pg.PoolClient, sql: string, params?: unknown[]) => {
    try {
      return normalize<T>(await q.query(statement(sql, params)));
    } catch (err) {
      throw toStoreError(err);
    }
  };

  const adapter: Adapter = {
    kind: 'pg',
    query: (sql, params) => run(pool, sql, params),
    async withSession(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw toStoreError(err);
      }
      // A client whose transaction state we no longer know must not go back to the pool.
      let discard = false;
      // pg-pool listens for errors only on idle clients: a checked-out client whose server goes
      // away (shutdown, crash, network) emits 'error', and with no listener that is an uncaught
      // exception that takes the process down. The query in flight, if any, rejects on its own.
      const onError = (err: Error) => {
        discard = true;
        log.warn({ err: err.message }, 'store.pg.session_client_error');
      };
      client.on('error', onError);
      const session: Session = {
        async query(sql, params) {
          try {
            return await run(client, sql, params);
          } catch (err) {
            if (StoreUnavailable.is(err)) discard = true;
            throw err;
          }
        },
        async script(sql) {
          try {
            await client.query(sql);
          } catch (err) {
            throw toStoreError(err);
          }
        },
        async commit() {
          let r: pg.QueryResult;
          try {
            r = await client.query('COMMIT');
          } catch (err) {
            const e = toStoreError(err);
            // Connection lost mid-COMMIT: the outcome is unknown, never hand this client out again.
            if (StoreUnavailable.is(e)) discard = true;
            throw e;
          }
          // PostgreSQL answers COMMIT of an aborted transaction with a ROLLBACK tag, not an error.
          if (r.command === 'ROLLBACK') throw StoreQueryFailed('transaction was rolled back instead of committed: a statement in it failed', { sqlState: '25P02' });
        },
        async rollback() {
          try {
            await client.query('ROLLBACK');
          } catch (err) {
            discard = true;
            log.warn({ err }, 'store.pg.rollback_failed');
          }
        },
      };
      try {
        return await fn(session);
      } finally {
        client.off('error', onError); // the pool's idle listener takes over in release()
        client.release(discard || undefined);
      }
    },
    async close() {
      await pool.end();
    },
  };

  let timescale: boolean;
  try {
    const r = await adapter.query<{ ts: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS ts");
    timescale = r.rows[0]?.ts === true;
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw StoreUnavailable.is(err) ? err : StoreUnavailable(`database unavailable: ${(err as Error).message}`, undefined, err);
  }
  // Host and database only: the URL may carry a password.
  const target = URL.canParse(opts.url) ? new URL(opts.url) : undefined;
  log.info({ kind: 'pg', host: target?.hostname, database: target?.pathname.slice(1), schema: opts.schema, poolSize: opts.poolSize, timescale }, 'store.opened');
  return makeDb(adapter, timescale, log);
}
