import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@hexlight/store';
import {
  closeEpoch,
  DAY_MS,
  EpochNotReady,
  EpochOwnerUnknown,
  hotspotRewardHistory,
  ownerBalance,
  ownerRewardHistory,
  readClosedEpoch,
  recomputeEpoch,
} from '../src/index.ts';
import { addBeaconReport, addDataShare, addHotspot, addShare, addVerdict, clockAt, CONFIG, count, END, EPOCH, setOwner, START } from './fixtures.ts';

let db: TestDb;
beforeEach(async () => {
  db = await createTestDb();
  await addHotspot(db, 'hsA', 'alice');
  await addHotspot(db, 'hsB', 'alice');
  await addHotspot(db, 'hsC', 'bob');
});
afterEach(async () => {
  await db.close();
});

async function seed(startMs: number): Promise<void> {
  await addShare(db, `b1@${startMs}`, 'hsA', 'beacon', startMs + 1_000, '1.5');
  await addShare(db, `b1@${startMs}`, 'hsB', 'witness', startMs + 1_000, '1');
  await addShare(db, `b1@${startMs}`, 'hsC', 'witness', startMs + 1_000, '0.33333333');
  await addShare(db, `b2@${startMs}`, 'hsC', 'beacon', startMs + 5_000, '0.7');
  await addShare(db, `b2@${startMs}`, 'hsA', 'witness', startMs + 5_000, '2');
  await addDataShare(db, 'hsB', startMs + 10_000, 12_345_678n);
}

const close = (epochNumber: number, nowMs: number, graceMs = 0) => closeEpoch(db, { ...CONFIG, epochNumber, clock: clockAt(nowMs), graceMs });

