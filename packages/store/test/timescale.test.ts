import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, detectTimescale, migrate, type Db } from '../src/index.ts';
import { insertWitnesses, sampleWitnesses, SELECT_WITNESSES, type WitnessRow } from '../src/contract.ts';

// One instance for the file: the Timescale build takes a few seconds to start.
describe('timescale branch (Timescale PGlite build)', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb({ timescale: true });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('migrates with the timescale variant and says so', async () => {
    expect(db.timescale).toBe(true);
    expect(await detectTimescale(db)).toBe(true);
    const { rows } = await db.query<{ variant: string }>('SELECT variant FROM schema_migrations WHERE version = 1');
    expect(rows).toEqual([{ variant: 'timescale' }]);
    expect(await migrate(db)).toEqual({ applied: [], timescale: true });
    await expect(migrate(db, { timescale: 'off' })).rejects.toMatchObject({ code: 'MIGRATION_BRANCH_MISMATCH' });
  });

  it('makes the raw report tables hypertables with compression enabled', async () => {
    const { rows } = await db.query<{ hypertable_name: string; compression_enabled: boolean }>(
      'SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables ORDER BY hypertable_name',
    );
    expect(rows).toEqual([
      { hypertable_name: 'beacon_reports', compression_enabled: true },
      { hypertable_name: 'hotspot_state_events', compression_enabled: false },
      { hypertable_name: 'mapper_receptions', compression_enabled: false },
      { hypertable_name: 'mapper_uplinks', compression_enabled: false },
      { hypertable_name: 'packet_reports', compression_enabled: true },
      { hypertable_name: 'witness_reports', compression_enabled: true },
    ]);
  });

  it('schedules compression and retention jobs for beacon and witness reports', async () => {
    const { rows } = await db.query<{ hypertable_name: string; proc_name: string }>(
      `SELECT hypertable_name, proc_name FROM timescaledb_information.jobs
        WHERE hypertable_name IN ('beacon_reports', 'witness_reports') ORDER BY hypertable_name, proc_name`,
    );
    expect(rows).toEqual([
      { hypertable_name: 'beacon_reports', proc_name: 'policy_compression' },
      { hypertable_name: 'beacon_reports', proc_name: 'policy_retention' },
      { hypertable_name: 'witness_reports', proc_name: 'policy_compression' },
      { hypertable_name: 'witness_reports', proc_name: 'policy_retention' },
    ]);
  });

  it('takes the same bulk insert and read queries as plain PostgreSQL', async () => {
    const rows = sampleWitnesses(2_000, Date.UTC(2025, 0, 1, 23, 59, 59)); // crosses a 1-day chunk boundary
    expect(await insertWitnesses(db, rows)).toBe(2_000);
    const back = await db.query<WitnessRow>(SELECT_WITNESSES, [rows[0]!.received_at, new Date(rows.at(-1)!.received_at.getTime() + 1)]);
    expect(back.rows).toEqual(rows);
    const chunks = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'witness_reports'");
    expect(chunks.rows[0]!.n).toBe(2n);
  });

  it('has no BRIN indexes, which belong to the plain branch only (bar report_ids)', async () => {
    const { rows } = await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING brin%'");
    expect(rows).toEqual([{ indexname: 'report_ids_time_brin' }]);
  });
});
