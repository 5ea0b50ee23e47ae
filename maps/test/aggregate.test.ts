import { describe, expect, it } from 'vitest';
import { createTestDb, type Db } from '@hexlight/store';
import { recomputeAggregates, recordMeasurements, type AcceptedMeasurement } from '../src/index.ts';
import { binOf, signalOf } from '../src/model.ts';
import { CENTER, seedHotspots } from './helpers.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 10);

/** A deterministic pseudo-random drive: 300 fixes over 3 days, each heard by 1–3 of 4 hotspots. */
function drive(addresses: string[]): AcceptedMeasurement[] {
  let s = 7;
  const rnd = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const out: AcceptedMeasurement[] = [];
  for (let i = 0; i < 300; i++) {
    const lat = CENTER.lat + (rnd() - 0.5) * 0.02;
    const lng = CENTER.lng + (rnd() - 0.5) * 0.02;
    const heard = addresses.filter(() => rnd() < 0.6).slice(0, 3);
    if (heard.length === 0) heard.push(addresses[0]!);
    out.push({
      m: { id: Buffer.from(`agg-${i}`.padEnd(32, '#')), source: 'http', orgId: null, device: `d${i % 5}`, measuredAtMs: T0 + i * 800_000, lat, lng, altitude: null, accuracy: null, hdop: null, satellites: null, hotspots: [] },
      receivedAtMs: T0 + i * 800_000,
      // Quarter-dB steps (exact in float4), with ties on RSSI to exercise the SNR tie rule.
      receptions: heard.map((address) => ({ address, rssi: -70 - Math.floor(rnd() * 70), snr: Math.round((rnd() * 30 - 20) * 4) / 4, distanceM: 1000 })),
    });
  }
  return out;
}

async function snapshot(db: Db) {
  const r = await db.query<Record<string, unknown>>(`SELECT res, h3::text AS h3, day, hotspot, n, rssi_best, snr_best, round(rssi_sum::numeric, 3)::text AS rssi_sum, round(snr_sum::numeric, 3)::text AS snr_sum,
    b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, first_seen, last_seen FROM coverage_hex_day ORDER BY res, h3, day, hotspot`);
  return r.rows;
}

async function totals(db: Db) {
  const r = await db.query<Record<string, unknown>>(`SELECT res, h3::text AS h3, n, rssi_best, snr_best, round(rssi_sum::numeric, 3)::text AS rssi_sum, round(snr_sum::numeric, 3)::text AS snr_sum,
    b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, gateways, pairs, first_seen, last_seen FROM coverage_hex ORDER BY res, h3`);
  return r.rows;
}

describe('coverage aggregates', () => {
  it('incremental upserts (in batches, with resends) equal a recompute from the receptions', async () => {
    await using db = await createTestDb();
    const hs = await seedHotspots(db, [0, 1, 2, 3].map((i) => ({ lat: CENTER.lat + i * 0.01, lng: CENTER.lng })), T0);
    const list = drive(hs.map((h) => h.address));
    for (let i = 0; i < list.length; i += 37) await recordMeasurements(db, list.slice(i, i + 37));
    expect(await recordMeasurements(db, list.slice(0, 50))).toBe(0); // resends change nothing
    const incremental = await snapshot(db);
    const incrementalTotals = await totals(db);
    expect(incremental.length).toBeGreaterThan(300);
    await recomputeAggregates(db);
    expect(await snapshot(db)).toEqual(incremental);
    expect(await totals(db)).toEqual(incrementalTotals);

    // Spot-check one res-9 row against the definition.
    const row = incremental.find((r) => r.res === 9)!;
    const recs = await db.query<{ rssi: number; snr: number }>(`SELECT rssi, snr FROM mapper_receptions WHERE h3_r9 = $1::int8 AND hotspot = $2
      AND date_bin('1 day', received_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') = $3`, [row.h3, row.hotspot, row.day]);
    expect(row.n).toBe(recs.rows.length);
    const best = Math.max(...recs.rows.map((r) => r.rssi));
    expect(row.rssi_best).toBe(best);
    expect(row.snr_best).toBe(Math.max(...recs.rows.filter((r) => r.rssi === best).map((r) => r.snr)));
    const hist = new Array(12).fill(0);
    for (const r of recs.rows) hist[binOf(signalOf(r.rssi, r.snr))]++;
    expect(Array.from({ length: 12 }, (_, i) => row[`b${i}`])).toEqual(hist);
    // Coarser resolutions roll up the finer ones: total receptions are equal at every resolution.
    const perRes = await db.query<{ res: number; n: bigint }>('SELECT res, sum(n) AS n FROM coverage_hex_day GROUP BY res ORDER BY res');
    expect(new Set(perRes.rows.map((r) => Number(r.n))).size).toBe(1);
  });

  it('with TimescaleDB, continuous aggregates give the same rows as the plain branch', async () => {
    await using plain = await createTestDb();
    await using ts = await createTestDb({ timescale: true });
    expect(ts.timescale).toBe(true);
    const positions = [0, 1, 2, 3].map((i) => ({ lat: CENTER.lat + i * 0.01, lng: CENTER.lng }));
    const hsPlain = await seedHotspots(plain, positions, T0);
    const list = drive(hsPlain.map((h) => h.address));
    // Same addresses in both stores.
    for (const h of hsPlain) {
      await ts.query(`INSERT INTO hotspots (address, key_binary, owner, location, region, onboarded_at, online) SELECT $1, $2, 'x', 'x', 'EU868', $3, true`, [h.address, h.key.keyBinary, new Date(T0)]);
    }
    await recordMeasurements(plain, list);
    await recordMeasurements(ts, list);
    // Real-time aggregation: visible before any refresh; and after a refresh.
    const norm = (rows: Record<string, unknown>[]) => rows.map((r) => ({ ...r, snr_best: undefined }));
    const p = await snapshot(plain);
    const pt = await totals(plain);
    expect(norm(await snapshot(ts))).toEqual(norm(p));
    expect(norm(await totals(ts))).toEqual(norm(pt));
    await recomputeAggregates(ts);
    expect(norm(await snapshot(ts))).toEqual(norm(p));
  }, 120_000);
});
