import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from '@hexlight/kit';
import type { Db, QueryResult } from './db.ts';
import { makeDb, type Adapter, type Session } from './adapter.ts';
import { StoreQueryFailed, StoreReentrant, StoreUnavailable, toStoreError } from './errors.ts';

/** What we use of a PGlite instance: both the 0.5 release and the 0.3 Timescale build fit. */
export interface PgliteLike {
  query(sql: string, params?: unknown[]): Promise<PgliteResult>;
  exec(sql: string): Promise<PgliteResult[]>;
  close(): Promise<void>;
}

interface PgliteResult {
  rows: unknown[];
  fields: unknown[];
  affectedRows?: number;
  /** Absent before PGlite 0.4 (the Timescale build). */
  rowCount?: number;
  command?: string;
}

function hex(b: Uint8Array): string {
  return (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString('hex');
}

function bytea(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new TypeError('bytea parameter must be a Uint8Array or Buffer');
  return '\\x' + hex(value);
}

/**
 * bytea[] written directly: PGlite's generic array serializer runs two regex escapes over every
 * hex string, which is most of the cost of a bulk insert. Hex needs no escaping; the doubled
 * backslash is the array-literal escape for the `\x` prefix.
 */
function byteaArray(value: unknown): string {
  if (!Array.isArray(value)) return value as string;
  let out = '{';
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (i > 0) out += ',';
    out += v === null || v === undefined ? 'NULL' : Array.isArray(v) ? byteaArray(v) : '"\\\\x' + hex(v as Uint8Array) + '"';
  }
  return out + '}';
}

/**
 * Type handling shared by every PGlite instance we open (the Timescale build included), keyed
 * by type oid. Array types follow their element parsers, so int8[] becomes bigint[] too.
 */
export const pgliteTypeOptions = {
  parsers: {
    17: (s: string) => Buffer.from(s.slice(2), 'hex'), // bytea: Buffer, like pg (and far faster than the default)
    20: (s: string) => BigInt(s), // int8: always bigint, not "number when it fits"
    1700: (s: string) => s, // numeric: exact text
    1082: (s: string) => s, // date: the calendar day, no time zone guess
  },
  serializers: {
    17: bytea,
    1001: byteaArray,
  },
};

/**
 * PGlite is one connection. Every statement and every transaction takes this lock, so a query
 * from elsewhere waits for a running transaction instead of landing inside it.
 */
class Exclusive {
  #tail: Promise<unknown> = Promise.resolve();
  readonly #holder = new AsyncLocalStorage<{ active: boolean }>();

  run<T>(fn: () => Promise<T>): Promise<T> {
    // Waiting on ourselves would hang forever: fail loudly instead.
    if (this.#holder.getStore()?.active) return Promise.reject(StoreReentrant());
    const token = { active: false };
    const result = this.#tail.then(() => {
      token.active = true;
      return this.#holder.run(token, fn);
    });
    const settled = result.finally(() => {
      token.active = false;
    });
    this.#tail = settled.catch(() => undefined);
    return settled;
  }
}

function normalize<T>(r: PgliteResult): QueryResult<T> {
  // PGlite 0.3 has no per-statement rowCount: use the rows for row-returning statements.
  const rowCount = r.rowCount ?? (r.fields.length > 0 ? r.rows.length : (r.affectedRows ?? 0));
  return { rows: r.rows as T[], rowCount };
}

/** Puts the Db port on a PGlite instance we own (closing the Db closes it). */
export async function wrapPglite(pglite: PgliteLike, log: Logger): Promise<Db & AsyncDisposable> {
  const lock = new Exclusive();
  let closed = false;

  const run = async <T>(sql: string, params?: unknown[]) => {
    if (closed) throw StoreUnavailable('database is closed');
    try {
      return normalize<T>(await pglite.query(sql, params ?? []));
    } catch (err) {
      throw toStoreError(err);
    }
  };

  // The Timescale build reports no command tag, so COMMIT of an aborted transaction cannot be
  // told from a real one afterwards: probe before committing instead (in-process, microseconds).
  const [probe] = await pglite.exec('SELECT 1');
  const hasCommandTags = typeof probe?.command === 'string';

  const session: Session = {
    query: run,
    async script(sql) {
      if (closed) throw StoreUnavailable('database is closed');
      try {
        await pglite.exec(sql);
      } catch (err) {
        throw toStoreError(err);
      }
    },
    async commit() {
      if (!hasCommandTags) {
        try {
          await run('SELECT 1');
        } catch (err) {
          await session.rollback();
          throw err;
        }
      }
      let r: PgliteResult[];
      try {
        r = await pglite.exec('COMMIT');
      } catch (err) {
        throw toStoreError(err);
      }
      if (r[0]?.command === 'ROLLBACK') throw StoreQueryFailed('transaction was rolled back instead of committed: a statement in it failed', { sqlState: '25P02' });
    },
    async rollback() {
      try {
        await pglite.exec('ROLLBACK');
      } catch (err) {
        log.warn({ err }, 'store.pglite.rollback_failed');
      }
    },
  };

  const adapter: Adapter = {
    kind: 'pglite',
    query: (sql, params) => lock.run(() => run(sql, params)),
    withSession: (fn) => lock.run(() => fn(session)),
    async close() {
      if (closed) return;
      // Let work already queued finish, then shut the engine.
      await lock.run(async () => {
        closed = true;
        await pglite.close();
      });
    },
  };

  const r = await adapter.query<{ ts: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS ts");
  return makeDb(adapter, r.rows[0]?.ts === true, log);
}

export interface PgliteOptions {
  /** A directory, or `memory://`. */
  dataDir: string;
  log: Logger;
  /** Start from a dump (`dumpDataDir`) instead of initdb: test fixtures reuse a migrated template. */
  loadDataDir?: Blob;
}

export async function openPglite(opts: PgliteOptions): Promise<Db & AsyncDisposable> {
  const memory = opts.dataDir.startsWith('memory://');
  const dataDir = memory ? 'memory://' : resolve(opts.dataDir);
  if (!memory) mkdirSync(dataDir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  let pglite: PgliteLike;
  try {
    pglite = await PGlite.create({ dataDir, ...pgliteTypeOptions, ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}) });
  } catch (err) {
    throw StoreUnavailable(`cannot start PGlite in ${dataDir}: ${(err as Error).message}`, { dataDir }, err);
  }
  opts.log.info({ kind: 'pglite', dataDir }, 'store.opened');
  return wrapPglite(pglite, opts.log);
}
