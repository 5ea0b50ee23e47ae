import type { Queryable } from '@hexlight/store';
import { DAY_MS } from '../epoch/index.ts';
import { OrgTrafficWindowInvalid } from './errors.ts';
import { formatDevAddr } from './devaddr.ts';

// An organisation's traffic per UTC day, per device or per hotspot, from the packet copies ingest
// stored (packet_reports). Plain PostgreSQL (date_bin), so it runs on every store.

/** packet_reports are kept 90 days; a window may cover them all. */
export const MAX_TRAFFIC_DAYS = 92;

export interface TrafficRow {
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  /** by=hotspot */
  readonly hotspot?: string;
  /** by=device: the DevEUI (joins carry it; uplinks resolve it through the DevAddr), when known. */
  readonly devEui?: string | null;
  /** by=device: the DevAddr of uplinks (null for joins). */
  readonly devAddr?: string | null;
  readonly name?: string | null;
  /** Accepted copies (bought or not). */
  readonly copies: number;
  /** Distinct frames (PHYPayload hashes). */
  readonly frames: number;
  /** Copies bought. */
  readonly bought: number;
  /** DC spent. */
  readonly dc: number;
  /** PHYPayload bytes of the bought copies. */
  readonly bytes: number;
}

export function trafficWindow(nowMs: number, from?: string, to?: string): { from: Date; to: Date } {
  const toMs = to === undefined ? nowMs : Date.parse(to);
  const fromMs = from === undefined ? toMs - 7 * DAY_MS : Date.parse(from);
  if (!Number.isFinite(toMs) || !Number.isFinite(fromMs)) throw OrgTrafficWindowInvalid('from and to must be ISO 8601 times', { from, to });
  if (toMs <= fromMs) throw OrgTrafficWindowInvalid('to must be after from', { from, to });
  if (toMs - fromMs > MAX_TRAFFIC_DAYS * DAY_MS) throw OrgTrafficWindowInvalid(`a window covers at most ${MAX_TRAFFIC_DAYS} days`, { from, to, max_days: MAX_TRAFFIC_DAYS });
  return { from: new Date(fromMs), to: new Date(toMs) };
}

interface Row { day: Date; key: string | null; dev_addr: bigint | null; dev_eui: string | null; name: string | null; copies: bigint; frames: bigint; bought: bigint; dc: bigint; bytes: bigint }

const SUMS = `count(*) AS copies, count(DISTINCT p.payload_hash) AS frames, count(*) FILTER (WHERE p.bought) AS bought,
  coalesce(sum(p.dc), 0)::bigint AS dc, coalesce(sum(p.payload_size) FILTER (WHERE p.bought), 0)::bigint AS bytes`;
const DAY = `date_bin('1 day', p.received_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')`;

/** Rows newest day first; at most `limit` (the caller reports truncation when it gets `limit`). */
export async function orgTraffic(
  q: Queryable, orgId: string, by: 'device' | 'hotspot', window: { from: Date; to: Date }, limit: number,
): Promise<TrafficRow[]> {
  const params = [orgId, window.from, window.to, limit];
  const num = (x: bigint) => Number(x);
  const sums = (r: Row) => ({ copies: num(r.copies), frames: num(r.frames), bought: num(r.bought), dc: num(r.dc), bytes: num(r.bytes) });
  const day = (d: Date) => d.toISOString().slice(0, 10);
  if (by === 'hotspot') {
    const r = await q.query<Row>(
      `SELECT ${DAY} AS day, p.hotspot AS key, ${SUMS} FROM packet_reports p
       WHERE p.org_id = $1 AND p.received_at >= $2 AND p.received_at < $3
       GROUP BY 1, 2 ORDER BY 1 DESC, 2 LIMIT $4`,
      params,
    );
    return r.rows.map((x) => ({ day: day(x.day), hotspot: x.key!, ...sums(x) }));
  }
  // Uplinks carry a DevAddr, joins a DevEUI; an uplink's device is the org's device holding that
  // DevAddr now (the lowest DevEUI if several share it).
  const r = await q.query<Row>(
    `WITH t AS (
       SELECT ${DAY} AS day, p.dev_addr, p.dev_eui, ${SUMS} FROM packet_reports p
       WHERE p.org_id = $1 AND p.received_at >= $2 AND p.received_at < $3
       GROUP BY 1, 2, 3 ORDER BY 1 DESC, 2, 3 LIMIT $4
     )
     SELECT t.*, d.dev_eui AS key, d.name FROM t
     LEFT JOIN LATERAL (
       SELECT dev_eui, name FROM devices
       WHERE org_id = $1 AND ((t.dev_eui IS NOT NULL AND dev_eui = t.dev_eui) OR (t.dev_eui IS NULL AND dev_addr = t.dev_addr))
       ORDER BY dev_eui LIMIT 1
     ) d ON true
     ORDER BY t.day DESC, t.dev_addr, t.dev_eui`,
    params,
  );
  return r.rows.map((x) => ({
    day: day(x.day), devEui: x.dev_eui ?? x.key, devAddr: x.dev_addr === null ? null : formatDevAddr(x.dev_addr), name: x.name, ...sums(x),
  }));
}
