import { randomUUID } from 'node:crypto';
import { dcForPayload } from '@hexlight/protocol';
import type { Queryable } from '@hexlight/store';
import type { Clock } from '@hexlight/kit';
import { claimReportIds, type BatchItem, type FlushBatch } from '../writer.ts';
import type { PacketRecord } from '../records.ts';

/** A verified packet report and the organisation its frame routes to (DevAddr range or DevEUI). */
export interface RoutedPacket extends PacketRecord {
  orgId: string;
}

/** Why a stored copy was not bought (packet_reports.reason). */
export type NotBoughtReason = 'multi_buy' | 'insufficient_balance' | 'disabled' | 'join';
export const NOT_BOUGHT_REASONS: readonly NotBoughtReason[] = ['multi_buy', 'insufficient_balance', 'disabled', 'join'];

export interface PacketCounters {
  /** Copies stored (bought or not). */
  stored: number;
  bought: number;
  dcBurned: number;
  notBought: Record<NotBoughtReason, number>;
  /** Organisations this ingest disabled for want of DC. */
  orgsDisabled: number;
}

export function newPacketCounters(): PacketCounters {
  return { stored: 0, bought: 0, dcBurned: 0, notBought: { multi_buy: 0, insufficient_balance: 0, disabled: 0, join: 0 }, orgsDisabled: 0 };
}

export interface MeterConfig {
  /** Copies of one PHYPayload within this many ms of the group's first copy form one group. */
  dedupWindowMs: number;
}

interface OrgState {
  multiBuy: number;
  balance: bigint;
  disabled: boolean;
  /** Disabled by this batch (insufficient balance). */
  disableNow: boolean;
  burn: bigint;
  packets: number;
  bytes: number;
}

interface Group {
  hash: Uint8Array;
  firstAt: number;
  orgId: string;
  copies: number;
  bought: number;
  /** Copies and buys this batch adds. */
  addCopies: number;
  addBought: number;
}

interface Decision {
  item: BatchItem<RoutedPacket>;
  group: Group;
  bought: boolean;
  dc: number;
  reason: NotBoughtReason | null;
}

/**
 * The metering transaction of one packet batch (services/ingest/README.md "Packets"):
 *
 * 1. claim report ids (a resend is acknowledged and changes nothing);
 * 2. lock the batch's organisations `FOR UPDATE`, in id order — this serialises every batch that
 *    meters the same organisation, across ingest instances, and with it the creation of its
 *    deduplication groups; balances and `disabled` are read fresh under that lock;
 * 3. put each copy in its group (same PHYPayload hash, within the window of the group's first
 *    copy) in receive order, and decide: a join is stored free (`join`); a group that already has
 *    `multi_buy` bought copies stores it as `multi_buy`; a disabled organisation's as `disabled`;
 *    a balance that cannot pay `dcForPayload(size)` stores it as `insufficient_balance` and
 *    disables the organisation; otherwise it is bought and its DC burned;
 * 4. write groups, copies, one `burn` ledger row per organisation (`ref = b:<batch uuid>`), the
 *    balances, and the bought DC per hotspot into data_transfer_shares.
 */
