// `npm run bench -- maps`: 1,000,000 mapper measurements over a city (mappers driving for 30 days,
// each fix heard by the 1–3 nearest of 60 hotspots), then the carrier API's hex (city bbox,
// res 9), point and tile endpoints driven with autocannon. Baselines in the same run: the same
// HTTP stack answering /healthz (the server floor) and the hex page's SQL alone (the store floor).
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import cliProgress from 'cli-progress';
import { latLngToCell, polygonToCells } from 'h3-js';
import { buildHttpApp, ManualClock, silentLogger } from '@hexlight/kit';
import { generateHotspotKey } from '@hexlight/protocol';
import { createMaps, loadMapsConfig, recomputeAggregates, recordMeasurements, distanceM, h3ToBig, type AcceptedMeasurement } from '@hexlight/maps';
import { benchDatabaseUrl, openBenchStore } from './store.ts';

const CITY = { south: 38.69, north: 38.79, west: -9.22, east: -9.09 }; // Lisbon, ~11 × 11 km
const NOW = Date.UTC(2026, 10, 20, 12);

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      measurements: { type: 'string', default: '1000000' },
      hotspots: { type: 'string', default: '60' },
      days: { type: 'string', default: '30' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
      store: { type: 'string' },
    },
  });
  const total = Number(values.measurements);
  const days = Number(values.days);
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const storeKind = values.store ?? (benchDatabaseUrl() ? 'pg' : 'pglite');
  console.log(`bench maps: ${total.toLocaleString('en')} measurements over ${days} days in a city bbox, ${values.hotspots} hotspots, store ${storeKind}; autocannon ${connections} connections × ${duration} s per endpoint`);
  const { db, cleanup } = await openBenchStore(storeKind, 'maps');
  try {
    // Hotspots on a jittered grid.
    const hs: { address: string; lat: number; lng: number }[] = [];
    let seed = 42;
    const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const nH = Number(values.hotspots);
    for (let i = 0; i < nH; i++) {
      const key = generateHotspotKey();
      const lat = CITY.south + rnd() * (CITY.north - CITY.south);
      const lng = CITY.west + rnd() * (CITY.east - CITY.west);
      hs.push({ address: key.address, lat, lng });
      await db.query(`INSERT INTO hotspots (address, key_binary, owner, location, region, onboarded_at, asserted_at, online, last_seen_at) VALUES ($1, $2, 'bench', $3, 'EU868', $4, $4, true, $4)`,
        [key.address, key.keyBinary, latLngToCell(lat, lng, 12), new Date(NOW)]);
    }

    // Mappers drive random walks (≈ 30 m between fixes); each fix is heard by the nearest 1–3 hotspots.
    const bar = new cliProgress.SingleBar({ format: '  {phase} [{bar}] {value}/{total}', hideCursor: true }, cliProgress.Presets.shades_classic);
    let t = performance.now();
    bar.start(total, 0, { phase: 'loading' });
    const BATCH = 5000;
    const walkers = Array.from({ length: 200 }, () => ({ lat: CITY.south + rnd() * (CITY.north - CITY.south), lng: CITY.west + rnd() * (CITY.east - CITY.west), heading: rnd() * 2 * Math.PI }));
    let receptions = 0;
    for (let done = 0; done < total; done += BATCH) {
      const list: AcceptedMeasurement[] = [];
      for (let i = done; i < Math.min(total, done + BATCH); i++) {
        const w = walkers[i % walkers.length]!;
        w.heading += (rnd() - 0.5) * 0.8;
        w.lat = Math.min(CITY.north, Math.max(CITY.south, w.lat + Math.cos(w.heading) * 0.00027));
        w.lng = Math.min(CITY.east, Math.max(CITY.west, w.lng + Math.sin(w.heading) * 0.00035));
        if (w.lat === CITY.north || w.lat === CITY.south || w.lng === CITY.east || w.lng === CITY.west) w.heading += Math.PI;
        const at = NOW - days * 86_400_000 + Math.floor((i / total) * days * 86_400_000);
        const near = hs.map((h) => ({ h, d: distanceM(h, w) })).sort((a, b) => a.d - b.d).slice(0, 1 + Math.floor(rnd() * 3));
        const heard = near.map(({ h, d }) => ({ address: h.address, rssi: Math.fround(Math.max(-139, Math.min(-40, Math.round(-40 - 30 * Math.log10(Math.max(d, 10) / 10) - rnd() * 10)))), snr: Math.fround(Math.round((10 - d / 400 + rnd() * 4) * 4) / 4), distanceM: d }))
          .filter((r) => r.snr >= -40);
        if (heard.length === 0) continue;
        receptions += heard.length;
        list.push({ m: { id: createHash('sha256').update(`bench:${i}`).digest(), source: 'http', orgId: null, device: `mapper-${i % walkers.length}`, measuredAtMs: at, lat: w.lat, lng: w.lng, altitude: null, accuracy: 3, hdop: null, satellites: null, hotspots: [] }, receivedAtMs: at, receptions: heard });
      }
      await recordMeasurements(db, list, { aggregates: false });
      bar.update(Math.min(total, done + BATCH));
    }
    bar.stop();
    const loadS = (performance.now() - t) / 1000;
    t = performance.now();
    await recomputeAggregates(db);
    const aggS = (performance.now() - t) / 1000;
    const rows = await db.query<{ res: number; n: bigint }>('SELECT res, count(*) AS n FROM coverage_hex_day GROUP BY res ORDER BY res DESC');
    console.log(`  loaded ${total.toLocaleString('en')} measurements (${receptions.toLocaleString('en')} receptions) in ${loadS.toFixed(1)} s; aggregates recomputed in ${aggS.toFixed(1)} s: ${rows.rows.map((r) => `res ${r.res} ${Number(r.n).toLocaleString('en')}`).join(', ')} rows`);

    // A carrier with plenty of DC.
    const key = `hxl_${randomBytes(24).toString('base64url')}`;
    await db.query(`INSERT INTO organisations (id, name, created_at, dc_balance) VALUES ('org_bench', 'bench', $1, 1000000000000)`, [new Date(NOW)]);
    await db.query(`INSERT INTO org_api_keys (key_hash, org_id, prefix, created_at) VALUES ($1, 'org_bench', 'hxl_', $2)`, [createHash('sha256').update(key).digest(), new Date(NOW)]);

    const clock = new ManualClock(NOW);
    const maps = createMaps({ db, clock, log: silentLogger() }, loadMapsConfig({ MAPS_ESTIMATE_INTERVAL_S: '0', MAPS_RATE_PER_MIN: '100000000', MAPS_PUBLIC_RATE_PER_MIN: '100000000', MAPS_DEFAULT_WINDOW_DAYS: String(days + 1) }));
    await maps.start();
    const app = await buildHttpApp({ title: 'bench', logger: false, plugins: [maps.routes] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const headers = { authorization: `Bearer ${key}` };
    const bbox = `${CITY.west},${CITY.south},${CITY.east},${CITY.north}`;

    // Store floor: the hex page SQL alone (first page of 1000, res 9, whole window).
    const cells = polygonToCells([[[CITY.west, CITY.south], [CITY.east, CITY.south], [CITY.east, CITY.north], [CITY.west, CITY.north], [CITY.west, CITY.south]]], 9, true).map(h3ToBig).sort((a, b) => (a < b ? -1 : 1));
    const { queryHexesForBench } = await import('./maps-sql.ts');
    const sqlTimes = await queryHexesForBench(db, cells, NOW - (days + 1) * 86_400_000, NOW, 50);
    console.log(`  city bbox at res 9: ${cells.length.toLocaleString('en')} cells; hex page SQL alone (1000 hexes): p50 ${sqlTimes.p50.toFixed(1)} ms, p99 ${sqlTimes.p99.toFixed(1)} ms`);

    // Tiles covering the city at z12–14, cycled.
    const tiles: string[] = [];
    for (const z of [12, 13, 14]) {
      const n = 2 ** z;
      const tx = (lng: number) => Math.floor(((lng + 180) / 360) * n);
      const ty = (lat: number) => { const r = (lat * Math.PI) / 180; return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n); };
      for (let x = tx(CITY.west); x <= tx(CITY.east); x++) for (let y = ty(CITY.north); y <= ty(CITY.south); y++) tiles.push(`/v1/coverage/tiles/${z}/${x}/${y}.mvt`);
    }
    const points = Array.from({ length: 1000 }, () => `/v1/coverage/point?lat=${(CITY.south + rnd() * (CITY.north - CITY.south)).toFixed(5)}&lng=${(CITY.west + rnd() * (CITY.east - CITY.west)).toFixed(5)}`);

    const drive = async (name: string, paths: string[], hdrs: Record<string, string> = headers, conns = connections) => {
      let i = 0;
      const r = await autocannon({
        url, connections: conns, duration, headers: hdrs,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }],
      });
      const ok = r.non2xx === 0 && r.errors === 0;
      return { name: `${name}, c=${conns}`, p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, total: r.requests.total, ok, non2xx: r.non2xx };
    };
    // Each endpoint twice: one connection (latency of a request alone) and N (throughput; latency then includes queueing).
    const results = [];
    for (const c of [1, connections]) {
      results.push(await drive('baseline: GET /healthz (same server)', ['/healthz'], {}, c));
      results.push(await drive('hexes: city bbox, res 9, 1000/page', [`/v1/coverage/hexes?bbox=${bbox}&res=9&limit=1000`], headers, c));
      results.push(await drive(`point: ${points.length} random points, res 9`, points, headers, c));
      results.push(await drive(`tiles: ${tiles.length} tiles z12–14`, tiles, headers, c));
    }
    await app.close();
    await maps.stop();

    const goals: Record<string, number> = { hexes: 50, tiles: 30 };
    console.log('\n  endpoint                                         p50 ms   p99 ms     req/s   requests  goal');
    for (const r of results) {
      const key = r.name.split(':')[0]!;
      const goal = goals[key];
      const verdict = goal === undefined ? '' : `p99 < ${goal} ms: ${r.p99 < goal ? 'met' : 'NOT met'}`;
      console.log(`  ${r.name.padEnd(48)} ${String(r.p50).padStart(6)} ${String(r.p99).padStart(8)} ${r.rps.toFixed(0).padStart(9)} ${String(r.total).padStart(10)}  ${verdict}${r.ok ? '' : `  (${r.non2xx} non-2xx!)`}`);
    }
    const usage = await db.query<{ n: bigint; units: bigint; dc: bigint }>(`SELECT count(*) AS n, sum(units) AS units, sum(dc) AS dc FROM maps_usage`);
    console.log(`\n  billed: ${Number(usage.rows[0]!.n).toLocaleString('en')} requests, ${Number(usage.rows[0]!.units).toLocaleString('en')} hexes, ${Number(usage.rows[0]!.dc).toLocaleString('en')} DC (one ledger burn per request)`);
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    await cleanup();
  }
}
