import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latLngToCell, cellToParent, polygonToCells } from 'h3-js';
import { balanceOf, CENTER, seedHotspots, seedOrg, startTestMaps, type SeededHotspot, type TestMaps } from './helpers.ts';

let t: TestMaps;
let hs: SeededHotspot[];
const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const BBOX = `${CENTER.lng - 0.05},${CENTER.lat - 0.05},${CENTER.lng + 0.05},${CENTER.lat + 0.05}`;

/** 40 mapper fixes on a line across the bbox, each heard by 1–3 hotspots. */
async function seedMeasurements() {
  let accepted = 0;
  for (let i = 0; i < 40; i++) {
    const lat = CENTER.lat - 0.03 + i * 0.0015;
    const lng = CENTER.lng - 0.03 + i * 0.0015;
    const heard = hs.slice(0, 1 + (i % 3)).map((h, j) => ({ address: h.address, rssi: -80 - i - j * 5, snr: 8 - j * 3 }));
    const r = await t.maps.ingest.submit({
      id: Buffer.from(`m${i}`.padEnd(32, '.')), source: 'http', orgId: null, device: 'dev-1', measuredAtMs: t.clock.now() - (40 - i) * 60_000,
      lat, lng, altitude: 20, accuracy: 5, hdop: 1.2, satellites: 8, hotspots: heard,
    });
    if (r.recorded) accepted++;
  }
  return accepted;
}

beforeAll(async () => {
  t = await startTestMaps({ MAPS_RATE_PER_MIN: '1000' });
  hs = await seedHotspots(t.db, [{ lat: CENTER.lat + 0.01, lng: CENTER.lng - 0.02 }, { lat: CENTER.lat - 0.02, lng: CENTER.lng + 0.01, online: false }, { lat: CENTER.lat + 0.02, lng: CENTER.lng + 0.02 }], t.clock.now());
  const n = await seedMeasurements();
  expect(n, JSON.stringify(t.maps.ingest.counts())).toBe(40);
});
afterAll(async () => { await t?.close(); });