export function packetMeter(config: MeterConfig, clock: Clock, counters: PacketCounters): FlushBatch<RoutedPacket> {
  const window = config.dedupWindowMs;
  return async (tx, batch) => {
    const fresh = await claimReportIds(tx, batch);
    if (fresh.length === 0) return { fresh: new Set() };
    // Receive order decides which copies are bought; the id breaks ties so a replay decides alike.
    const ordered = fresh.map((item) => ({ item, key: Buffer.from(item.record.id).toString('hex') }))
      .sort((a, b) => a.item.receivedAt - b.item.receivedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((x) => x.item);

    const orgIds = [...new Set(ordered.map((i) => i.record.orgId))].sort();
    const orgRows = await tx.query<{ id: string; multi_buy: number; dc_balance: bigint; disabled: boolean }>(
      `SELECT id, multi_buy, dc_balance, disabled FROM organisations WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
      [orgIds],
    );
    const orgs = new Map<string, OrgState>(orgRows.rows.map((r) => [r.id, {
      multiBuy: r.multi_buy, balance: BigInt(r.dc_balance), disabled: r.disabled, disableNow: false, burn: 0n, packets: 0, bytes: 0,
    }]));

    const groups = await loadGroups(tx, ordered, window);
    const decisions: Decision[] = [];
    for (const item of ordered) {
      const p = item.record;
      const group = groupFor(groups, p, item.receivedAt, window);
      group.copies++;
      group.addCopies++;
      const org = orgs.get(p.orgId);
      let reason: NotBoughtReason | null = null;
      let dc = 0;
      if (p.mtype === 0) reason = 'join';
      else if (!org || org.disabled) reason = 'disabled'; // (an organisation that vanished buys nothing)
      else if (group.bought >= org.multiBuy) reason = 'multi_buy';
      else {
        const cost = dcForPayload(p.payloadSize);
        if (org.balance < BigInt(cost)) {
          reason = 'insufficient_balance';
          org.disabled = true;
          org.disableNow = true;
        } else {
          dc = cost;
          org.balance -= BigInt(cost);
          org.burn += BigInt(cost);
          org.packets++;
          org.bytes += p.payloadSize;
          group.bought++;
          group.addBought++;
        }
      }
      decisions.push({ item, group, bought: reason === null, dc, reason });
    }

    const touched = new Set(decisions.map((d) => d.group));
    await tx.query(
      `INSERT INTO packet_groups (payload_hash, first_at, org_id, copies, bought)
       SELECT * FROM unnest($1::bytea[], $2::timestamptz[], $3::text[], $4::int4[], $5::int4[])
       ON CONFLICT (payload_hash, first_at) DO UPDATE
         SET copies = packet_groups.copies + EXCLUDED.copies, bought = packet_groups.bought + EXCLUDED.bought`,
      columns([...touched], (g) => [g.hash, new Date(g.firstAt), g.orgId, g.addCopies, g.addBought]),
    );
    await insertCopies(tx, decisions);

    const at = new Date(clock.now());
    const burning = [...orgs].filter(([, o]) => o.burn > 0n);
    if (burning.length > 0) {
      const ref = `b:${randomUUID()}`;
      await tx.query(
        `INSERT INTO dc_ledger (org_id, at, kind, amount, balance_after, ref, details)
         SELECT o, $1, 'burn', a, b, $2, jsonb_build_object('packets', p, 'bytes', y)
         FROM unnest($3::text[], $4::int8[], $5::int8[], $6::int4[], $7::int8[]) AS t(o, a, b, p, y)`,
        [at, ref, ...columns(burning, ([id, o]) => [id, (-o.burn).toString(), o.balance.toString(), o.packets, o.bytes])],
      );
    }
    const changed = [...orgs].filter(([, o]) => o.burn > 0n || o.disableNow);
    if (changed.length > 0) {
      await tx.query(
        `UPDATE organisations o
         SET dc_balance = u.balance,
             disabled = o.disabled OR u.disable,
             disabled_reason = CASE WHEN u.disable AND NOT o.disabled THEN 'insufficient_balance' ELSE o.disabled_reason END,
             disabled_at = CASE WHEN u.disable AND NOT o.disabled THEN $1 ELSE o.disabled_at END
         FROM unnest($2::text[], $3::int8[], $4::bool[]) AS u(id, balance, disable)
         WHERE o.id = u.id`,
        [at, ...columns(changed, ([id, o]) => [id, o.balance.toString(), o.disableNow])],
      );
    }
    await insertShares(tx, decisions);

    return {
      fresh: new Set(fresh),
      committed: () => {
        counters.stored += decisions.length;
        for (const d of decisions) {
          if (d.bought) {
            counters.bought++;
            counters.dcBurned += d.dc;
          } else counters.notBought[d.reason!]++;
        }
        for (const o of orgs.values()) if (o.disableNow) counters.orgsDisabled++;
      },
    };
  };
}

/** Groups of this batch's hashes whose first copy is within the window of a copy in the batch. */
async function loadGroups(tx: Queryable, items: readonly BatchItem<RoutedPacket>[], window: number): Promise<Map<string, Group[]>> {
  const hashes = new Map<string, Uint8Array>();
  let from = Infinity;
  let to = -Infinity;
  for (const i of items) {
    hashes.set(hex(i.record.payloadHash), i.record.payloadHash);
    from = Math.min(from, i.receivedAt);
    to = Math.max(to, i.receivedAt);
  }
  const res = await tx.query<{ payload_hash: Uint8Array; first_at: Date; org_id: string; copies: number; bought: number }>(
    `SELECT payload_hash, first_at, org_id, copies, bought FROM packet_groups
     WHERE payload_hash = ANY($1::bytea[]) AND first_at > $2 AND first_at < $3`,
    [[...hashes.values()], new Date(from - window), new Date(to + window)],
  );
  const groups = new Map<string, Group[]>();
  for (const r of res.rows) {
    const key = hex(r.payload_hash);
    const list = groups.get(key) ?? [];
    list.push({ hash: hashes.get(key)!, firstAt: r.first_at.getTime(), orgId: r.org_id, copies: r.copies, bought: r.bought, addCopies: 0, addBought: 0 });
    groups.set(key, list);
  }
  for (const list of groups.values()) list.sort((a, b) => a.firstAt - b.firstAt);
  return groups;
}

/**
 * The group a copy received at `at` belongs to: the latest one whose first copy came at most
 * `window` ms earlier — or, for a copy that reached this batch after a later copy started the
 * group elsewhere, one whose first copy is less than `window` ms later. Otherwise it starts one.
 */
function groupFor(groups: Map<string, Group[]>, p: RoutedPacket, at: number, window: number): Group {
  const key = hex(p.payloadHash);
  const list = groups.get(key) ?? [];
  let best: Group | undefined;
  for (const g of list) {
    if (g.firstAt <= at && at - g.firstAt < window) best = g; // sorted: the latest such wins
  }
  best ??= list.find((g) => g.firstAt > at && g.firstAt - at < window);
  if (best) return best;
  const created: Group = { hash: p.payloadHash, firstAt: at, orgId: p.orgId, copies: 0, bought: 0, addCopies: 0, addBought: 0 };
  list.push(created);
  list.sort((a, b) => a.firstAt - b.firstAt);
  groups.set(key, list);
  return created;
}

async function insertCopies(tx: Queryable, decisions: readonly Decision[]): Promise<void> {
  await tx.query(
    `INSERT INTO packet_reports (id, received_at, hotspot, org_id, mtype, dev_addr, dev_eui, fcnt, payload_size, payload_hash,
                                 rssi, snr, frequency, datarate, hotspot_ts, bought, dc, reason, payload)
     SELECT * FROM unnest($1::bytea[], $2::timestamptz[], $3::text[], $4::text[], $5::int2[], $6::int8[], $7::text[], $8::int4[], $9::int4[],
                          $10::bytea[], $11::int4[], $12::float4[], $13::int8[], $14::int4[], $15::int8[], $16::bool[], $17::int4[], $18::text[], $19::bytea[])`,
    columns(decisions, ({ item: { record: p, receivedAt }, bought, dc, reason }) => [
      p.id, new Date(receivedAt), p.hotspot, p.orgId, p.mtype, p.devAddr, p.devEui, p.fcnt, p.payloadSize,
      p.payloadHash, p.rssi, p.snr, p.frequency, p.datarate, p.hotspotTs, bought, dc, reason, p.payload,
    ]),
  );
}

/**
 * DC carried per hotspot, the data-transfer reward input. Bought copies are summed per hotspot and
 * whole second of receive time (reward_at = the earliest copy of the sum): epochs are whole
 * seconds long, so a sum never straddles an epoch boundary.
 */
async function insertShares(tx: Queryable, decisions: readonly Decision[]): Promise<void> {
  const sums = new Map<string, { hotspot: string; at: number; dc: number }>();
  for (const d of decisions) {
    if (!d.bought) continue;
    const at = d.item.receivedAt;
    const key = `${d.item.record.hotspot}:${Math.floor(at / 1000)}`;
    const s = sums.get(key);
    if (s) {
      s.dc += d.dc;
      s.at = Math.min(s.at, at);
    } else sums.set(key, { hotspot: d.item.record.hotspot, at, dc: d.dc });
  }
  if (sums.size === 0) return;
  await tx.query(
    `INSERT INTO data_transfer_shares (hotspot, reward_at, dc) SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int8[])`,
    columns([...sums.values()], (s) => [s.hotspot, new Date(s.at), s.dc]),
  );
}

/**
 * Deletes groups whose first copy came before `before`, `chunk` rows per statement, so a busy
 * network's backlog (a thousand groups a second is 3.6 M an hour) never holds the store in one
 * long statement. Returns how many went.
 */
export async function prunePacketGroups(db: Queryable, before: Date, chunk = 5_000): Promise<number> {
  let removed = 0;
  for (;;) {
    const r = await db.query(
      `DELETE FROM packet_groups WHERE (payload_hash, first_at) IN
         (SELECT payload_hash, first_at FROM packet_groups WHERE first_at < $1 ORDER BY first_at LIMIT $2)`,
      [before, chunk],
    );
    removed += r.rowCount;
    if (r.rowCount < chunk) return removed;
  }
}

/** Rows → one array per column, for `unnest`. */
function columns<T>(rows: readonly T[], pick: (row: T) => unknown[]): unknown[][] {
  const out: unknown[][] = [];
  for (const row of rows) {
    const values = pick(row);
    values.forEach((v, c) => (out[c] ??= []).push(v));
  }
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
