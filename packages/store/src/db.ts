import { ConfigInvalid, silentLogger, type Logger } from '@hexlight/kit';

/**
 * Values cross this port with the same JS types on every adapter: int8 → bigint, int4 → number,
 * numeric → string (exact), bytea → Buffer (a Uint8Array), timestamptz → Date, json/jsonb →
 * parsed, date and interval → string, and arrays of each. Parameters may be bigint, number,
 * string, boolean, Date, Uint8Array/Buffer, null, or arrays of those.
 */
export interface QueryResult<T> {
  rows: T[];
  /** Rows returned (SELECT, RETURNING) or changed (INSERT/UPDATE/DELETE); 0 for DDL. */
  rowCount: number;
}

export interface Queryable {
  /** One statement, extended protocol on both adapters (so never several statements at once). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'pg';
  /** true when the timescaledb extension is installed in this database (set by migrate / detect) */
  readonly timescale: boolean;
  /** BEGIN/COMMIT, ROLLBACK on throw; resolves only after COMMIT returned. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; `memory://` an in-memory PGlite. */
  url?: string;
  /** PGlite data directory (default `./data/pglite`, created if missing); `memory://` for none. */
  dataDir?: string;
  /** pg connections (default 8). */
  poolSize?: number;
  /** pg only: search_path for every connection (tests use a throwaway schema per database). */
  schema?: string;
  log?: Logger;
}

export const DEFAULT_DATA_DIR = './data/pglite';

/** The only place that picks an adapter; everything else sees the Db port. */
export async function openDb(opts: OpenDbOptions = {}): Promise<Db> {
  const log = opts.log ?? silentLogger();
  const url = opts.url?.trim() || undefined;
  if (url && /^postgres(ql)?:\/\//i.test(url)) {
    const { openPg } = await import('./pg.ts');
    return openPg({ url, poolSize: opts.poolSize ?? 8, schema: opts.schema, log });
  }
  if (url && url !== 'memory://') {
    throw ConfigInvalid('database url must start with postgres:// or postgresql://, or be memory:// (unset: PGlite in the data dir)', {
      setting: 'url',
    });
  }
  const { openPglite } = await import('./pglite.ts');
  return openPglite({ dataDir: url ?? opts.dataDir ?? DEFAULT_DATA_DIR, log });
}
