import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceleratedClock, silentLogger, type SharedClock } from '@hexlight/kit';
import { createTestDb, type Db } from '@hexlight/store';
import { createIngest, loadIngestConfig, type Ingest } from '@hexlight/ingest';
import { createPoc, loadPocConfig, type Poc } from '../src/service.ts';
import { randomEntropySource } from '../src/entropy.ts';

// `hexlight up --speed N`: the PoC service's periodic work runs in network time, so at 600× the
// 60-s entropy rotation happens every 100 real ms.
describe('PoC service on an accelerated clock', () => {
  const SPEED = 600;
  let clock: SharedClock;
  let db: Db;
  let ingest: Ingest;
  let poc: Poc;

  beforeAll(async () => {
    db = await createTestDb();
    clock = acceleratedClock(SPEED, Date.UTC(2026, 0, 5, 1, 0, 0));
    ingest = createIngest({ db, clock, log: silentLogger() }, loadIngestConfig({ INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', INGEST_VERIFY_WORKERS: '0' }, { dbKind: db.kind }));
    await ingest.start();
    poc = createPoc({ db, clock, log: silentLogger(), entropySource: randomEntropySource, publish: (t, p, o) => ingest.publish(t, p, o) }, loadPocConfig({}));
  });
  afterAll(async () => {
    await poc?.stop();
    await ingest?.stop();
    await db?.close();
  });

  it('rotates entropy about every 60 clock-seconds (every ~100 real ms at 600×)', async () => {
    const realStart = Date.now();
    const clockStart = clock.now();
    await poc.start();
    await new Promise((r) => setTimeout(r, 1_500));
    await poc.stop();
    const realMs = Date.now() - realStart;
    const rows = await db.query<{ timestamp: bigint }>('SELECT timestamp FROM entropy ORDER BY timestamp');
    const ts = rows.rows.map((r) => Number(r.timestamp));
    // One at start, then one per 60 clock-s of the ~900 clock-s that passed. A busy event loop
    // (PGlite, a parallel test file) delays some ticks; the interval keeps its schedule, so the
    // tick after a late one can come a little sooner: judge the typical gap, not the extremes.
    const expected = 1 + Math.floor((realMs * SPEED) / 60_000);
    expect(ts.length).toBeGreaterThanOrEqual(Math.floor(expected / 2));
    expect(ts.length).toBeLessThanOrEqual(expected);
    expect(ts[0]! * 1000).toBeGreaterThanOrEqual(clockStart - 1000);
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!).sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)]!;
    expect(median).toBeGreaterThanOrEqual(55);
    expect(median).toBeLessThanOrEqual(75);
    expect(gaps[0]).toBeGreaterThanOrEqual(30); // never twice as often as configured
  });
});
