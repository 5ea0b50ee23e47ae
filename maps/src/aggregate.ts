import type { Db, Queryable } from '@hexlight/store';
import { binOf, cellChain, dayOf, RESOLUTIONS, signalOf } from './model.ts';
import type { AcceptedReception, Measurement } from './filter.ts';

export interface AcceptedMeasurement { m: Measurement; receivedAtMs: number; receptions: AcceptedReception[] }

const HIST = Array.from({ length: 12 }, (_, i) => `b${i}`);
/** The upsert clause two aggregate rows merge by: counts and sums add, the best RSSI keeps its own SNR (ties: the better SNR). */
const MERGE_SIGNAL = `n = t.n + EXCLUDED.n,
       snr_best = CASE WHEN EXCLUDED.rssi_best > t.rssi_best THEN EXCLUDED.snr_best
                       WHEN EXCLUDED.rssi_best = t.rssi_best THEN GREATEST(t.snr_best, EXCLUDED.snr_best) ELSE t.snr_best END,
       rssi_best = GREATEST(t.rssi_best, EXCLUDED.rssi_best),
       rssi_sum = t.rssi_sum + EXCLUDED.rssi_sum, snr_sum = t.snr_sum + EXCLUDED.snr_sum,
       ${HIST.map((h) => `${h} = t.${h} + EXCLUDED.${h}`).join(', ')}`;

interface Agg {
  res: number; h3: bigint; day: number; hotspot: string; n: number; rssiBest: number; snrBest: number; rssiSum: number; snrSum: number;
  hist: number[]; first: number; last: number;
}

/** Folds receptions into per-(res, hex, day, hotspot) rows: the same rules as the SQL recompute. */
export function foldReceptions(list: AcceptedMeasurement[]): Map<string, Agg> {
  const out = new Map<string, Agg>();
  for (const { m, receivedAtMs, receptions } of list) {
    const chain = cellChain(m.lat, m.lng);
    const day = dayOf(receivedAtMs);
    for (const r of receptions) {
      const bin = binOf(signalOf(r.rssi, r.snr));
      for (const res of RESOLUTIONS) {
        const key = `${res}:${chain[res]}:${day}:${r.address}`;
        let a = out.get(key);
        if (!a) {
          a = { res, h3: chain[res]!, day, hotspot: r.address, n: 0, rssiBest: -Infinity, snrBest: -Infinity, rssiSum: 0, snrSum: 0, hist: new Array(12).fill(0), first: receivedAtMs, last: receivedAtMs };
          out.set(key, a);
        }
        a.n++;
        if (r.rssi > a.rssiBest || (r.rssi === a.rssiBest && r.snr > a.snrBest)) { a.rssiBest = r.rssi; a.snrBest = r.snr; }
        a.rssiSum += r.rssi;
        a.snrSum += r.snr;
        a.hist[bin]!++;
        a.first = Math.min(a.first, receivedAtMs);
        a.last = Math.max(a.last, receivedAtMs);
      }
    }
  }
  return out;
}

/**
 * Records accepted measurements in one transaction: ids (resends change nothing), measurements,
 * receptions, and, without TimescaleDB, the aggregates (with it, continuous aggregates do that).
 * Returns the measurements that were new.
 */
