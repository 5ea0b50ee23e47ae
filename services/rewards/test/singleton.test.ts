// Two rewards services on one database (two pools on one schema with TEST_DATABASE_URL, one
// PGlite otherwise): the advisory lock lets one pass run at a time, so every epoch is closed once,
// every payout job executes once and the ledger reconciles to zero difference.
import { afterEach, describe, expect, it } from 'vitest';
import { Keypair } from '@solana/web3.js';
import { createInProcessChain, type InProcessChain } from '@hexlight/chain';
import { ManualClock, silentLogger } from '@hexlight/kit';
import { createTestDb, openTestDbPeer, tryAdvisoryLock, type TestDb } from '@hexlight/store';
import { createRewards, DAY_MS, loadRewardsConfig, REWARDS_LOCK, type Rewards, type RewardsPassResult } from '../src/index.ts';
import { addHotspot, addShare } from './fixtures.ts';
import { audit, type PayoutWorld } from './payout-kit.ts';

const EPOCH = 20_000;
const START = EPOCH * DAY_MS;
const EPOCHS = 3;

describe('two rewards services on one database', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    while (open.length > 0) await open.pop()!.close();
  });

  it('close each epoch once and pay once; the second instance skips while the first holds the lock', async () => {
    const db = await createTestDb();
    open.push(db);
    const peer = await openTestDbPeer(db);
    open.push(peer);
    const chain: InProcessChain = await createInProcessChain();
    open.push(chain);
    const mint = Keypair.generate();
    const owners = Array.from({ length: 4 }, () => Keypair.generate().publicKey.toBase58());
    for (let h = 0; h < 8; h++) await addHotspot(db, `hotspot-${h}`, owners[h % owners.length]!);
    for (let e = 0; e < EPOCHS; e++) {
      for (let h = 0; h < 8; h++) await addShare(db, `w-${e}-${h}`, `hotspot-${h}`, 'witness', START + e * DAY_MS + 1000, String(1 + h));
    }
    const clock = new ManualClock(START + EPOCHS * DAY_MS + 1);
    const config = loadRewardsConfig({
      REWARDS_EPOCH_S: '86400', REWARDS_GRACE_S: '0', REWARDS_TOKEN_DECIMALS: '8', REWARDS_DAILY_EMISSION_TOKENS: '10000',
      REWARDS_EMISSION_START: '2022-01-08T00:00:00Z',
    });
    const make = (on: TestDb): Rewards => createRewards({ db: on, clock, log: silentLogger(), chain, keys: { payer: chain.payer, mint } }, config);
    const a = make(db);
    const b = make(peer);

    const passes: RewardsPassResult[] = [];
    let finished = false;
    for (let i = 0; i < 80 && !finished; i++) {
      const round = await Promise.all([a.runOnce(), b.runOnce()]);
      passes.push(...round);
      const left = await db.query<{ epochs: bigint; owed: bigint; open: bigint }>(
        `SELECT (SELECT count(*) FROM reward_epochs) AS epochs,
                (SELECT count(*) FROM owner_balances WHERE lifetime <> paid) AS owed,
                (SELECT count(*) FROM payout_jobs WHERE state <> 'done') AS open`,
      );
      const { epochs, owed, open: jobs } = left.rows[0]!;
      finished = epochs === BigInt(EPOCHS) && owed === 0n && jobs === 0n;
      const moved = round.some((r) => r.closed.length > 0 || (r.payouts?.booked ?? 0) > 0 || (r.payouts?.signed ?? 0) > 0);
      if (!finished && !moved) {
        await chain.expireBlockhash();
        clock.advance(60_000);
      }
    }
    expect(finished).toBe(true);

    // Each epoch closed by exactly one pass of one instance.
    const closed = passes.flatMap((p) => p.closed);
    expect(closed).toEqual(Array.from({ length: EPOCHS }, (_, e) => EPOCH + e));
    // Both ran at once every round: one of them skipped at least once, and no pass was both.
    const sa = a.stats();
    const sb = b.stats();
    expect(sa.skipped + sb.skipped).toBeGreaterThan(0);
    expect(sa.passes + sa.skipped + sb.passes + sb.skipped).toBe(passes.length);
    expect(passes.filter((p) => p.skipped).every((p) => p.closed.length === 0 && p.payouts === undefined)).toBe(true);

    // Payouts once: the chain agrees with the ledger, no job executed twice, reconcile is zero.
    const report = await audit({ db, chain, mint, payer: chain.payer } as unknown as PayoutWorld);
    expect(report.mismatches).toEqual([]);
    expect(report.doubleExecuted).toEqual([]);
    expect(report.reconcileOk).toBe(true);
    expect(report.paid).toBe(report.lifetime);
    expect(report.landed.mint).toBe(EPOCHS);
  }, 60_000);

  it('a pass is skipped while another holder has the lock, and runs once it is free', async () => {
    const db = await createTestDb();
    open.push(db);
    const peer = await openTestDbPeer(db);
    open.push(peer);
    const chain = await createInProcessChain();
    open.push(chain);
    const rewards = createRewards(
      { db: peer, clock: new ManualClock(START), log: silentLogger(), chain, keys: { payer: chain.payer, mint: Keypair.generate() } },
      loadRewardsConfig({ REWARDS_PAYOUTS: 'false' }),
    );
    const other = await tryAdvisoryLock(db, REWARDS_LOCK);
    expect(other).not.toBeNull();
    expect(await rewards.runOnce()).toEqual({ closed: [], skipped: true });
    expect(rewards.stats()).toMatchObject({ passes: 0, skipped: 1, lastPass: null });
    await other!.release();
    expect((await rewards.runOnce()).skipped).toBeUndefined();
    expect(rewards.stats()).toMatchObject({ passes: 1, skipped: 1 });
    // The lock went back with the pass: another holder can take it again.
    const again = await tryAdvisoryLock(db, REWARDS_LOCK);
    expect(again).not.toBeNull();
    await again!.release();
  });
});
