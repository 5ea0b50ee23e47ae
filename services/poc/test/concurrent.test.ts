// Two PoC instances on one database (two pools on one schema with TEST_DATABASE_URL, one PGlite
// otherwise): verifier runners split the ready beacons (FOR UPDATE SKIP LOCKED) and each beacon
// gets one verdict; only the holder of the entropy lock publishes entropy, one per interval.
import { afterEach, describe, expect, it } from 'vitest';
import { acceleratedClock, ManualClock, silentLogger } from '@hexlight/kit';
import { createTestDb, openTestDbPeer, type Db } from '@hexlight/store';
import { decodeEntropy, generateHotspotKey } from '@hexlight/protocol';
import { createPocRunner } from '../src/live/runner.ts';
import { rulesetByName } from '../src/verifier/rulesets.ts';
import { createPoc, loadPocConfig, randomEntropySource, type Poc } from '../src/index.ts';
import { storeBeaconOf, storeOneBeacon, T } from './store-fixture.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two PoC instances on one database', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    while (open.length > 0) await open.pop()!.close();
  });

  async function twoHandles(): Promise<[Db, Db]> {
    const db = await createTestDb();
    open.push(db);
    const peer = await openTestDbPeer(db);
    open.push(peer);
    return [db, peer];
  }

  it('verifier runners split the ready beacons: one verdict each, no beacon judged twice', async () => {
    const [db, peer] = await twoHandles();
    const N = 24;
    for (let i = 0; i < N; i++) await storeOneBeacon(db);
    const make = (on: Db) => createPocRunner({ db: on, clock: new ManualClock(T + 600_000), log: silentLogger() }, {
      rulesetName: 'helium', ruleset: rulesetByName('helium'), intervalMs: 60_000, batchSize: 3, staleAfterMs: 3_600_000,
    });
    const a = make(db);
    const b = make(peer);
    const [na, nb] = await Promise.all([a.tick(), b.tick()]);
    // Each runner counts the beacons it claimed; together exactly the N, none twice.
    expect(na + nb).toBe(N);
    expect(a.stats.beacons + b.stats.beacons).toBe(N);
    expect(a.stats.beacons).toBeGreaterThan(0);
    expect(b.stats.beacons).toBeGreaterThan(0);
    const v = await db.query<{ n: bigint; ids: bigint }>('SELECT count(*) AS n, count(DISTINCT poc_id) AS ids FROM poc_verdicts');
    expect(v.rows[0]).toEqual({ n: BigInt(N), ids: BigInt(N) });
    const pending = await db.query('SELECT 1 FROM beacon_reports b WHERE NOT EXISTS (SELECT 1 FROM poc_verdicts v WHERE v.poc_id = b.id)');
    expect(pending.rowCount).toBe(0);
    expect((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM poc_hotspot_state')).rows[0]!.n).toBe(BigInt(N));
    // Nothing left for either.
    expect(await Promise.all([a.tick(), b.tick()])).toEqual([0, 0]);
  });

  it('a runner sees the hotspot state another runner committed: a second beacon within the window is judged as by a single runner', async () => {
    const judgeTwoBeacons = async (split: boolean) => {
      const [db, peer] = await twoHandles();
      const key = generateHotspotKey();
      await storeOneBeacon(db, key);
      await storeBeaconOf(db, key, T + 3_600_000); // one hour later: inside Helium's 6-h window
      const clock = new ManualClock(T + 600_000);
      const make = (on: Db) => createPocRunner({ db: on, clock, log: silentLogger() }, {
        rulesetName: 'helium', ruleset: rulesetByName('helium'), intervalMs: 60_000, batchSize: 10, staleAfterMs: 3_600_000,
      });
      const a = make(db);
      const b = split ? make(peer) : a;
      await b.start(); // b's state is loaded now, before a judges anything
      expect(await a.tick()).toBe(1); // only the first beacon's entropy has expired
      clock.set(T + 4_200_000);
      expect(await b.tick()).toBe(1);
      await b.stop();
      const v = await db.query<{ valid: boolean; reason: string | null }>(`SELECT valid, reason FROM poc_verdicts ORDER BY received_at`);
      return v.rows;
    };
    const single = await judgeTwoBeacons(false);
    expect(single[1]!.valid).toBe(false); // the window rule, as Helium's verifier
    expect(await judgeTwoBeacons(true)).toEqual(single);
  });

  it('only the entropy lock holder publishes, one entropy per interval; the other takes over when it stops', async () => {
    const [db, peer] = await twoHandles();
    // 60 s entropy interval at 300× speed: a tick every 200 ms of real time.
    const clock = acceleratedClock(300, T);
    const sent: { by: string; timestamp: number }[] = [];
    const make = (on: Db, by: string): Poc => createPoc(
      { db: on, clock, log: silentLogger(), entropySource: randomEntropySource, publish: async (_t, p) => void sent.push({ by, timestamp: decodeEntropy(p).timestamp }) },
      loadPocConfig({ ENTROPY_INTERVAL_S: '60', POC_VERIFY_INTERVAL_S: '86400' }),
    );
    const a = make(db, 'a');
    const b = make(peer, 'b');
    await Promise.all([a.start(), b.start()]);
    const [leader, follower] = a.stats().entropyLeader ? [a, b] : [b, a];
    expect(leader.stats().entropyLeader).toBe(true);
    expect(follower.stats().entropyLeader).toBe(false);
    await sleep(1_100);
    expect(follower.stats().entropyPublished).toBe(0);
    expect(follower.stats().entropySkipped).toBeGreaterThan(0);
    expect(leader.stats().entropyPublished).toBeGreaterThanOrEqual(3);

    // Hand-over: the leader stops (its lock goes with it); the follower takes over on its next tick.
    await leader.stop();
    const before = follower.stats().entropyPublished;
    await sleep(1_100);
    await follower.stop();
    expect(follower.stats().entropyLeader).toBe(false);
    expect(follower.stats().entropyPublished).toBeGreaterThan(before);

    const rows = await db.query<{ timestamp: bigint }>('SELECT timestamp FROM entropy ORDER BY timestamp');
    const ts = rows.rows.map((r) => Number(r.timestamp));
    expect(ts.length).toBe(leader.stats().entropyPublished + follower.stats().entropyPublished);
    // One per interval: consecutive entropies are (about) an interval apart, never two at once.
    for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBeGreaterThanOrEqual(30);
    // Every entropy published was stored, and the take-over re-published the last one instead of adding one.
    expect(new Set(sent.map((s) => s.timestamp))).toEqual(new Set(ts));
  }, 20_000);
});
