import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db, Queryable } from './db.ts';
import { isUniqueViolation, sqlStateOf } from './errors.ts';
import { migrate, MIGRATIONS_DIR } from './migrate.ts';

/** One row of witness_reports as the store hands it back. */
export interface WitnessRow {
  id: Buffer;
  received_at: Date;
  hotspot: string;
  data: Buffer;
  signal: number;
  snr: number;
  frequency: bigint;
  datarate: number;
  hotspot_ts: string;
  tmst: bigint;
  payload: Buffer;
}

/** Deterministic witness rows: ids are unique, times ascend by 1 ms from `startMs`. */
export function sampleWitnesses(n: number, startMs = Date.UTC(2025, 0, 1), hotspots = 50): WitnessRow[] {
  const rows: WitnessRow[] = [];
  for (let i = 0; i < n; i++) {
    const id = Buffer.alloc(32);
    id.writeUInt32BE(i, 28);
    id.writeUInt32BE(startMs / 1000, 0);
    rows.push({
      id,
      received_at: new Date(startMs + i),
      hotspot: `11hotspot${i % hotspots}`,
      data: Buffer.alloc(16, i % 251),
      signal: -1200 + (i % 300),
      snr: -50 + (i % 120),
      frequency: 904_100_000n + BigInt((i % 8) * 200_000),
      datarate: i % 5,
      hotspot_ts: (1_735_689_600_000_000_000n + BigInt(i) * 1_000_000n).toString(),
      tmst: 4_000_000_000n + BigInt(i),
      payload: Buffer.alloc(96, (i * 7) % 256),
    });
  }
  return rows;
}

/** The bulk write ingest uses: one statement, one array parameter per column. */
export const INSERT_WITNESSES = `INSERT INTO witness_reports
  (id, received_at, hotspot, data, signal, snr, frequency, datarate, hotspot_ts, tmst, payload)
  SELECT * FROM unnest($1::bytea[], $2::timestamptz[], $3::text[], $4::bytea[], $5::int4[], $6::int4[],
                       $7::int8[], $8::int4[], $9::numeric[], $10::int8[], $11::bytea[])`;

export async function insertWitnesses(q: Queryable, rows: WitnessRow[]): Promise<number> {
  const col = <K extends keyof WitnessRow>(k: K) => rows.map((r) => r[k]);
  const r = await q.query(INSERT_WITNESSES, [
    col('id'),
    col('received_at'),
    col('hotspot'),
    col('data'),
    col('signal'),
    col('snr'),
    col('frequency'),
    col('datarate'),
    col('hotspot_ts'),
    col('tmst'),
    col('payload'),
  ]);
  return r.rowCount;
}

export const SELECT_WITNESSES = `SELECT id, received_at, hotspot, data, signal, snr, frequency, datarate, hotspot_ts, tmst, payload
  FROM witness_reports WHERE received_at >= $1 AND received_at < $2 ORDER BY received_at, id`;

/**
 * The Db port's contract, run against every adapter (aedes-persistence style). `makeDb` returns
 * a freshly migrated database; the suite closes it. Async because vitest is loaded on call:
 * importing @hexlight/store in production must never pull in the test runner. Call it with
 * `await` at the top level of a test file.
 */
