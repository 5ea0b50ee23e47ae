import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { silentLogger, type Clock } from '@hexlight/kit';
import { createTestDb, type TestDb } from '@hexlight/store';
import { dcForPayload, encodeDataUplink } from '@hexlight/protocol';
import { BatchWriter } from '../src/writer.ts';
import { newPacketCounters, packetMeter, prunePacketGroups, type RoutedPacket } from '../src/packets/meter.ts';
import { moneyTotals, seedOrg } from './packet-fixtures.ts';

// The metering transaction on its own, against the real store (PGlite, or PostgreSQL when
// TEST_DATABASE_URL is set): receive order inside one batch, two ingest instances metering the
// same frame at once, and an organisation running dry in the middle of a batch.

const T0 = Date.UTC(2025, 5, 1);
const clock: Clock = { now: () => Date.now() };

function copy(phy: Uint8Array, hotspot: string, orgId: string): RoutedPacket {
  return {
    kind: 'packet', id: randomBytes(32), hotspot, payload: randomBytes(90), hotspotTs: '1', mtype: phy[0]! >>> 5,
    devAddr: new DataView(phy.buffer, phy.byteOffset).getUint32(1, true), devEui: null, joinEui: null, fcnt: 1,
    payloadSize: phy.byteLength, payloadHash: createHash('sha256').update(phy).digest(), rssi: -100, snr: 5.5, frequency: 868_100_000, datarate: 5, orgId,
  };
}

function writer(db: TestDb, opts: { maxBatch?: number; window?: number } = {}) {
  const counters = newPacketCounters();
  const w = new BatchWriter<RoutedPacket>(db, { maxBatch: opts.maxBatch ?? 1000, maxDelayMs: 5, maxPending: 100_000, concurrency: 1 }, silentLogger(),
    packetMeter({ dedupWindowMs: opts.window ?? 1_800_000 }, clock, counters));
  return { w, counters };
}

async function write(w: BatchWriter<RoutedPacket>, items: { p: RoutedPacket; at: number }[]) {
  return Promise.all(items.map(async ({ p, at }) => {
    await w.admit();
    return w.write(p, at);
  }));
}

