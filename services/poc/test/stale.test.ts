import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ManualClock, silentLogger } from '@hexlight/kit';
import { createTestDb, type Db } from '@hexlight/store';
import { encodeSignedReport, generateHotspotKey, reportId } from '@hexlight/protocol';
import { createPocRunner } from '../src/live/runner.ts';
import { rulesetByName } from '../src/verifier/rulesets.ts';
import { storeOneBeacon, T } from './store-fixture.ts';

describe('live runner: stale reports (Helium purger)', () => {
  let db: Db | null = null;
  afterEach(async () => db?.close());

  it('judges a beacon whose entropy never arrived, and an orphan witness, stale once they are old enough', async () => {
    db = await createTestDb();
    const beaconer = await storeOneBeacon(db);
    // Forget its entropy: the beacon can never be joined to it.
    await db.query(`DELETE FROM entropy`);
    const key = generateHotspotKey();
    const { payload } = encodeSignedReport('witness', { pubKey: key.keyBinary, data: randomBytes(51), timestamp: 1n, tmst: 1, signal: -1000, snr: 10, frequency: 867_100_000, datarate: 0 }, key.privateKey);
    await db.query(`INSERT INTO witness_reports (id, received_at, hotspot, data, signal, snr, frequency, datarate, hotspot_ts, tmst, payload) VALUES ($1, $2, $3, $4, -1000, 10, 867100000, 0, 1, 1, $5)`,
      [reportId(payload), new Date(T + 6000), key.address, randomBytes(51), payload]);
    const clock = new ManualClock(T + 10 * 60_000);
    const runner = createPocRunner({ db, clock, log: silentLogger() }, { rulesetName: 'helium', ruleset: rulesetByName('helium'), intervalMs: 60_000, batchSize: 100, staleAfterMs: 45 * 60_000 });
    expect(await runner.tick()).toBe(0); // not old enough yet
    clock.set(T + 50 * 60_000);
    expect(await runner.tick()).toBe(2);
    const b = await db.query<{ beaconer: string; valid: boolean; reason: string }>(`SELECT beaconer, valid, reason FROM poc_verdicts`);
    expect(b.rows).toEqual([{ beaconer, valid: false, reason: 'stale' }]);
    const w = await db.query<{ witness: string; poc_id: Uint8Array | null; reason: string }>(`SELECT witness, poc_id, reason FROM witness_verdicts`);
    expect(w.rows).toEqual([{ witness: key.address, poc_id: null, reason: 'stale' }]);
    expect(await runner.tick()).toBe(0);
  });
});