export async function storeContract(name: string, makeDb: () => Promise<Db>): Promise<void> {
  const { describe, it, expect, beforeEach, afterEach } = await import('vitest');

  describe(`store contract: ${name}`, () => {
    let db: Db;
    beforeEach(async () => {
      db = await makeDb();
    });
    afterEach(async () => {
      await db?.close();
    });

    describe('values', () => {
      it('round-trips every scalar parameter type with the same JS types', async () => {
        const bytes = Buffer.from([0, 1, 2, 254, 255]);
        const at = new Date('2025-03-04T05:06:07.089Z');
        const { rows } = await db.query(
          `SELECT $1::int8 AS big, $2::int8 AS neg, $3::int4 AS int, $4::numeric AS num, $5::bytea AS buf, $6::bytea AS u8,
                  $7::timestamptz AS at, $8::timestamptz AS iso, $9::bool AS yes, $10::text AS txt, $11::jsonb AS doc,
                  $12::text AS nothing, $13::int8 AS from_string`,
          [2n ** 62n + 1n, -(2n ** 53n) - 7n, -2_000_000_000, '12345678901234567890.123450', bytes, new Uint8Array([9, 8, 7]), at,
            '2025-03-04T05:06:07.089Z', true, 'héllo "quoted" \\ {braces}, comma', { a: 1, b: [true, null, 'x'] }, null, '42'],
        );
        expect(rows[0]).toEqual({
          big: 2n ** 62n + 1n,
          neg: -(2n ** 53n) - 7n,
          int: -2_000_000_000,
          num: '12345678901234567890.123450',
          buf: bytes,
          u8: Buffer.from([9, 8, 7]),
          at,
          iso: at,
          yes: true,
          txt: 'héllo "quoted" \\ {braces}, comma',
          doc: { a: 1, b: [true, null, 'x'] },
          nothing: null,
          from_string: 42n,
        });
        expect(rows[0]!.buf).toBeInstanceOf(Uint8Array);
      });

      it('returns int8 as bigint even when small; numeric, date and interval as text; json parsed', async () => {
        const { rows } = await db.query(
          `SELECT count(*) AS n, 1::int8 AS one, 7::int4 AS seven, 1.50::numeric AS price, DATE '2025-01-02' AS day,
                  '{"k":[1,2]}'::json AS j, 2.5::float8 AS f, 3::int2 AS small, INTERVAL '1 day 02:00' AS span`,
        );
        expect(rows[0]).toEqual({ n: 1n, one: 1n, seven: 7, price: '1.50', day: '2025-01-02', j: { k: [1, 2] }, f: 2.5, small: 3, span: '1 day 02:00:00' });
      });

      it('round-trips array parameters of every bulk-write type, NULL elements included', async () => {
        const at = [new Date('2025-01-01T00:00:00.001Z'), new Date('2025-06-30T23:59:59.999Z')];
        const { rows } = await db.query(
          `SELECT $1::int8[] AS big, $2::int8[] AS big_s, $3::bytea[] AS bufs, $4::text[] AS txt, $5::timestamptz[] AS at,
                  $6::timestamptz[] AS at_s, $7::int4[] AS ints, $8::numeric[] AS nums, $9::bool[] AS flags, $10::int8[] AS empty`,
          [[1n, 2n ** 63n - 1n, null], ['-5', '9007199254740993'], [Buffer.from([1, 2]), new Uint8Array([255]), Buffer.alloc(0), null],
            ['a', 'b,c', '{d}', 'e "f"', 'g\\h', '', null, 'NULL'], at, at.map((d) => d.toISOString()), [1, -2, null],
            ['1.10', '99999999999999999999'], [true, false, null], []],
        );
        expect(rows[0]).toEqual({
          big: [1n, 2n ** 63n - 1n, null],
          big_s: [-5n, 9007199254740993n],
          bufs: [Buffer.from([1, 2]), Buffer.from([255]), Buffer.alloc(0), null],
          txt: ['a', 'b,c', '{d}', 'e "f"', 'g\\h', '', null, 'NULL'],
          at,
          at_s: at,
          ints: [1, -2, null],
          nums: ['1.10', '99999999999999999999'],
          flags: [true, false, null],
          empty: [],
        });
      });

      it('counts rows returned or changed, and 0 for DDL', async () => {
        expect((await db.query('CREATE TABLE contract_counts (k int PRIMARY KEY, v text)')).rowCount).toBe(0);
        expect((await db.query("INSERT INTO contract_counts SELECT g, 'x' FROM generate_series(1, 3) g")).rowCount).toBe(3);
        expect((await db.query("UPDATE contract_counts SET v = 'y' WHERE k > 1")).rowCount).toBe(2);
        const all = await db.query('SELECT * FROM contract_counts');
        expect(Object.keys(all).sort()).toEqual(['rowCount', 'rows']); // nothing driver-specific leaks out
        expect(all.rowCount).toBe(3);
        expect((await db.query('INSERT INTO contract_counts VALUES (9, $1) RETURNING k', ['z'])).rowCount).toBe(1);
        expect((await db.query('DELETE FROM contract_counts')).rowCount).toBe(4);
      });

      it('refuses several statements in one query on every adapter', async () => {
        await expect(db.query('SELECT 1; SELECT 2')).rejects.toMatchObject({ code: 'STORE_QUERY_FAILED' });
      });

      it('keeps the SQLSTATE of SQL errors reachable (unique violation = 23505)', async () => {
        await db.query('CREATE TABLE contract_unique (id bytea PRIMARY KEY)');
        await db.query('INSERT INTO contract_unique VALUES ($1)', [Buffer.from('a')]);
        const err = await db.query('INSERT INTO contract_unique VALUES ($1)', [Buffer.from('a')]).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'STORE_QUERY_FAILED', httpStatus: 500, details: { sqlState: '23505' } });
        expect(sqlStateOf(err)).toBe('23505');
        expect(isUniqueViolation(err)).toBe(true);
        expect((err as Error).cause).toMatchObject({ code: '23505' });
      });
    });

    describe('transactions', () => {
      beforeEach(async () => {
        await db.query('CREATE TABLE contract_tx (k text PRIMARY KEY)');
      });
      const keys = async () => (await db.query<{ k: string }>('SELECT k FROM contract_tx ORDER BY k')).rows.map((r) => r.k);

      it('commits, and is visible to other queries as soon as it resolves', async () => {
        const out = await db.transaction(async (tx) => {
          await tx.query("INSERT INTO contract_tx VALUES ('a')");
          await tx.query("INSERT INTO contract_tx VALUES ('b')");
          return 'done';
        });
        expect(out).toBe('done');
        expect(await keys()).toEqual(['a', 'b']);
      });

      it('rolls back and rethrows when the callback throws', async () => {
        const boom = new Error('boom');
        await expect(
          db.transaction(async (tx) => {
            await tx.query("INSERT INTO contract_tx VALUES ('a')");
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await keys()).toEqual([]);
      });

      it('fails instead of reporting success when a failed statement was swallowed', async () => {
        const err = await db
          .transaction(async (tx) => {
            await tx.query("INSERT INTO contract_tx VALUES ('a')");
            await tx.query("INSERT INTO contract_tx VALUES ('a')").catch(() => undefined);
          })
          .catch((e: unknown) => e);
        expect(sqlStateOf(err)).toBe('25P02');
        expect(await keys()).toEqual([]);
      });

      it('keeps concurrent queries out of a running transaction', async () => {
        let entered!: () => void;
        const inside = new Promise<void>((r) => (entered = r));
        const tx = db.transaction(async (t) => {
          await t.query("INSERT INTO contract_tx VALUES ('in-tx')");
          entered();
          await new Promise((r) => setTimeout(r, 30));
          throw new Error('roll back');
        });
        await inside;
        // Issued while the transaction is open; on PGlite it must wait, not join it.
        const outside = db.query("INSERT INTO contract_tx VALUES ('outside')");
        await expect(tx).rejects.toThrow('roll back');
        await outside;
        expect(await keys()).toEqual(['outside']);
      });

      it('refuses a transaction handle used after its transaction ended', async () => {
        let leaked!: Queryable;
        await db.transaction(async (tx) => {
          leaked = tx;
        });
        await expect(leaked.query('SELECT 1')).rejects.toMatchObject({ code: 'STORE_TX_CLOSED' });
      });
    });

    describe('bulk writes', () => {
      it('inserts 5,000 witness rows with one unnest statement and reads them back exactly', async () => {
        const rows = sampleWitnesses(5_000);
        const t0 = performance.now();
        expect(await insertWitnesses(db, rows)).toBe(5_000);
        const ms = performance.now() - t0;
        const back = await db.query<WitnessRow>(SELECT_WITNESSES, [rows[0]!.received_at, new Date(rows.at(-1)!.received_at.getTime() + 1)]);
        expect(back.rows).toEqual(rows);
        // A regression guard, not a benchmark (measured ~100 ms on PGlite, ~60 ms on pg).
        expect(ms).toBeLessThan(3_000);
      });
    });

    describe('migrations', () => {
      it('re-running is a no-op and every applied migration is recorded', async () => {
        expect(await migrate(db, { timescale: db.timescale ? 'on' : 'off' })).toEqual({ applied: [], timescale: db.timescale });
        const { rows } = await db.query<{ version: number; name: string; variant: string; checksum: string; applied_at: Date }>(
          'SELECT version, name, variant, checksum, applied_at FROM schema_migrations ORDER BY version',
        );
        expect(rows[0]).toMatchObject({ version: 1, name: 'registry_and_reports', variant: db.timescale ? 'timescale' : 'plain' });
        expect(rows[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(rows[0]!.applied_at).toBeInstanceOf(Date);
      });

      it('applies new files in order, detects an edited one, and rolls back a failing one', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'hexlight-migrations-'));
        try {
          await cp(MIGRATIONS_DIR, dir, { recursive: true });
          await writeFile(join(dir, '9002_second.sql'), 'ALTER TABLE contract_probe ADD COLUMN note text;\n');
          await writeFile(join(dir, '9001_first.sql'), 'CREATE TABLE contract_probe (id int PRIMARY KEY);\nINSERT INTO contract_probe VALUES (1);\n');
          expect((await migrate(db, { dir })).applied).toEqual(['9001_first', '9002_second']);
          expect((await migrate(db, { dir })).applied).toEqual([]);

          await writeFile(join(dir, '9003_broken.sql'), 'CREATE TABLE contract_half (id int);\nSELECT 1 / 0;\n');
          const failed = await migrate(db, { dir }).catch((e: unknown) => e);
          expect(failed).toMatchObject({ code: 'MIGRATION_FAILED', details: { version: 9003 } });
          expect(sqlStateOf(failed)).toBe('22012');
          const half = await db.query("SELECT to_regclass('contract_half') AS t");
          expect(half.rows[0]).toEqual({ t: null });
          await rm(join(dir, '9003_broken.sql'));

          await writeFile(join(dir, '9001_first.sql'), 'CREATE TABLE contract_probe (id bigint PRIMARY KEY);\n');
          await expect(migrate(db, { dir })).rejects.toMatchObject({ code: 'MIGRATION_CHANGED', details: { version: 9001 } });
          const versions = await db.query<{ version: number }>('SELECT version FROM schema_migrations WHERE version > 9000 ORDER BY version');
          expect(versions.rows).toEqual([{ version: 9001 }, { version: 9002 }]);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    });
  });
}