describe('coverage API', () => {
  it('pages hexes in a bbox with a cursor and bills one DC per hex returned, in one transaction with the ledger and usage', async () => {
    const { orgId, key } = await seedOrg(t.db, 1000, t.clock.now());
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { statusCode: number; headers: Record<string, unknown>; json(): { data: { h3: string }[]; next_cursor: string | null; meta: { units_charged: number } } } = await t.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}&res=9&limit=7${cursor ? `&cursor=${cursor}` : ''}`, headers: auth(key) });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.data.length).toBeLessThanOrEqual(7);
      expect(body.meta.units_charged).toBe(body.data.length);
      expect(Number(res.headers['x-dc-charged'])).toBe(body.data.length);
      seen.push(...body.data.map((d: { h3: string }) => d.h3));
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    // Every res-9 parent of a measured fix, once, in H3 order.
    const expected = new Set<string>();
    for (let i = 0; i < 40; i++) expected.add(cellToParent(latLngToCell(CENTER.lat - 0.03 + i * 0.0015, CENTER.lng - 0.03 + i * 0.0015, 10), 9));
    expect(new Set(seen)).toEqual(expected);
    expect(seen.length).toBe(expected.size);
    expect(pages).toBe(Math.ceil(expected.size / 7) + (expected.size % 7 === 0 ? 1 : 0));
    expect(await balanceOf(t.db, orgId)).toBe(1000 - seen.length);
    const ledger = await t.db.query<{ amount: bigint; ref: string; balance_after: bigint }>(`SELECT amount, ref, balance_after FROM dc_ledger WHERE org_id = $1 AND kind = 'burn' ORDER BY seq`, [orgId]);
    expect(ledger.rows.reduce((a, r) => a + Number(r.amount), 0)).toBe(-seen.length);
    expect(ledger.rows.every((r) => r.ref.startsWith('maps:'))).toBe(true);
    expect(Number(ledger.rows.at(-1)!.balance_after)).toBe(1000 - seen.length);
    const usage = await t.app.inject({ url: '/v1/coverage/usage', headers: { 'x-api-key': key } });
    expect(usage.statusCode).toBe(200);
    expect(usage.json()).toMatchObject({ org_id: orgId, balance_dc: 1000 - seen.length, totals: { requests: pages, units: seen.length, dc: seen.length } });
  });

  it('serves the same hexes as JSON, GeoJSON and streamed CSV', async () => {
    const { key } = await seedOrg(t.db, 1000, t.clock.now());
    const json = (await t.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}&limit=100`, headers: auth(key) })).json();
    const geo = await t.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}&limit=100&format=geojson`, headers: auth(key) });
    expect(geo.headers['content-type']).toContain('application/geo+json');
    const fc = geo.json();
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features.map((f: { id: string }) => f.id)).toEqual(json.data.map((d: { h3: string }) => d.h3));
    const ring = fc.features[0].geometry.coordinates[0];
    expect(ring[0]).toEqual(ring.at(-1));
    expect(fc.features[0].properties.rssi_best).toBe(json.data[0].rssi_best);
    const csv = await t.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}&limit=100&format=csv`, headers: auth(key) });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe('h3,res,source,covered,level,rssi_best,snr_best,rssi_mean,snr_mean,signal_p50,samples,gateways,n_eff,first_seen,last_seen,confidence,hist');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(json.data.map((d: { h3: string }) => d.h3));
    const first = json.data[0];
    expect(first).toMatchObject({ res: 9, source: 'measured', covered: true });
    expect(first.hist.reduce((a: number, b: number) => a + b, 0)).toBe(first.samples);
  });

  it('answers polygon queries with exactly the hexes whose centres are inside', async () => {
    const { key } = await seedOrg(t.db, 1000, t.clock.now());
    const poly = { type: 'Polygon', coordinates: [[[CENTER.lng - 0.04, CENTER.lat - 0.04], [CENTER.lng, CENTER.lat - 0.04], [CENTER.lng, CENTER.lat], [CENTER.lng - 0.04, CENTER.lat], [CENTER.lng - 0.04, CENTER.lat - 0.04]]] };
    const res = await t.app.inject({ method: 'POST', url: '/v1/coverage/hexes', headers: auth(key), payload: { area: poly, res: 9, limit: 1000 } });
    expect(res.statusCode).toBe(200);
    const inside = new Set(polygonToCells(poly.coordinates, 9, true));
    const got = res.json().data.map((d: { h3: string }) => d.h3);
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((h: string) => inside.has(h))).toBe(true);
    const all = (await t.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}&limit=1000`, headers: auth(key) })).json().data.map((d: { h3: string }) => d.h3);
    expect(got).toEqual(all.filter((h: string) => inside.has(h)));
  });

  it('looks up a point (measured, then estimated from the nearest measured hex) and summarises an area', async () => {
    const { key } = await seedOrg(t.db, 1000, t.clock.now());
    const p = await t.app.inject({ url: `/v1/coverage/point?lat=${CENTER.lat - 0.03}&lng=${CENTER.lng - 0.03}&res=10`, headers: auth(key) });
    expect(p.statusCode).toBe(200);
    expect(p.json()).toMatchObject({ covered: true, source: 'measured', rssi: -80, distance_m: 0 });
    const near = await t.app.inject({ url: `/v1/coverage/point?lat=${CENTER.lat - 0.0305}&lng=${CENTER.lng - 0.0312}&res=10`, headers: auth(key) });
    expect(near.json().source).toBe('estimated');
    expect(near.json().rssi).toBeLessThanOrEqual(-80);
    const none = await t.app.inject({ url: '/v1/coverage/point?lat=10&lng=10', headers: auth(key) });
    expect(none.json()).toMatchObject({ covered: false, source: null });
    const s = await t.app.inject({ url: `/v1/coverage/summary?bbox=${BBOX}&res=9`, headers: auth(key) });
    expect(s.statusCode).toBe(200);
    const sum = s.json();
    expect(sum.hexes_total).toBe(polygonToCells([[[CENTER.lng - 0.05, CENTER.lat - 0.05], [CENTER.lng + 0.05, CENTER.lat - 0.05], [CENTER.lng + 0.05, CENTER.lat + 0.05], [CENTER.lng - 0.05, CENTER.lat + 0.05], [CENTER.lng - 0.05, CENTER.lat - 0.05]]], 9, true).length);
    expect(sum.hexes_covered).toBeGreaterThan(0);
    expect(sum.by_level.high.hexes + sum.by_level.medium.hexes + sum.by_level.low.hexes + sum.by_level.none.hexes).toBe(sum.hexes_total);
    expect(sum.redundancy['1'] + sum.redundancy['2'] + sum.redundancy['3+']).toBe(sum.hexes_covered);
  });

  it('serves vector tiles and a streamed bulk export, billed per hex', async () => {
    const { orgId, key } = await seedOrg(t.db, 10_000, t.clock.now());
    const z = 12;
    const n = 2 ** z;
    const x = Math.floor(((CENTER.lng + 180) / 360) * n);
    const latR = (CENTER.lat * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(latR) + 1 / Math.cos(latR)) / Math.PI) / 2) * n);
    const tile = await t.app.inject({ url: `/v1/coverage/tiles/${z}/${x}/${y}.mvt`, headers: auth(key) });
    expect(tile.statusCode).toBe(200);
    expect(tile.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
    expect(tile.rawPayload.length).toBeGreaterThan(50);
    expect(tile.rawPayload.includes(Buffer.from('coverage'))).toBe(true);
    const charged = Number(tile.headers['x-dc-charged']);
    expect(charged).toBeGreaterThan(0);
    const before = await balanceOf(t.db, orgId);
    const exp = await t.app.inject({ url: `/v1/coverage/export?bbox=${BBOX}&res=10&format=csv`, headers: auth(key) });
    expect(exp.statusCode).toBe(200);
    const rows = exp.body.trim().split('\n').slice(1);
    expect(rows.length).toBe(Number(exp.headers['x-hex-count']));
    expect(new Set(rows.map((r) => r.split(',')[0])).size).toBe(rows.length);
    expect(await balanceOf(t.db, orgId)).toBe(before - rows.length);
    const nd = await t.app.inject({ url: `/v1/coverage/export?bbox=${BBOX}&res=10&format=json`, headers: auth(key) });
    expect(nd.body.trim().split('\n').map((l) => JSON.parse(l).h3)).toEqual(rows.map((r) => r.split(',')[0]));
  });

  it('refuses missing, unknown and revoked keys with codes, and charges nothing', async () => {
    const { orgId, key } = await seedOrg(t.db, 100, t.clock.now());
    expect((await t.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}` })).json().code).toBe('MAPS_API_KEY_MISSING');
    const bad = await t.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}`, headers: auth('hxl_nope') });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().code).toBe('MAPS_API_KEY_INVALID');
    await t.db.query('UPDATE org_api_keys SET revoked_at = $1 WHERE org_id = $2', [new Date(t.clock.now()), orgId]);
    expect((await t.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}`, headers: auth(key) })).json().code).toBe('MAPS_API_KEY_INVALID');
    expect(await balanceOf(t.db, orgId)).toBe(100);
  });

  it('answers 402 MAPS_INSUFFICIENT_DC when the balance does not cover the hexes, changing nothing', async () => {
    const { orgId, key } = await seedOrg(t.db, 3, t.clock.now());
    const res = await t.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}&limit=10`, headers: auth(key) });
    expect(res.statusCode).toBe(402);
    expect(res.json()).toMatchObject({ code: 'MAPS_INSUFFICIENT_DC', details: { required_dc: 10, balance_dc: 3 } });
    expect(await balanceOf(t.db, orgId)).toBe(3);
    expect((await t.db.query('SELECT 1 FROM dc_ledger WHERE org_id = $1', [orgId])).rowCount).toBe(0);
    expect((await t.db.query('SELECT 1 FROM maps_usage WHERE org_id = $1', [orgId])).rowCount).toBe(0);
    const ok = await t.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}&limit=3`, headers: auth(key) });
    expect(ok.statusCode).toBe(200);
    expect(await balanceOf(t.db, orgId)).toBe(0);
  });

  it('refuses malformed geometry, windows and cursors with 400 and a code', async () => {
    const { orgId, key } = await seedOrg(t.db, 100, t.clock.now());
    const cases: [string, object | undefined, string][] = [
      ['/v1/coverage/hexes?bbox=1,2,3', undefined, 'MAPS_INVALID_GEOMETRY'],
      ['/v1/coverage/hexes?bbox=10,10,5,20', undefined, 'MAPS_INVALID_GEOMETRY'],
      ['/v1/coverage/hexes?bbox=a,b,c,d', undefined, 'MAPS_INVALID_GEOMETRY'],
      ['/v1/coverage/hexes', undefined, 'MAPS_INVALID_GEOMETRY'],
      [`/v1/coverage/hexes?bbox=${BBOX}&cursor=Zm9v`, undefined, 'MAPS_INVALID_CURSOR'],
      [`/v1/coverage/hexes?bbox=${BBOX}&from=2026-11-20T00:00:00Z&to=2026-11-19T00:00:00Z`, undefined, 'MAPS_INVALID_WINDOW'],
      ['/v1/coverage/hexes?bbox=-20,30,20,60&res=10', undefined, 'MAPS_AREA_TOO_LARGE'],
      [`/v1/coverage/hexes?bbox=${BBOX}&res=11`, undefined, 'INVALID_REQUEST'],
      ['/v1/coverage/hexes', { area: { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] } }, 'MAPS_INVALID_GEOMETRY'],
      ['/v1/coverage/hexes', { area: { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0]]] } }, 'MAPS_INVALID_GEOMETRY'],
      ['/v1/coverage/hexes', { area: { type: 'Point', coordinates: [0, 0] } }, 'MAPS_INVALID_GEOMETRY'],
      ['/v1/coverage/hexes', { area: { type: 'Polygon', coordinates: [[[0, 0], [200, 1], [1, 0], [0, 0]]] } }, 'MAPS_INVALID_GEOMETRY'],
      ['/v1/coverage/tiles/3/9/1.mvt', undefined, 'MAPS_INVALID_TILE'],
    ];
    for (const [url, body, code] of cases) {
      const res = await t.app.inject({ method: body ? 'POST' : 'GET', url, headers: auth(key), ...(body ? { payload: body } : {}) });
      expect([res.statusCode, res.json().code], url).toEqual([400, code]);
    }
    expect(await balanceOf(t.db, orgId)).toBe(100);
  });

  it('records HTTP mapper uplinks after the filters, counts the reasons and refuses filtered ones with a code', async () => {
    const { key } = await seedOrg(t.db, 0, t.clock.now());
    const base = { device_id: 'tracker-9', time: '2026-11-20T11:00:00Z', lat: CENTER.lat + 0.001, lng: CENTER.lng + 0.001, accuracy: 4, hotspots: [{ address: hs[0]!.address, rssi: -101, snr: 2.5 }, { address: hs[1]!.address, rssi: -150, snr: 1 }] };
    const ok = await t.app.inject({ method: 'POST', url: '/v1/mappers/uplinks', headers: auth(key), payload: base });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ h3: latLngToCell(base.lat, base.lng, 10), hotspots: 1, dropped: [{ address: hs[1]!.address, reason: 'rssi_out_of_range' }] });
    const again = await t.app.inject({ method: 'POST', url: '/v1/mappers/uplinks', headers: auth(key), payload: base });
    expect(again.json()).toMatchObject({ duplicate: true });
    const bad = await t.app.inject({ method: 'POST', url: '/v1/mappers/uplinks', headers: auth(key), payload: { ...base, time: '2026-11-20T11:00:05Z', accuracy: 50 } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'MAPS_UPLINK_FILTERED', details: { reason: 'poor_accuracy' } });
    const island = await t.app.inject({ method: 'POST', url: '/v1/mappers/uplinks', headers: auth(key), payload: { ...base, time: '2026-11-20T11:00:06Z', lat: 0.1, lng: 0.2 } });
    expect(island.json().details.reason).toBe('null_island');
    const far = await t.app.inject({ method: 'POST', url: '/v1/mappers/uplinks', headers: auth(key), payload: { ...base, time: '2026-11-20T11:00:07Z', lat: 45, lng: 5, hotspots: [{ address: hs[0]!.address, rssi: -100, snr: 1 }] } });
    expect(far.json().details.reason).toBe('speed_jump');
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/mappers/uplinks', headers: auth(key), payload: { ...base, time: '2026-11-20T11:00:08Z', hotspots: [{ address: '1nope', rssi: -100, snr: 1 }] } });
    expect(unknown.json()).toMatchObject({ code: 'MAPS_UPLINK_FILTERED', details: { reason: 'no_hotspots', dropped: [{ reason: 'unknown_hotspot' }] } });
    const extra = await t.app.inject({ method: 'POST', url: '/v1/mappers/uplinks', headers: auth(key), payload: { ...base, extra: 1 } });
    expect(extra.json().code).toBe('INVALID_REQUEST');
    const stored = await t.db.query('SELECT 1 FROM mapper_uplinks WHERE device = $1', ['tracker-9']);
    expect(stored.rowCount).toBe(1);
    const status = (await t.app.inject({ url: '/v1/map/status' })).json();
    expect(status.counts).toMatchObject({ 'uplink.poor_accuracy': 1, 'uplink.null_island': 1, 'uplink.speed_jump': 1, 'hotspot.rssi_out_of_range': 2, 'hotspot.unknown_hotspot': 1, 'uplink.duplicate': 1 });
  });
});