describe('closeEpoch', () => {
  it('writes the epoch, per-hotspot rewards and owner totals; pools sum exactly', async () => {
    await seed(START);
    await addShare(db, 'outside', 'hsA', 'beacon', END, '100'); // next epoch: not counted
    const { created, epoch } = await close(EPOCH, END);
    expect(created).toBe(true);
    expect(epoch.hotspots.map((h) => h.hotspot)).toEqual(['hsA', 'hsB', 'hsC']);

    const stored = await readClosedEpoch(db, EPOCH);
    expect(stored).toEqual(epoch);
    const p = stored!.pools;
    expect(stored!.emission).toBe(CONFIG.schedule.dailyEmission);
    expect(p.beacon + p.witness + p.data + p.operations + p.oracles + p.treasury).toBe(stored!.emission);
    for (const k of ['beacon', 'witness', 'data'] as const) {
      const allocated = stored!.hotspots.reduce((a, h) => a + h[k], 0n);
      expect(allocated + stored!.unallocated[k]).toBe(p[k]);
    }
    expect(p.data).toBeGreaterThan(0n);
    expect(stored!.manifest.totalShares).toEqual({ beacon: '2.2', witness: '3.33333333', data: '12345678' });

    const alice = await ownerBalance(db, 'alice');
    const bob = await ownerBalance(db, 'bob');
    const sum = (owner: string) => stored!.hotspots.filter((h) => h.owner === owner).reduce((a, h) => a + h.total, 0n);
    expect(alice).toEqual({ owner: 'alice', lifetime: sum('alice'), paid: 0n, owed: sum('alice') });
    expect(bob.lifetime).toBe(sum('bob'));
    expect(alice.lifetime + bob.lifetime + stored!.unallocated.beacon + stored!.unallocated.witness + stored!.unallocated.data).toBe(p.beacon + p.witness + p.data);
  });

  it('is idempotent: a second close returns the stored result and changes nothing', async () => {
    await seed(START);
    const first = await close(EPOCH, END);
    const before = [await ownerBalance(db, 'alice'), await ownerBalance(db, 'bob'), await count(db, 'hotspot_rewards')];
    const again = await close(EPOCH, END + 5 * DAY_MS);
    expect(again.created).toBe(false);
    expect(again.epoch).toEqual(first.epoch);
    expect([await ownerBalance(db, 'alice'), await ownerBalance(db, 'bob'), await count(db, 'hotspot_rewards')]).toEqual(before);
  });

  it('refuses before end + grace', async () => {
    await seed(START);
    const early = await close(EPOCH, END - 1).catch((e: unknown) => e);
    expect(EpochNotReady.is(early)).toBe(true);
    expect(EpochNotReady.is(early) && early.details).toMatchObject({ epoch: EPOCH, reason: 'too_early', readyAtMs: END });
    const inGrace = await close(EPOCH, END + 1_000, 30 * 60_000).catch((e: unknown) => e);
    expect(EpochNotReady.is(inGrace)).toBe(true);
    expect(await count(db, 'reward_epochs')).toBe(0);
    expect((await close(EPOCH, END + 30 * 60_000, 30 * 60_000)).created).toBe(true);
  });

  it('refuses while a beacon received before the end has no verdict', async () => {
    await seed(START);
    await addBeaconReport(db, 'late', 'hsA', END - 10);
    await addBeaconReport(db, 'after', 'hsA', END + 10); // after the end: does not hold the close
    await addBeaconReport(db, 'judged', 'hsB', START + 10);
    await addVerdict(db, 'judged', 'hsB', START + 10);
    const err = await close(EPOCH, END + DAY_MS).catch((e: unknown) => e);
    expect(EpochNotReady.is(err) && err.details).toMatchObject({ reason: 'verifier_behind', oldestUnverifiedAtMs: END - 10 });
    expect(await count(db, 'reward_epochs')).toBe(0);

    await addVerdict(db, 'late', 'hsA', END - 10);
    expect((await close(EPOCH, END + DAY_MS)).created).toBe(true);
  });

  it('an owner change moves only the rewards of epochs closed after it', async () => {
    await seed(START);
    await seed(END);
    const first = await close(EPOCH, END);
    await setOwner(db, 'hsC', 'carol');
    const second = await close(EPOCH + 1, END + DAY_MS);

    const hsC1 = first.epoch.hotspots.find((h) => h.hotspot === 'hsC')!;
    const hsC2 = second.epoch.hotspots.find((h) => h.hotspot === 'hsC')!;
    expect(hsC1.owner).toBe('bob');
    expect(hsC2.owner).toBe('carol');
    expect((await ownerBalance(db, 'bob')).lifetime).toBe(hsC1.total);
    expect((await ownerBalance(db, 'carol')).lifetime).toBe(hsC2.total);
    expect((await ownerBalance(db, 'nobody')).owed).toBe(0n);

    const history = await hotspotRewardHistory(db, 'hsC');
    expect(history.map((h) => [h.epoch, h.owner])).toEqual([[EPOCH + 1, 'carol'], [EPOCH, 'bob']]);
    expect(history[0]).toEqual({ epoch: EPOCH + 1, ...hsC2 });
    expect((await hotspotRewardHistory(db, 'hsC', { beforeEpoch: EPOCH + 1 })).map((h) => h.epoch)).toEqual([EPOCH]);
    expect((await ownerRewardHistory(db, 'alice')).map((h) => [h.epoch, h.hotspot])).toEqual([
      [EPOCH + 1, 'hsA'], [EPOCH + 1, 'hsB'], [EPOCH, 'hsA'], [EPOCH, 'hsB'],
    ]);
  });

  it('refuses a rewarded hotspot without an owner and writes nothing', async () => {
    await addShare(db, 'ghost', 'hsGhost', 'beacon', START + 1, '1');
    const err = await close(EPOCH, END).catch((e: unknown) => e);
    expect(EpochOwnerUnknown.is(err)).toBe(true);
    expect([await count(db, 'reward_epochs'), await count(db, 'hotspot_rewards'), await count(db, 'owner_balances')]).toEqual([0, 0, 0]);
  });

  it('closes an empty epoch: everything unallocated', async () => {
    const { epoch } = await close(EPOCH, END);
    expect(epoch.hotspots).toEqual([]);
    expect(epoch.unallocated.beacon).toBe(epoch.pools.beacon);
    expect(epoch.pools.data).toBe(0n);
  });
});

describe('recomputeEpoch', () => {
  it('recomputes a closed epoch identically, and names what changed after a rewrite', async () => {
    await seed(START);
    await close(EPOCH, END);
    const audit = await recomputeEpoch(db, EPOCH, { schedule: CONFIG.schedule });
    expect(audit).toMatchObject({ identical: true, differences: [] });

    await addShare(db, 'sneaky', 'hsB', 'beacon', START + 2, '1');
    const tampered = await recomputeEpoch(db, EPOCH, { schedule: CONFIG.schedule });
    expect(tampered.identical).toBe(false);
    expect(tampered.differences).toContain('hotspots.hsB.beacon');
    expect(tampered.differences).toContain('manifest');
  });
});
