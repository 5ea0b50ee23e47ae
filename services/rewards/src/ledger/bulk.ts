import type { Queryable } from '@hexlight/store';

// Bulk writes of the epoch close: a million hotspot rows as `unnest` statements of bounded size,
// all in the caller's transaction. One statement of a million rows would be a single message of
// ~100 MB, serialized by the driver element by element while the database waits.

/** Rows per statement: a few MB of parameters, a fraction of a second of database work each. */
export const ROWS_PER_STATEMENT = 20_000;

const NEEDS_ESCAPE = /[\\"]/;

/**
 * A PostgreSQL array literal of text values, every element quoted. Built here, not by the
 * driver, so the next chunk is ready while the database runs the previous one; both adapters
 * pass a string parameter through as its text, and `$n::text[]` parses it.
 */
export function textArray(values: readonly string[]): string {
  const quoted = values.map((v) => (NEEDS_ESCAPE.test(v) ? `"${v.replace(/[\\"]/g, '\\$&')}"` : `"${v}"`));
  return `{${quoted.join(',')}}`;
}

/** A PostgreSQL array literal of integers (for numeric or int8 parameters); exact at any size. */
export function integerArray(values: readonly bigint[]): string {
  return `{${values.join(',')}}`;
}

/**
 * Runs `sql` once per chunk of `rows` with the parameters `params(chunk)` gives, in order. Each
 * chunk's parameters are built while the statement before it is still running: on PostgreSQL
 * the server inserts and the process serializes at the same time (PGlite runs in this thread,
 * so there it is simply sequential). A failed statement stops the loop before the next is sent.
 */
export async function inChunks<T>(q: Queryable, sql: string, rows: readonly T[], params: (chunk: readonly T[]) => unknown[]): Promise<void> {
  let running: Promise<unknown> | undefined;
  for (let from = 0; from < rows.length; from += ROWS_PER_STATEMENT) {
    const next = params(rows.slice(from, from + ROWS_PER_STATEMENT));
    await running;
    running = q.query(sql, next);
    // Observed now as well as awaited below: should building the next chunk throw, a failure of
    // this statement must not surface as an unhandled rejection.
    running.catch(() => undefined);
  }
  await running;
}