describe('packet metering transaction', () => {
  let db: TestDb;
  beforeEach(async () => {
    db = await createTestDb();
  });
  afterEach(async () => db?.close());

  it('buys the earliest copies by receive time whatever order they reach the batch in', async () => {
    await seedOrg(db, { id: 'org_x', multiBuy: 3, balance: 100 });
    const phy = encodeDataUplink({ devAddr: 1, fcnt: 1, fport: 1, payload: randomBytes(10) });
    const { w, counters } = writer(db);
    // Ten hotspots, handed over in reverse receive order, all in one batch.
    const items = Array.from({ length: 10 }, (_, i) => ({ p: copy(phy, `hotspot-${i}`, 'org_x'), at: T0 + i * 7 })).reverse();
    await write(w, items);
    await w.close();
    const rows = await db.query<{ hotspot: string; bought: boolean }>(`SELECT hotspot, bought FROM packet_reports ORDER BY received_at`);
    expect(rows.rows.filter((r) => r.bought).map((r) => r.hotspot)).toEqual(['hotspot-0', 'hotspot-1', 'hotspot-2']);
    expect(counters).toMatchObject({ stored: 10, bought: 3, dcBurned: 3 });
    expect(w.stats.batches).toBe(1);
  });

  it('two ingest instances metering copies of one frame at once buy exactly multi_buy of them', async () => {
    await seedOrg(db, { id: 'org_y', multiBuy: 2, balance: 1_000 });
    const frames = Array.from({ length: 20 }, (_, f) => encodeDataUplink({ devAddr: 2, fcnt: f, fport: 1, payload: randomBytes(30) }));
    const a = writer(db, { maxBatch: 25 });
    const b = writer(db, { maxBatch: 25 });
    // Each frame heard by 6 hotspots; the copies alternate between the two instances.
    const byInstance: { p: RoutedPacket; at: number }[][] = [[], []];
    frames.forEach((phy, f) => {
      for (let h = 0; h < 6; h++) byInstance[h % 2]!.push({ p: copy(phy, `hotspot-${h}`, 'org_y'), at: T0 + f * 1000 + h });
    });
    await Promise.all([write(a.w, byInstance[0]!), write(b.w, byInstance[1]!)]);
    await Promise.all([a.w.close(), b.w.close()]);
    const groups = await db.query<{ copies: number; bought: number }>(`SELECT copies, bought FROM packet_groups`);
    expect(groups.rows).toHaveLength(20);
    for (const g of groups.rows) expect(g).toEqual({ copies: 6, bought: 2 });
    const perFrame = await db.query<{ n: bigint }>(`SELECT count(*) FILTER (WHERE bought) AS n FROM packet_reports GROUP BY payload_hash`);
    expect(perFrame.rows.every((r) => r.n === 2n)).toBe(true);
    const cost = dcForPayload(frames[0]!.byteLength);
    const t = await moneyTotals(db);
    expect(t.burned).toBe(BigInt(20 * 2 * cost));
    expect([t.copiesDc, t.sharesDc, t.granted - t.balances]).toEqual([t.burned, t.burned, t.burned]);
    expect(a.counters.bought + b.counters.bought).toBe(40);
  });

  it('runs an organisation dry mid-batch: buys while it can pay, then stores the rest unbought and disables it once', async () => {
    await seedOrg(db, { id: 'org_z', multiBuy: 1, balance: 5 });
    await seedOrg(db, { id: 'org_rich', multiBuy: 1, balance: 1_000 });
    const { w, counters } = writer(db);
    // 2-DC frames for org_z (5 DC: two bought, then 1 DC left cannot pay the third) and 1-DC frames for org_rich.
    const items: { p: RoutedPacket; at: number }[] = [];
    for (let f = 0; f < 5; f++) {
      items.push({ p: copy(encodeDataUplink({ devAddr: 3, fcnt: f, fport: 1, payload: randomBytes(30) }), 'h1', 'org_z'), at: T0 + f * 10 });
      items.push({ p: copy(encodeDataUplink({ devAddr: 4, fcnt: f, fport: 1, payload: randomBytes(3) }), 'h2', 'org_rich'), at: T0 + f * 10 + 1 });
    }
    await write(w, items);
    await w.close();
    const z = await db.query<{ reason: string | null }>(`SELECT reason FROM packet_reports WHERE org_id = 'org_z' ORDER BY received_at`);
    expect(z.rows.map((r) => r.reason)).toEqual([null, null, 'insufficient_balance', 'disabled', 'disabled']);
    const org = await db.query<{ dc_balance: bigint; disabled: boolean; disabled_reason: string }>(`SELECT dc_balance, disabled, disabled_reason FROM organisations WHERE id = 'org_z'`);
    expect(org.rows[0]).toEqual({ dc_balance: 1n, disabled: true, disabled_reason: 'insufficient_balance' });
    const rich = await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM packet_reports WHERE org_id = 'org_rich' AND bought`);
    expect(rich.rows[0]!.n).toBe(5n);
    // One burn row per organisation for the batch, with the balance it left.
    const burns = await db.query<{ org_id: string; amount: bigint; balance_after: bigint; details: { packets: number; bytes: number } }>(
      `SELECT org_id, amount, balance_after, details FROM dc_ledger WHERE kind = 'burn' ORDER BY org_id`,
    );
    expect(burns.rows.map((r) => [r.org_id, r.amount, r.balance_after, r.details.packets])).toEqual([['org_rich', -5n, 995n, 5], ['org_z', -4n, 1n, 2]]);
    expect(counters.orgsDisabled).toBe(1);
    expect(counters.notBought).toMatchObject({ insufficient_balance: 1, disabled: 2 });
  });

  it('stores a resent batch once: the second delivery is all duplicates and moves no DC', async () => {
    await seedOrg(db, { id: 'org_r', multiBuy: 2, balance: 100 });
    const phy = encodeDataUplink({ devAddr: 5, fcnt: 1, fport: 1, payload: randomBytes(8) });
    const items = Array.from({ length: 4 }, (_, h) => ({ p: copy(phy, `h${h}`, 'org_r'), at: T0 + h }));
    const { w } = writer(db);
    const first = await write(w, items);
    const before = await moneyTotals(db);
    const again = await write(w, items.map(({ p, at }) => ({ p, at: at + 5_000 })));
    await w.close();
    expect(first.map((r) => r.stored)).toEqual([true, true, true, true]);
    expect(again.map((r) => r.stored)).toEqual([false, false, false, false]);
    expect(await moneyTotals(db)).toEqual(before);
    expect((await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM packet_reports`)).rows[0]!.n).toBe(4n);
  });

  it('prunes groups older than a cut-off in chunks, leaving the newer ones', async () => {
    await db.query(
      `INSERT INTO packet_groups (payload_hash, first_at, org_id, copies, bought)
       SELECT sha256(int4send(i)), to_timestamp($1::float8 / 1000 + i), 'org', 1, 1 FROM generate_series(0, 24) AS i`,
      [T0],
    );
    expect(await prunePacketGroups(db, new Date(T0 + 12_000), 5)).toBe(12);
    const left = await db.query<{ n: bigint; first: Date }>(`SELECT count(*) AS n, min(first_at) AS first FROM packet_groups`);
    expect(left.rows[0]!.n).toBe(13n);
    expect(left.rows[0]!.first.getTime()).toBe(T0 + 12_000);
  });
});
