import { createHash } from 'node:crypto';
import type { Clock } from '@hexlight/kit';
import type { Queryable } from '@hexlight/store';
import { encodeSignedReport, dataRateValue, helium, type HotspotKey } from '@hexlight/protocol';

// Organisations, ranges and devices are the accounts side's (services/rewards); tests insert them
// with plain SQL, as that side will.

export interface OrgSeed {
  id: string;
  multiBuy?: number;
  balance?: number;
  /** An inclusive DevAddr range routed to it. */
  range?: [number, number];
}

export async function seedOrg(db: Queryable, o: OrgSeed): Promise<void> {
  await db.query(
    `INSERT INTO organisations (id, name, created_at, multi_buy, dc_balance) VALUES ($1, $1, now(), $2, $3)`,
    [o.id, o.multiBuy ?? 1, o.balance ?? 0],
  );
  if ((o.balance ?? 0) > 0) {
    await db.query(`INSERT INTO dc_ledger (org_id, at, kind, amount, balance_after, ref) VALUES ($1, now(), 'grant', $2, $2, 'seed')`, [o.id, o.balance]);
  }
  if (o.range) await addRange(db, o.id, o.range);
}

export async function addRange(db: Queryable, orgId: string, [start, end]: [number, number]): Promise<void> {
  await db.query(`INSERT INTO devaddr_ranges (org_id, start_addr, end_addr, created_at) VALUES ($1, $2, $3, now())`, [orgId, start, end]);
}

export async function addDevice(db: Queryable, orgId: string, devEui: string, joinEui: string): Promise<void> {
  await db.query(`INSERT INTO devices (dev_eui, org_id, join_eui, created_at) VALUES ($1, $2, $3, now())`, [devEui, orgId, joinEui]);
}

/** What the accounts side does when DC arrive: credit, record the grant, lift the disable. */
export async function creditDc(db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }, orgId: string, dc: number, ref: string): Promise<void> {
  await db.transaction(async (tx) => {
    const r = await tx.query<{ dc_balance: bigint }>(
      `UPDATE organisations SET dc_balance = dc_balance + $2, disabled = false, disabled_reason = NULL, disabled_at = NULL WHERE id = $1 RETURNING dc_balance`,
      [orgId, dc],
    );
    await tx.query(`INSERT INTO dc_ledger (org_id, at, kind, amount, balance_after, ref) VALUES ($1, now(), 'grant', $2, $3, $4)`, [orgId, dc, r.rows[0]!.dc_balance, ref]);
  });
}

let nextTs = 1_700_000_000_000n;

/** A signed packet report of `phy` as `key`'s hotspot heard it; each call gets its own hotspot timestamp (so its own report id). */
export function packetReport(key: HotspotKey, phy: Uint8Array, opts: { rssi?: number; snr?: number; gateway?: Uint8Array; signer?: HotspotKey } = {}): Uint8Array {
  return encodeSignedReport('packet', {
    payload: phy, timestamp: nextTs++, rssi: opts.rssi ?? -97, frequency: 868_100_000, datarate: dataRateValue('SF7BW125')!,
    snr: opts.snr ?? 7.5, region: (helium.region as unknown as Record<string, number>).EU868!, gateway: opts.gateway ?? key.keyBinary,
  }, (opts.signer ?? key).privateKey).payload;
}

export function sha256(b: Uint8Array): Buffer {
  return createHash('sha256').update(b).digest();
}

/** A hand-moved clock that also ticks 1 ms per read, so reports published together get distinct receive times. */
export class TickingClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t++;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface MoneyTotals {
  burned: bigint;
  copiesDc: bigint;
  sharesDc: bigint;
  granted: bigint;
  balances: bigint;
}

/** Σ of every side of the store's DC books, for the conservation checks. */
export async function moneyTotals(db: Queryable): Promise<MoneyTotals> {
  const r = await db.query<{ burned: string; copies: string; shares: string; granted: string; balances: string }>(
    `SELECT (SELECT coalesce(-sum(amount), 0)::text FROM dc_ledger WHERE kind = 'burn') AS burned,
            (SELECT coalesce(sum(dc), 0)::text FROM packet_reports) AS copies,
            (SELECT coalesce(sum(dc), 0)::text FROM data_transfer_shares) AS shares,
            (SELECT coalesce(sum(amount), 0)::text FROM dc_ledger WHERE kind IN ('grant', 'purchase')) AS granted,
            (SELECT coalesce(sum(dc_balance), 0)::text FROM organisations) AS balances`,
  );
  const row = r.rows[0]!;
  return { burned: BigInt(row.burned), copiesDc: BigInt(row.copies), sharesDc: BigInt(row.shares), granted: BigInt(row.granted), balances: BigInt(row.balances) };
}
