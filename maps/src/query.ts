import { cellToBoundary } from 'h3-js';
import type { Queryable } from '@hexlight/store';
import { bigToH3, BIN_LABELS, confidenceOf, dayOf, levelOf, type Level } from './model.ts';

/** One hex as every format carries it (JSON data[], GeoJSON properties, CSV columns). */
export interface HexRecord {
  h3: string;
  res: number;
  source: 'measured' | 'estimated';
  covered: boolean;
  level: Level;
  rssi_best: number;
  snr_best: number;
  rssi_mean: number;
  snr_mean: number;
  /** median of sig = rssi + min(snr, 0) from the 5 dB histogram (bin midpoints); null when estimated */
  signal_p50: number | null;
  samples: number;
  gateways: number;
  /** distinct (hotspot, UTC day) pairs that heard the hex in the window (confidence's n_eff); null when estimated */
  n_eff: number | null;
  first_seen: string | null;
  last_seen: string;
  confidence: number;
  hist: number[] | null;
}

export interface Window { fromMs: number; toMs: number }
export type SourceFilter = 'all' | 'measured' | 'estimated';

const HIST = Array.from({ length: 12 }, (_, i) => `b${i}`);
const MID = [-92.5, ...Array.from({ length: 10 }, (_, k) => -97.5 - 5 * k), -147.5];

/** A window's aggregate of a hex from its (hotspot, day) rows. */
const MEASURED = `SELECT h3, sum(n)::int AS n, max(rssi_best) AS rssi_best,
    (max(ARRAY[rssi_best, snr_best]))[2] AS snr_best,
    sum(rssi_sum) / sum(n) AS rssi_mean, sum(snr_sum) / sum(n) AS snr_mean,
    ${HIST.map((h) => `sum(${h})::int AS ${h}`).join(', ')},
    count(DISTINCT hotspot)::int AS gateways, count(*)::int AS pairs,
    min(first_seen) AS first_seen, max(last_seen) AS last_seen
  FROM coverage_hex_day`;

/** The all-time totals of a hex, and whether its whole history lies in the window ($4 = window's first day, $5 = to). */
const TOTALS = `SELECT h3, n, rssi_best, snr_best, rssi_sum / n AS rssi_mean, snr_sum / n AS snr_mean, ${HIST.join(', ')}, gateways, pairs, first_seen, last_seen,
    (first_seen >= $4 AND date_bin('1 day', last_seen, TIMESTAMPTZ '1970-01-01 00:00:00+00') < $5) AS whole
  FROM coverage_hex`;

interface MeasuredRow { h3: bigint; n: number; rssi_best: number; snr_best: number; rssi_mean: number; snr_mean: number; gateways: number; pairs: number; first_seen: Date; last_seen: Date; whole?: boolean; [k: string]: unknown }
interface EstimatedRow { h3: bigint; rssi: number; snr: number; links: number; hotspots: number; last_seen: Date }

const r1 = (x: number) => Math.round(x * 10) / 10;

function p50(hist: number[]): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let acc = 0;
  for (let i = 0; i < 12; i++) {
    acc += hist[i]!;
    if (acc * 2 >= total) return MID[i]!;
  }
  return null;
}

export function measuredRecord(r: MeasuredRow, res: number, asOfMs: number): HexRecord {
  const hist = HIST.map((h) => Number(r[h]));
  const level = levelOf(r.rssi_best, r.snr_best);
  return {
    h3: bigToH3(r.h3), res, source: 'measured', covered: level !== 'none', level,
    rssi_best: r1(r.rssi_best), snr_best: r1(r.snr_best), rssi_mean: r1(Number(r.rssi_mean)), snr_mean: r1(Number(r.snr_mean)),
    signal_p50: p50(hist), samples: r.n, gateways: r.gateways, n_eff: r.pairs,
    first_seen: r.first_seen.toISOString(), last_seen: r.last_seen.toISOString(),
    confidence: confidenceOf(r.pairs, r.last_seen.getTime(), asOfMs), hist,
  };
}

function estimatedRecord(r: EstimatedRow, res: number, asOfMs: number): HexRecord {
  const level = levelOf(r.rssi, r.snr);
  return {
    h3: bigToH3(r.h3), res, source: 'estimated', covered: level !== 'none', level,
    rssi_best: r1(r.rssi), snr_best: r1(r.snr), rssi_mean: r1(r.rssi), snr_mean: r1(r.snr), signal_p50: null,
    samples: r.links, gateways: r.hotspots, n_eff: null, first_seen: null, last_seen: r.last_seen.toISOString(),
    confidence: confidenceOf(1, r.last_seen.getTime(), asOfMs, true), hist: null,
  };
}

export interface HexQuery {
  res: number;
  /** sorted cells of the area; undefined = anywhere (bulk export of everything) */
  cells: bigint[];
  window: Window;
  after: bigint | null;
  limit: number;
  source: SourceFilter;
  asOfMs: number;
}

/**
 * A page of hexes ordered by H3 index after the cursor: measured aggregates over the window's UTC
 * days, then estimated hexes where nothing was measured in the window (measured wins). Hexes whose
 * whole history lies in the window are read from their all-time totals (coverage_hex), the others
 * summed from their day rows. A page may hold fewer than `limit` records while `more` is true
 * (hexes with nothing in the window are skipped); `cursor` is where the next page starts.
 */