export async function recordMeasurements(db: Db, list: AcceptedMeasurement[], opts: { aggregates?: boolean } = {}): Promise<number> {
  if (list.length === 0) return 0;
  return db.transaction(async (tx) => {
    const ids = await tx.query<{ id: Buffer }>(
      `INSERT INTO mapper_uplink_ids (id, received_at) SELECT * FROM unnest($1::bytea[], $2::timestamptz[]) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [list.map((x) => x.m.id), list.map((x) => new Date(x.receivedAtMs))]);
    const fresh = new Set(ids.rows.map((r) => Buffer.from(r.id).toString('hex')));
    const todo = list.filter((x) => fresh.has(x.m.id.toString('hex')));
    if (todo.length === 0) return 0;
    const chains = todo.map((x) => cellChain(x.m.lat, x.m.lng));
    await tx.query(
      `INSERT INTO mapper_uplinks (id, received_at, source, org_id, device, measured_at, lat, lng, altitude, accuracy, hdop, h3_r10, hotspots)
       SELECT * FROM unnest($1::bytea[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::float8[], $8::float8[], $9::real[], $10::real[], $11::real[], $12::int8[], $13::int4[])`,
      [todo.map((x) => x.m.id), todo.map((x) => new Date(x.receivedAtMs)), todo.map((x) => x.m.source), todo.map((x) => x.m.orgId), todo.map((x) => x.m.device),
        todo.map((x) => new Date(x.m.measuredAtMs)), todo.map((x) => x.m.lat), todo.map((x) => x.m.lng), todo.map((x) => x.m.altitude), todo.map((x) => x.m.accuracy),
        todo.map((x) => x.m.hdop), chains.map((c) => c[10]!), todo.map((x) => x.receptions.length)]);
    const rec: unknown[][] = Array.from({ length: 13 }, () => []);
    todo.forEach((x, i) => {
      for (const r of x.receptions) {
        const c = chains[i]!;
        const row = [new Date(x.receivedAtMs), x.m.id, x.m.device, r.address, r.rssi, r.snr, r.distanceM, c[10], c[9], c[8], c[7], c[6], c[5]];
        row.forEach((v, j) => rec[j]!.push(v));
      }
    });
    await tx.query(
      `INSERT INTO mapper_receptions (received_at, uplink_id, device, hotspot, rssi, snr, distance_m, h3_r10, h3_r9, h3_r8, h3_r7, h3_r6, h3_r5)
       SELECT * FROM unnest($1::timestamptz[], $2::bytea[], $3::text[], $4::text[], $5::real[], $6::real[], $7::real[], $8::int8[], $9::int8[], $10::int8[], $11::int8[], $12::int8[], $13::int8[])`, rec);
    // Bulk loads (bench) skip this and run recomputeAggregates once at the end.
    if (!db.timescale && opts.aggregates !== false) await upsertAggregates(tx, foldReceptions(todo));
    return todo.length;
  });
}

async function upsertAggregates(tx: Queryable, rows: Map<string, Agg>): Promise<void> {
  const list = [...rows.values()];
  // Deterministic lock order across concurrent writers.
  list.sort((a, b) => a.res - b.res || (a.h3 < b.h3 ? -1 : a.h3 > b.h3 ? 1 : 0) || a.day - b.day || (a.hotspot < b.hotspot ? -1 : 1));
  const params: unknown[] = [
    list.map((a) => a.res), list.map((a) => a.h3), list.map((a) => new Date(a.day)), list.map((a) => a.hotspot), list.map((a) => a.n),
    list.map((a) => a.rssiBest), list.map((a) => a.snrBest), list.map((a) => a.rssiSum), list.map((a) => a.snrSum),
    ...HIST.map((_, i) => list.map((a) => a.hist[i]!)), list.map((a) => new Date(a.first)), list.map((a) => new Date(a.last)),
  ];
  const types = ['int2', 'int8', 'timestamptz', 'text', 'int4', 'real', 'real', 'float8', 'float8', ...HIST.map(() => 'int4'), 'timestamptz', 'timestamptz'];
  const cols = ['res', 'h3', 'day', 'hotspot', 'n', 'rssi_best', 'snr_best', 'rssi_sum', 'snr_sum', ...HIST, 'first_seen', 'last_seen'];
  const day = await tx.query<{ res: number; h3: bigint; inserted: boolean }>(
    `INSERT INTO coverage_hex_day AS t (${cols.join(', ')})
     SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
     ON CONFLICT (res, h3, day, hotspot) DO UPDATE SET
       ${MERGE_SIGNAL},
       first_seen = LEAST(t.first_seen, EXCLUDED.first_seen), last_seen = GREATEST(t.last_seen, EXCLUDED.last_seen)
     RETURNING res, h3, (xmax = 0) AS inserted`, params);
  // New (hotspot, day) pairs and new hotspots per hex feed the totals' pairs and gateways.
  const key = (res: number, h3: bigint | string) => `${res}:${BigInt(h3)}`;
  const newPairs = new Map<string, number>();
  for (const r of day.rows) if (r.inserted) newPairs.set(key(r.res, r.h3), (newPairs.get(key(r.res, r.h3)) ?? 0) + 1);
  const pairs = new Map<string, { res: number; h3: bigint; hotspot: string }>();
  for (const a of list) pairs.set(`${a.res}:${a.h3}:${a.hotspot}`, { res: a.res, h3: a.h3, hotspot: a.hotspot });
  const hp = [...pairs.values()];
  const gw = await tx.query<{ res: number; h3: bigint }>(
    `INSERT INTO coverage_hex_hotspot (res, h3, hotspot) SELECT * FROM unnest($1::int2[], $2::int8[], $3::text[]) ON CONFLICT DO NOTHING RETURNING res, h3`,
    [hp.map((p) => p.res), hp.map((p) => p.h3), hp.map((p) => p.hotspot)]);
  const newGw = new Map<string, number>();
  for (const r of gw.rows) newGw.set(key(r.res, r.h3), (newGw.get(key(r.res, r.h3)) ?? 0) + 1);
  // Totals per (res, hex): the batch's rows folded, then added.
  const hex = new Map<string, Agg>();
  for (const a of list) {
    const k = key(a.res, a.h3);
    const t = hex.get(k);
    if (!t) { hex.set(k, { ...a, hist: [...a.hist] }); continue; }
    t.n += a.n;
    if (a.rssiBest > t.rssiBest || (a.rssiBest === t.rssiBest && a.snrBest > t.snrBest)) { t.rssiBest = a.rssiBest; t.snrBest = a.snrBest; }
    t.rssiSum += a.rssiSum; t.snrSum += a.snrSum;
    for (let i = 0; i < 12; i++) t.hist[i]! += a.hist[i]!;
    t.first = Math.min(t.first, a.first); t.last = Math.max(t.last, a.last);
  }
  const hl = [...hex.entries()];
  const hcols = ['res', 'h3', 'n', 'rssi_best', 'snr_best', 'rssi_sum', 'snr_sum', ...HIST, 'gateways', 'pairs', 'first_seen', 'last_seen'];
  const htypes = ['int2', 'int8', 'int4', 'real', 'real', 'float8', 'float8', ...HIST.map(() => 'int4'), 'int4', 'int4', 'timestamptz', 'timestamptz'];
  await tx.query(
    `INSERT INTO coverage_hex AS t (${hcols.join(', ')})
     SELECT * FROM unnest(${htypes.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
     ON CONFLICT (res, h3) DO UPDATE SET
       ${MERGE_SIGNAL},
       gateways = t.gateways + EXCLUDED.gateways, pairs = t.pairs + EXCLUDED.pairs,
       first_seen = LEAST(t.first_seen, EXCLUDED.first_seen), last_seen = GREATEST(t.last_seen, EXCLUDED.last_seen)`, [
      hl.map(([, a]) => a.res), hl.map(([, a]) => a.h3), hl.map(([, a]) => a.n), hl.map(([, a]) => a.rssiBest), hl.map(([, a]) => a.snrBest),
      hl.map(([, a]) => a.rssiSum), hl.map(([, a]) => a.snrSum), ...HIST.map((_, i) => hl.map(([, a]) => a.hist[i]!)),
      hl.map(([k]) => newGw.get(k) ?? 0), hl.map(([k]) => newPairs.get(k) ?? 0), hl.map(([, a]) => new Date(a.first)), hl.map(([, a]) => new Date(a.last)),
    ]);
}

const SIG = '(rssi + LEAST(snr, 0))';
const BIN = `LEAST(11, GREATEST(0, floor((-95 - ${SIG}) / 5)::int + 1))`;

/**
 * Rebuilds every aggregate from the stored receptions (plain branch; with TimescaleDB it refreshes
 * the continuous aggregates). The incremental path must give the same rows (a test checks it).
 */
export async function recomputeAggregates(db: Db): Promise<void> {
  if (db.timescale) {
    for (const r of RESOLUTIONS) await db.query(`CALL refresh_continuous_aggregate('coverage_r${r}_day', NULL, NULL)`);
    return;
  }
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM coverage_hex_day');
    for (const r of RESOLUTIONS) {
      await tx.query(`INSERT INTO coverage_hex_day (res, h3, day, hotspot, n, rssi_best, snr_best, rssi_sum, snr_sum, ${HIST.join(', ')}, first_seen, last_seen)
        SELECT ${r}, h3_r${r}, date_bin('1 day', received_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS day, hotspot, count(*)::int, max(rssi),
          (max(ARRAY[rssi, snr]))[2], sum(rssi::float8), sum(snr::float8),
          ${HIST.map((_, i) => `count(*) FILTER (WHERE ${BIN} = ${i})::int`).join(', ')},
          min(received_at), max(received_at)
        FROM mapper_receptions GROUP BY h3_r${r}, day, hotspot`);
    }
    await tx.query('DELETE FROM coverage_hex_hotspot');
    await tx.query('INSERT INTO coverage_hex_hotspot (res, h3, hotspot) SELECT DISTINCT res, h3, hotspot FROM coverage_hex_day');
    await tx.query('DELETE FROM coverage_hex');
    await tx.query(`INSERT INTO coverage_hex (res, h3, n, rssi_best, snr_best, rssi_sum, snr_sum, ${HIST.join(', ')}, gateways, pairs, first_seen, last_seen)
      SELECT res, h3, sum(n), max(rssi_best), (max(ARRAY[rssi_best, snr_best]))[2], sum(rssi_sum), sum(snr_sum), ${HIST.map((h) => `sum(${h})`).join(', ')},
        count(DISTINCT hotspot), count(*), min(first_seen), max(last_seen)
      FROM coverage_hex_day GROUP BY res, h3`);
  });
}