describe('rate limits', () => {
  it('sends RateLimit headers and 429 with Retry-After once the bucket is empty; it refills with time', async () => {
    const r = await startTestMaps({ MAPS_RATE_PER_MIN: '3', MAPS_PUBLIC_RATE_PER_MIN: '2' });
    try {
      const { orgId, key } = await seedOrg(r.db, 100, r.clock.now());
      const codes: number[] = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await r.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}`, headers: auth(key) });
        codes.push(last.statusCode);
      }
      expect(codes).toEqual([200, 200, 200, 429]);
      expect(last!.json().code).toBe('MAPS_RATE_LIMITED');
      expect(last!.headers['ratelimit-limit']).toBe('3');
      expect(last!.headers['ratelimit-remaining']).toBe('0');
      expect(Number(last!.headers['retry-after'])).toBe(20);
      expect((await r.db.query('SELECT 1 FROM maps_usage WHERE org_id = $1', [orgId])).rowCount).toBe(3);
      r.clock.advance(20_000);
      expect((await r.app.inject({ url: `/v1/coverage/hexes?bbox=${BBOX}`, headers: auth(key) })).statusCode).toBe(200);
      // Public endpoints: free, per client address.
      expect((await r.app.inject({ url: '/v1/map/config' })).statusCode).toBe(200);
      expect((await r.app.inject({ url: '/v1/map/config' })).statusCode).toBe(200);
      const pub = await r.app.inject({ url: '/v1/map/config' });
      expect(pub.statusCode).toBe(429);
      expect(pub.headers['retry-after']).toBe('30');
    } finally {
      await r.close();
    }
  });
});