export async function queryHexes(db: Queryable, q: HexQuery): Promise<{ records: HexRecord[]; more: boolean; cursor: string | null }> {
  const after = q.after ?? -1n;
  const from = new Date(dayOf(q.window.fromMs));
  const to = new Date(q.window.toMs);
  let measured: MeasuredRow[] = [];
  let frontierM: bigint | null = null;
  if (q.source !== 'estimated') {
    const totals = (await db.query<MeasuredRow>(`${TOTALS} WHERE res = $1 AND h3 = ANY($2::int8[]) AND h3 > $3 ORDER BY h3 LIMIT $6`,
      [q.res, q.cells, after, from, to, q.limit + 1])).rows;
    if (totals.length > q.limit) frontierM = BigInt(totals.at(-1)!.h3);
    const partial = totals.filter((r) => !r.whole).map((r) => BigInt(r.h3));
    const summed = new Map<string, MeasuredRow>();
    if (partial.length > 0) {
      for (const r of (await db.query<MeasuredRow>(`${MEASURED} WHERE res = $1 AND h3 = ANY($2::int8[]) AND day >= $3 AND day < $4 GROUP BY h3`, [q.res, partial, from, to])).rows) {
        summed.set(String(r.h3), r);
      }
    }
    for (const r of totals) {
      if (r.whole) measured.push(r);
      else if (summed.has(String(r.h3))) measured.push(summed.get(String(r.h3))!);
    }
  }
  let estimated: EstimatedRow[] = [];
  let frontierE: bigint | null = null;
  if (q.source !== 'measured') {
    estimated = (await db.query<EstimatedRow>(
      `SELECT e.h3, e.rssi, e.snr, e.links, e.hotspots, e.last_seen FROM coverage_estimated e
        WHERE e.res = $1 AND e.h3 = ANY($2::int8[]) AND e.h3 > $3 AND e.last_seen >= $4
          AND NOT EXISTS (SELECT 1 FROM coverage_hex_day m WHERE m.res = $1 AND m.h3 = e.h3 AND m.day >= $4 AND m.day < $5)
        ORDER BY e.h3 LIMIT $6`, [q.res, q.cells, after, from, to, q.limit + 1])).rows;
    if (estimated.length > q.limit) frontierE = BigInt(estimated.at(-1)!.h3);
  }
  // Everything up to the nearer frontier of a truncated source is known exactly.
  const frontier = frontierM === null ? frontierE : frontierE === null ? frontierM : (frontierM < frontierE ? frontierM : frontierE);
  const merged: HexRecord[] = [];
  let i = 0;
  let j = 0;
  for (;;) {
    const a = measured[i];
    const b = estimated[j];
    if (!a && !b) break;
    const takeA = a !== undefined && (b === undefined || BigInt(a.h3) <= BigInt(b.h3));
    const h = BigInt(takeA ? a!.h3 : b!.h3);
    if (frontier !== null && h > frontier) break;
    if (takeA) {
      merged.push(measuredRecord(a!, q.res, q.asOfMs));
      i++;
      if (b && BigInt(b.h3) === h) j++;
    } else {
      merged.push(estimatedRecord(b!, q.res, q.asOfMs));
      j++;
    }
  }
  const more = merged.length > q.limit || frontier !== null;
  const records = merged.slice(0, q.limit);
  const cursor = !more ? null : records.length > 0 ? records.at(-1)!.h3 : bigToH3(frontier!);
  return { records, more, cursor };
}

/** One hex in full for the web map's pane: its record and every hotspot that heard it. */
export async function hexDetail(db: Queryable, h3: bigint, res: number, window: Window, asOfMs: number) {
  const from = new Date(dayOf(window.fromMs));
  const to = new Date(window.toMs);
  const agg = await db.query<MeasuredRow>(`${MEASURED} WHERE res = $1 AND h3 = $2 AND day >= $3 AND day < $4 GROUP BY h3`, [res, h3, from, to]);
  const hotspots = await db.query<{ hotspot: string; n: number; rssi_best: number; snr_best: number; last_seen: Date }>(
    `SELECT hotspot, sum(n)::int AS n, max(rssi_best) AS rssi_best, (max(ARRAY[rssi_best, snr_best]))[2] AS snr_best, max(last_seen) AS last_seen
       FROM coverage_hex_day WHERE res = $1 AND h3 = $2 AND day >= $3 AND day < $4 GROUP BY hotspot ORDER BY rssi_best DESC, hotspot`, [res, h3, from, to]);
  let record: HexRecord | null = agg.rows[0] ? measuredRecord(agg.rows[0], res, asOfMs) : null;
  if (!record) {
    const e = await db.query<EstimatedRow>('SELECT h3, rssi, snr, links, hotspots, last_seen FROM coverage_estimated WHERE res = $1 AND h3 = $2', [res, h3]);
    if (e.rows[0]) record = estimatedRecord(e.rows[0], res, asOfMs);
  }
  return {
    record,
    hotspots: hotspots.rows.map((h) => ({ address: h.hotspot, samples: h.n, rssi_best: r1(h.rssi_best), snr_best: r1(h.snr_best), last_seen: h.last_seen.toISOString() })),
  };
}

export const CSV_COLUMNS = ['h3', 'res', 'source', 'covered', 'level', 'rssi_best', 'snr_best', 'rssi_mean', 'snr_mean', 'signal_p50', 'samples', 'gateways', 'n_eff', 'first_seen', 'last_seen', 'confidence', 'hist'] as const;

export function csvRow(r: HexRecord): string {
  return CSV_COLUMNS.map((c) => {
    const v = r[c];
    if (v === null) return '';
    if (Array.isArray(v)) return v.join(';');
    return String(v);
  }).join(',') + '\n';
}

export function geojsonFeature(r: HexRecord) {
  return { type: 'Feature' as const, id: r.h3, geometry: { type: 'Polygon' as const, coordinates: [cellToBoundary(r.h3, true)] }, properties: r };
}

export const HIST_BINS = BIN_LABELS;
