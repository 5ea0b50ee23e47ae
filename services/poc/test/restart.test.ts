import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, silentLogger } from '@hexlight/kit';
import { createTestDb, type Db } from '@hexlight/store';
import { createPocRunner } from '../src/live/runner.ts';
import { rulesetByName } from '../src/verifier/rulesets.ts';
import { storeOneBeacon, T } from './store-fixture.ts';

describe('live runner restart safety', () => {
  let db: Db | null = null;
  afterEach(async () => db?.close());

  it('a batch that fails mid-transaction is redone once, neither lost nor counted twice', async () => {
    db = await createTestDb();
    const beaconers = [await storeOneBeacon(db), await storeOneBeacon(db), await storeOneBeacon(db)];
    const make = () => createPocRunner({ db: db!, clock: new ManualClock(T + 600_000), log: silentLogger() }, {
      rulesetName: 'helium', ruleset: rulesetByName('helium'), intervalMs: 60_000, batchSize: 100, staleAfterMs: 3_600_000,
    });
    // A real fault inside the verdict transaction: the state table is gone when the batch
    // writes its last statement, after the verdicts were inserted.
    await db.query('ALTER TABLE poc_hotspot_state RENAME TO poc_hotspot_state_away');
    const runner = make();
    await expect(runner.tick()).rejects.toThrow();
    expect((await db.query(`SELECT count(*) AS n FROM poc_verdicts`)).rows[0]).toEqual({ n: 0n });
    await db.query('ALTER TABLE poc_hotspot_state_away RENAME TO poc_hotspot_state');
    // The same runner (its in-memory state dropped) and a fresh one after a "restart".
    expect(await runner.tick()).toBe(3);
    expect(await make().tick()).toBe(0);
    const verdicts = await db.query<{ beaconer: string }>(`SELECT beaconer FROM poc_verdicts ORDER BY beaconer`);
    expect(verdicts.rows.map((r) => r.beaconer)).toEqual([...beaconers].sort());
    const state = await db.query<{ address: string; last_beacon_ms: bigint }>(`SELECT address, last_beacon_ms FROM poc_hotspot_state ORDER BY address`);
    expect(state.rows.map((r) => r.address)).toEqual([...beaconers].sort());
    expect(state.rows.every((r) => r.last_beacon_ms === BigInt(T + 5000))).toBe(true);
  });
});
