import type { Logger } from '@hexlight/kit';
import type { Db, Queryable, QueryResult } from './db.ts';
import { StoreTxClosed } from './errors.ts';

/**
 * One connection held for a unit of work (a transaction, or a whole migration run under the
 * advisory lock). On pg it is a checked-out client; on PGlite, the engine behind the mutex.
 */
export interface Session extends Queryable {
  /** Several statements at once (simple-query protocol): migration files only. */
  script(sql: string): Promise<void>;
  /** COMMIT; rejects when the server rolled back instead (a failed statement was swallowed). */
  commit(): Promise<void>;
  /** ROLLBACK that never throws; a pg session whose rollback failed is discarded, not reused. */
  rollback(): Promise<void>;
}

/** What each adapter implements; `makeDb` turns it into the Db port. */
export interface Adapter {
  readonly kind: 'pglite' | 'pg';
  query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  withSession<T>(fn: (s: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Internals {
  readonly adapter: Adapter;
  readonly log: Logger;
  setTimescale(on: boolean): void;
  /** Runs before the adapter closes (test fixtures drop their schema here). */
  beforeClose(fn: () => Promise<void>): void;
}

/** Package-private door to the adapter behind a Db (migrate needs a pinned session). */
export const INTERNALS = Symbol('hexlight.store.internals');

export function internalsOf(db: Db): Internals {
  const i = (db as unknown as { [INTERNALS]?: Internals })[INTERNALS];
  if (!i) throw new TypeError('not a Db opened by @hexlight/store (openDb/createTestDb)');
  return i;
}

/** Wraps a session in BEGIN … COMMIT; the handle given to `fn` dies with the transaction. */
export async function inTransaction<T>(s: Session, fn: (tx: Session) => Promise<T>): Promise<T> {
  await s.query('BEGIN');
  let open = true;
  const guard = () => {
    if (!open) throw StoreTxClosed();
  };
  const tx: Session = {
    query: async (sql, params) => (guard(), s.query(sql, params)),
    script: async (sql) => (guard(), s.script(sql)),
    commit: async () => {
      throw new TypeError('commit is done by transaction() when the callback resolves');
    },
    rollback: async () => {
      throw new TypeError('throw from the callback to roll back');
    },
  };
  let result: T;
  try {
    result = await fn(tx);
  } catch (err) {
    open = false;
    await s.rollback();
    throw err;
  }
  open = false;
  await s.commit();
  return result;
}

class StoreDb implements Db, AsyncDisposable {
  #timescale: boolean;
  #closing: Promise<void> | undefined;
  readonly #hooks: Array<() => Promise<void>> = [];
  readonly [INTERNALS]: Internals;

  private readonly adapter: Adapter;

  constructor(adapter: Adapter, timescale: boolean, log: Logger) {
    this.adapter = adapter;
    this.#timescale = timescale;
    this[INTERNALS] = {
      adapter,
      log,
      setTimescale: (on) => {
        this.#timescale = on;
      },
      beforeClose: (fn) => {
        this.#hooks.push(fn);
      },
    };
  }

  get kind(): 'pglite' | 'pg' {
    return this.adapter.kind;
  }

  get timescale(): boolean {
    return this.#timescale;
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return this.adapter.query<T>(sql, params);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.adapter.withSession((s) => inTransaction(s, fn));
  }

  close(): Promise<void> {
    // Idempotent: fixtures, disposers and lifecycles may all try to close the same handle.
    this.#closing ??= (async () => {
      try {
        for (const hook of this.#hooks) await hook();
      } finally {
        await this.adapter.close();
      }
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

export function makeDb(adapter: Adapter, timescale: boolean, log: Logger): Db & AsyncDisposable {
  return new StoreDb(adapter, timescale, log);
}
