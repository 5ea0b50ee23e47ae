import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@hexlight/store';
import { inChunks, integerArray, ROWS_PER_STATEMENT, textArray } from './bulk.ts';

// The literals must mean to PostgreSQL exactly what the values are: round trips through the store.

let db: TestDb;
beforeEach(async () => {
  db = await createTestDb();
});
afterEach(async () => {
  await db.close();
});

describe('array literals', () => {
  it('carry any text unchanged', async () => {
    const values = ['112qB3YaH5bZkCnKA5uRH7tBtGNv2Y5B4smv1jsmvGUzgKT71QpE', '', 'NULL', 'a,b', '{x}', 'say "hi"', 'back\\slash', '\\"', ' spaced ', 'é∑😀', 'line\nbreak'];
    const r = await db.query<{ v: string }>('SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS t(v, i) ORDER BY i', [textArray(values)]);
    expect(r.rows.map((x) => x.v)).toEqual(values);
    expect((await db.query<{ n: number }>('SELECT cardinality($1::text[]) AS n', [textArray([])])).rows[0]!.n).toBe(0);
  });

  it('carry integers beyond int8 exactly', async () => {
    const values = [0n, 1n, 9_223_372_036_854_775_808n, 50_000_000_000_000_000_000n, 10n ** 38n];
    const r = await db.query<{ v: string }>('SELECT v::text FROM unnest($1::numeric[]) WITH ORDINALITY AS t(v, i) ORDER BY i', [integerArray(values)]);
    expect(r.rows.map((x) => BigInt(x.v))).toEqual(values);
  });
});

describe('inChunks', () => {
  it('writes every row, in order, in statements of ROWS_PER_STATEMENT', async () => {
    await db.query('CREATE TABLE chunked (i int PRIMARY KEY, label text NOT NULL)');
    const rows = Array.from({ length: 2 * ROWS_PER_STATEMENT + 7 }, (_, i) => ({ i, label: `row "${i}"` }));
    let statements = 0;
    await inChunks(db, 'INSERT INTO chunked SELECT * FROM unnest($1::int[], $2::text[])', rows, (chunk) => {
      statements++;
      return [integerArray(chunk.map((r) => BigInt(r.i))), textArray(chunk.map((r) => r.label))];
    });
    expect(statements).toBe(3);
    const back = await db.query<{ i: number; label: string }>('SELECT i, label FROM chunked ORDER BY i');
    expect(back.rows).toEqual(rows);
  });

  it('stops at the first failing statement', async () => {
    await db.query('CREATE TABLE chunked (i int PRIMARY KEY)');
    const rows = Array.from({ length: 3 * ROWS_PER_STATEMENT }, (_, i) => (i === ROWS_PER_STATEMENT + 1 ? 0 : i));
    let statements = 0;
    const err = await inChunks(db, 'INSERT INTO chunked SELECT * FROM unnest($1::int[])', rows, (chunk) => {
      statements++;
      return [integerArray(chunk.map(BigInt))];
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    // The third chunk's parameters were built while the second ran, but never sent.
    expect(statements).toBe(3);
    expect(Number((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM chunked')).rows[0]!.n)).toBe(ROWS_PER_STATEMENT);
  });
});
