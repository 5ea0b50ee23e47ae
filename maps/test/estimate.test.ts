import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cellToParent, gridPathCells, latLngToCell } from 'h3-js';
import { CENTER, seedHotspots, seedOrg, startTestMaps } from './helpers.ts';

describe('modelled coverage from PoC witness links', () => {
  it('marks the hexes between a valid witness and its beaconer as estimated, and measured data wins', async () => {
    const t = await startTestMaps();
    try {
      const now = t.clock.now();
      const [b, w, x] = await seedHotspots(t.db, [{ lat: CENTER.lat, lng: CENTER.lng }, { lat: CENTER.lat + 0.02, lng: CENTER.lng + 0.02 }, { lat: CENTER.lat - 0.03, lng: CENTER.lng }], now);
      const link = async (beaconer: string, witness: string, valid: boolean, signal: number) => {
        const poc = randomBytes(32);
        const wid = randomBytes(32);
        const at = new Date(now - 3_600_000);
        await t.db.query(`INSERT INTO poc_verdicts (poc_id, beaconer, received_at, ruleset, valid, reward_unit, evidence, verified_at) VALUES ($1, $2, $3, 'hexlight', true, 1, '{}', $3)`, [poc, beaconer, at]);
        await t.db.query(`INSERT INTO witness_verdicts (witness_id, poc_id, witness, received_at, valid, reason, selected, reward_unit, evidence) VALUES ($1, $2, $3, $4, $5, $6, true, 1, '{}')`, [wid, poc, witness, at, valid, valid ? null : 'too_far']);
        await t.db.query(`INSERT INTO witness_reports (id, received_at, hotspot, data, signal, snr, frequency, datarate, hotspot_ts, tmst, payload) VALUES ($1, $2, $3, $4, $5, 55, 868100000, 5, 0, 0, $4)`, [wid, at, witness, Buffer.alloc(4), signal]);
      };
      await link(b!.address, w!.address, true, -1105);
      await link(b!.address, x!.address, false, -900); // invalid: ignored
      const rows = await t.maps.refreshEstimates();
      expect(rows).toBeGreaterThan(0);
      const path = gridPathCells(latLngToCell(w!.lat, w!.lng, 10), latLngToCell(b!.lat, b!.lng, 10));
      const r10 = await t.db.query<{ h3: bigint; rssi: number }>('SELECT h3, rssi FROM coverage_estimated WHERE res = 10 ORDER BY rssi');
      expect(new Set(r10.rows.map((r) => BigInt(r.h3).toString(16)))).toEqual(new Set(path));
      // The witness end is heard at the link's RSSI; nearer the beaconer it gets stronger.
      expect(r10.rows[0]!.rssi).toBeCloseTo(-110.5, 0);
      const { key } = await seedOrg(t.db, 1000, now);
      const bbox = `${CENTER.lng - 0.05},${CENTER.lat - 0.05},${CENTER.lng + 0.05},${CENTER.lat + 0.05}`;
      const est = (await t.app.inject({ url: `/v1/coverage/hexes?bbox=${bbox}&res=9&limit=1000`, headers: { authorization: `Bearer ${key}` } })).json();
      expect(est.data.length).toBe(new Set(path.map((c) => cellToParent(c, 9))).size);
      expect(est.data.every((d: { source: string; confidence: number }) => d.source === 'estimated' && d.confidence <= 0.25)).toBe(true);
      // A mapper measures one of those hexes: it becomes measured, the rest stay estimated.
      const c = path[Math.floor(path.length / 2)]!;
      const [lat, lng] = (await import('h3-js')).cellToLatLng(c);
      const r = await t.maps.ingest.submit({ id: randomBytes(32), source: 'http', orgId: null, device: 'm1', measuredAtMs: now, lat, lng, altitude: null, accuracy: 3, hdop: null, satellites: null, hotspots: [{ address: b!.address, rssi: -99, snr: 4 }] });
      expect(r.recorded).toBe(true);
      const after = (await t.app.inject({ url: `/v1/coverage/hexes?bbox=${bbox}&res=9&limit=1000`, headers: { authorization: `Bearer ${key}` } })).json();
      expect(after.data.length).toBe(est.data.length);
      const measured = after.data.filter((d: { source: string }) => d.source === 'measured');
      expect(measured).toHaveLength(1);
      expect(measured[0]).toMatchObject({ h3: cellToParent(c, 9), rssi_best: -99 });
    } finally {
      await t.close();
    }
  });
});
