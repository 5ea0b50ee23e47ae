import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { dcForPayload, encodeDataUplink, encodeJoinRequest, hotspotTopic, MTYPE, reportIdHex, type HotspotKey } from '@hexlight/protocol';
import { DEFAULT_PACKET_DEDUP_WINDOW_MS } from '../src/index.ts';
import { nextMessage, startTestNetwork, type TestNetwork } from './helpers.ts';
import { addDevice, addRange, creditDc, moneyTotals, packetReport, seedOrg, sha256, TickingClock } from './packet-fixtures.ts';

// The packet path end to end over real MQTT: hotspots with connect tokens publish signed
// packet_router_packet_up_v1 reports to the embedded broker, a verify worker checks them, and the
// metering transaction commits before each PUBACK.

interface CopyRow {
  hotspot: string;
  received_at: Date;
  bought: boolean;
  dc: number;
  reason: string | null;
  org_id: string;
}

describe('packets: routing, dedup, multi-buy and DC metering over MQTT', () => {
  let net: TestNetwork;
  let clock: TickingClock;
  const keys: HotspotKey[] = [];
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    clock = new TickingClock(Date.UTC(2025, 5, 1));
    net = await startTestNetwork({ INGEST_VERIFY_WORKERS: '1' }, clock);
    for (let i = 0; i < 4; i++) {
      const { key } = await net.onboard();
      keys.push(key);
      clients.push(await net.connect(key));
    }
  });
  afterAll(async () => net?.close());

  const publish = (h: number, payload: Uint8Array) => clients[h]!.publishAsync(hotspotTopic(keys[h]!.address, 'packet'), Buffer.from(payload), { qos: 1 });

  async function copiesOf(phy: Uint8Array): Promise<CopyRow[]> {
    const r = await net.db.query<CopyRow>(
      `SELECT hotspot, received_at, bought, dc, reason, org_id FROM packet_reports WHERE payload_hash = $1 ORDER BY received_at, id`, [sha256(phy)],
    );
    return r.rows;
  }

  async function org(id: string): Promise<{ dc_balance: bigint; disabled: boolean; disabled_reason: string | null; disabled_at: Date | null }> {
    const r = await net.db.query<{ dc_balance: bigint; disabled: boolean; disabled_reason: string | null; disabled_at: Date | null }>(
      `SELECT dc_balance, disabled, disabled_reason, disabled_at FROM organisations WHERE id = $1`, [id],
    );
    return r.rows[0]!;
  }

  const A_RANGE: [number, number] = [0x4800_0000, 0x4800_ffff];
  const frameA = encodeDataUplink({ devAddr: 0x4800_0001, fcnt: 1, fport: 2, payload: randomBytes(30) }); // 43 bytes: 2 DC
  let firstReport: Uint8Array;

  it('buys exactly the first multi_buy copies by receive time: 4 hotspots hear a frame, multi_buy 2', async () => {
    await seedOrg(net.db, { id: 'org_a', multiBuy: 2, balance: 1_000, range: A_RANGE });
    expect(dcForPayload(frameA.byteLength)).toBe(2);
    const reports = keys.map((k) => packetReport(k, frameA));
    firstReport = reports[0]!;
    // All four at once, in an order that is not the hotspots' order: the broker stamps receive times.
    await Promise.all([2, 0, 3, 1].map((h) => publish(h, reports[h]!)));

    // Every PUBACK came back: every copy is committed.
    const copies = await copiesOf(frameA);
    expect(copies).toHaveLength(4);
    expect(copies.map((c) => c.bought)).toEqual([true, true, false, false]); // ordered by receive time
    expect(copies.slice(0, 2).map((c) => c.dc)).toEqual([2, 2]);
    expect(copies.slice(2).map((c) => [c.dc, c.reason])).toEqual([[0, 'multi_buy'], [0, 'multi_buy']]);
    expect(new Set(copies.map((c) => c.org_id))).toEqual(new Set(['org_a']));

    const groups = await net.db.query<{ copies: number; bought: number }>(`SELECT copies, bought FROM packet_groups WHERE payload_hash = $1`, [sha256(frameA)]);
    expect(groups.rows).toEqual([{ copies: 4, bought: 2 }]);
    expect((await org('org_a')).dc_balance).toBe(996n);
    const burns = await net.db.query<{ amount: bigint; balance_after: bigint; ref: string; details: { packets: number; bytes: number } }>(
      `SELECT amount, balance_after, ref, details FROM dc_ledger WHERE org_id = 'org_a' AND kind = 'burn' ORDER BY seq`,
    );
    expect(burns.rows.reduce((a, r) => a + r.amount, 0n)).toBe(-4n);
    expect(burns.rows.at(-1)!.balance_after).toBe(996n);
    expect(burns.rows.every((r) => /^b:[0-9a-f-]{36}$/.test(r.ref))).toBe(true);
    expect(burns.rows.reduce((a, r) => a + r.details.packets, 0)).toBe(2);
    expect(burns.rows.reduce((a, r) => a + r.details.bytes, 0)).toBe(2 * frameA.byteLength);

    // Data-transfer shares go to the two hotspots whose copies were bought, nobody else.
    const shares = await net.db.query<{ hotspot: string; dc: string }>(`SELECT hotspot, sum(dc)::text AS dc FROM data_transfer_shares GROUP BY hotspot`);
    const byHotspot = (a: { hotspot: string }, b: { hotspot: string }) => (a.hotspot < b.hotspot ? -1 : 1);
    expect(shares.rows.sort(byHotspot)).toEqual(copies.slice(0, 2).map((c) => ({ hotspot: c.hotspot, dc: '2' })).sort(byHotspot));
    const s = net.ingest.status().packets;
    expect(s).toMatchObject({ stored: 4, bought: 2, dcBurned: 4 });
    expect(s.notBought.multi_buy).toBe(2);
  });

  it('acknowledges a resend of the same report bytes and changes nothing', async () => {
    const before = await moneyTotals(net.db);
    const duplicates = net.ingest.status().duplicates;
    await publish(0, firstReport);
    expect(await copiesOf(frameA)).toHaveLength(4);
    expect(await moneyTotals(net.db)).toEqual(before);
    expect(net.ingest.status().duplicates).toBe(duplicates + 1);
    const ids = await net.db.query(`SELECT 1 FROM report_ids WHERE id = $1`, [Buffer.from(reportIdHex(firstReport), 'hex')]);
    expect(ids.rowCount).toBe(1);
  });

  it('stores a further copy within the window as multi_buy, and one after the window as a new group, bought', async () => {
    // A fifth report of the same frame, a minute later: same group, nothing more bought.
    clock.advance(60_000);
    await publish(3, packetReport(keys[3]!, frameA));
    let copies = await copiesOf(frameA);
    expect(copies).toHaveLength(5);
    expect(copies.at(-1)).toMatchObject({ bought: false, reason: 'multi_buy' });
    // The device sends the same bytes again past the window (Helium's 30 min by default).
    clock.advance(DEFAULT_PACKET_DEDUP_WINDOW_MS);
    await publish(1, packetReport(keys[1]!, frameA));
    copies = await copiesOf(frameA);
    expect(copies).toHaveLength(6);
    expect(copies.at(-1)).toMatchObject({ bought: true, dc: 2, reason: null });
    const groups = await net.db.query<{ copies: number; bought: number }>(`SELECT copies, bought FROM packet_groups WHERE payload_hash = $1 ORDER BY first_at`, [sha256(frameA)]);
    expect(groups.rows).toEqual([{ copies: 5, bought: 2 }, { copies: 1, bought: 1 }]);
    expect((await org('org_a')).dc_balance).toBe(994n);
  });

  it('stores a copy it cannot pay for unbought, disables the organisation, and buys again once DC are credited', async () => {
    await seedOrg(net.db, { id: 'org_b', multiBuy: 1, balance: 1, range: [0x4900_0000, 0x4900_00ff] });
    const costly = encodeDataUplink({ devAddr: 0x4900_0010, fcnt: 1, fport: 1, payload: randomBytes(20) }); // 33 bytes: 2 DC
    await publish(0, packetReport(keys[0]!, costly));
    expect((await copiesOf(costly))[0]).toMatchObject({ bought: false, dc: 0, reason: 'insufficient_balance' });
    const disabled = await org('org_b');
    expect(disabled).toMatchObject({ dc_balance: 1n, disabled: true, disabled_reason: 'insufficient_balance' });
    expect(disabled.disabled_at).toBeInstanceOf(Date);

    // Disabled: even a 1-DC frame it could pay for is not bought.
    const cheap = encodeDataUplink({ devAddr: 0x4900_0010, fcnt: 2, fport: 1, payload: randomBytes(5) });
    await publish(1, packetReport(keys[1]!, cheap));
    expect((await copiesOf(cheap))[0]).toMatchObject({ bought: false, reason: 'disabled' });
    expect((await org('org_b')).dc_balance).toBe(1n);

    // The accounts side credits DC (balance, a grant row, disabled lifted): the next frame is bought.
    await creditDc(net.db, 'org_b', 100, 'test-grant-1');
    const next = encodeDataUplink({ devAddr: 0x4900_0010, fcnt: 3, fport: 1, payload: randomBytes(20) });
    await publish(2, packetReport(keys[2]!, next));
    expect((await copiesOf(next))[0]).toMatchObject({ bought: true, dc: 2, reason: null });
    expect(await org('org_b')).toMatchObject({ dc_balance: 99n, disabled: false });
    expect(net.ingest.status().packets.notBought).toMatchObject({ insufficient_balance: 1, disabled: 1 });
  });

  it('stores a join request of a registered device free (reason join), never bought or rewarded', async () => {
    await addDevice(net.db, 'org_a', '0004a30b001c0530', '70b3d57ed0000001');
    const before = await moneyTotals(net.db);
    const join = encodeJoinRequest({ joinEui: '70b3d57ed0000001', devEui: '0004a30b001c0530', devNonce: 7 });
    await Promise.all([0, 1, 2].map((h) => publish(h, packetReport(keys[h]!, join))));
    const rows = await net.db.query<{ bought: boolean; dc: number; reason: string; mtype: number; dev_eui: string; org_id: string }>(
      `SELECT bought, dc, reason, mtype, dev_eui, org_id FROM packet_reports WHERE payload_hash = $1`, [sha256(join)],
    );
    expect(rows.rows).toHaveLength(3);
    for (const r of rows.rows) expect(r).toEqual({ bought: false, dc: 0, reason: 'join', mtype: 0, dev_eui: '0004a30b001c0530', org_id: 'org_a' });
    expect(await moneyTotals(net.db)).toEqual(before);
  });

  it('finds a DevAddr range added a moment ago, even right after a miss reloaded the table', async () => {
    await seedOrg(net.db, { id: 'org_c', multiBuy: 1, balance: 50 });
    const frame = encodeDataUplink({ devAddr: 0x4a00_0001, fcnt: 9, fport: 3, payload: randomBytes(4) });
    const client = clients[0]!;
    const rejected = nextMessage(client, hotspotTopic(keys[0]!.address, 'rejected'));
    await new Promise((r) => setTimeout(r, 50)); // the subscription is in place
    await publish(0, packetReport(keys[0]!, frame)); // no range yet: refused, and the table was just reloaded
    expect(JSON.parse((await rejected).toString()).reason).toBe('unknown_devaddr');
    await addRange(net.db, 'org_c', [0x4a00_0000, 0x4a00_00ff]);
    await publish(0, packetReport(keys[0]!, frame));
    expect((await copiesOf(frame))[0]).toMatchObject({ bought: true, dc: 1, org_id: 'org_c' });
  });

  const refusals: [string, () => Uint8Array, string][] = [
    ['an uplink from a DevAddr no organisation routes', () => packetReport(keys[0]!, encodeDataUplink({ devAddr: 0x7700_0001, fcnt: 1, fport: 1, payload: randomBytes(8) })), 'unknown_devaddr'],
    ['a PHYPayload too short to be a frame', () => packetReport(keys[0]!, randomBytes(5).fill(0x40, 0, 1)), 'malformed_frame'],
    ['a frame whose FOptsLen runs past its end', () => packetReport(keys[0]!, Buffer.from('40010000480f0100aabb00000000', 'hex')), 'malformed_frame'],
    ['a downlink (unconfirmed data down)', () => {
      const down = encodeDataUplink({ devAddr: 0x4800_0002, fcnt: 1, fport: 1, payload: randomBytes(8) });
      down[0] = MTYPE.UNCONFIRMED_DATA_DOWN << 5;
      return packetReport(keys[0]!, down);
    }, 'malformed_frame'],
    ['a join request from a DevEUI registered nowhere', () => packetReport(keys[0]!, encodeJoinRequest({ joinEui: '70b3d57ed0000001', devEui: 'ffffffffffff0001', devNonce: 1 })), 'unknown_device'],
    ['a packet report carrying another hotspot as gateway', () => packetReport(keys[0]!, frameA, { gateway: keys[1]!.keyBinary, signer: keys[1]! }), 'key_mismatch'],
    ['a packet report with a broken signature', () => { const p = Buffer.from(packetReport(keys[0]!, frameA)); p[p.length - 2]! ^= 0xff; return p; }, 'bad_signature'],
  ];

  for (const [name, make, reason] of refusals) {
    it(`refuses ${name} as ${reason}: acknowledged, answered on rejected, nothing stored or charged`, async () => {
      const client = clients[0]!;
      const before = await moneyTotals(net.db);
      const stored = (await net.db.query<{ n: bigint }>(`SELECT count(*) AS n FROM packet_reports`)).rows[0]!.n;
      const counted = net.ingest.status().refused[reason] ?? 0;
      const rejected = nextMessage(client, hotspotTopic(keys[0]!.address, 'rejected'));
      await new Promise((r) => setTimeout(r, 50)); // the subscription is in place
      await publish(0, make()); // PUBACKed
      const body = JSON.parse((await rejected).toString()) as { topic: string; id: string; reason: string };
      expect(body).toMatchObject({ topic: hotspotTopic(keys[0]!.address, 'packet'), reason });
      expect(body.id).toMatch(/^[0-9a-f]{64}$/);
      expect((await net.db.query<{ n: bigint }>(`SELECT count(*) AS n FROM packet_reports`)).rows[0]!.n).toBe(stored);
      expect(await moneyTotals(net.db)).toEqual(before);
      expect(net.ingest.status().refused[reason]).toBe(counted + 1);
      expect(client.connected).toBe(true);
    });
  }

  it('keeps the DC books balanced: burns = copies = shares = granted − balances', async () => {
    const t = await moneyTotals(net.db);
    expect(t.burned).toBeGreaterThan(0n);
    expect(t.copiesDc).toBe(t.burned);
    expect(t.sharesDc).toBe(t.burned);
    expect(t.granted - t.balances).toBe(t.burned);
    expect(BigInt(net.ingest.status().packets.dcBurned)).toBe(t.burned);
  });
});
