import { cellToParent, gridPathCells, latLngToCell } from 'h3-js';
import type { Db } from '@hexlight/store';
import { BASE_RES, cellCenter, distanceM, h3ToBig, RESOLUTIONS } from './model.ts';

interface Est { rssi: number; snr: number; links: number; hotspots: Set<string>; last: number }

/**
 * Modelled coverage from valid PoC witness links (marked `estimated`): the witness heard the
 * beaconer at R dBm over D metres, so a device on the line between them reaches the beaconer at
 * about R + 20·log10(D / d) dBm at d metres from it (free-space falloff, capped at -40 dBm). Each
 * res-10 cell on the path (h3 gridPathCells) keeps its best estimate; coarser cells the best of
 * their children. Rebuilt as a whole from the last `days` of verdicts.
 */
export async function refreshEstimates(db: Db, nowMs: number, days: number): Promise<number> {
  const since = new Date(nowMs - days * 86_400_000);
  const links = await db.query<{ witness: string; beaconer: string; signal: number; snr: number; received_at: Date; wloc: string; bloc: string }>(
    `SELECT w.witness, v.beaconer, r.signal, r.snr, w.received_at, hw.location AS wloc, hb.location AS bloc
       FROM witness_verdicts w
       JOIN poc_verdicts v ON v.poc_id = w.poc_id
       JOIN witness_reports r ON r.id = w.witness_id AND r.received_at >= $1
       JOIN hotspots hw ON hw.address = w.witness
       JOIN hotspots hb ON hb.address = v.beaconer
      WHERE w.valid AND w.received_at >= $1 AND hw.location IS NOT NULL AND hb.location IS NOT NULL`, [since]);
  const base = new Map<string, Est>();
  for (const l of links.rows) {
    const pb = cellCenter(l.bloc);
    const pw = cellCenter(l.wloc);
    const D = distanceM(pb, pw);
    const R = l.signal / 10;
    let path: string[];
    try {
      path = gridPathCells(latLngToCell(pw.lat, pw.lng, BASE_RES), latLngToCell(pb.lat, pb.lng, BASE_RES));
    } catch {
      continue; // pentagon distortion: no path
    }
    if (path.length > 3000) continue;
    for (const c of path) {
      const d = Math.max(50, distanceM(pb, cellCenter(c)));
      const est = Math.min(-40, R + 20 * Math.log10(Math.max(D, 50) / d));
      const e = base.get(c) ?? { rssi: -Infinity, snr: -Infinity, links: 0, hotspots: new Set<string>(), last: 0 };
      if (est > e.rssi) { e.rssi = est; e.snr = l.snr / 10; }
      e.links++;
      e.hotspots.add(l.witness).add(l.beaconer);
      e.last = Math.max(e.last, l.received_at.getTime());
      base.set(c, e);
    }
  }
  const rows: { res: number; h3: bigint; e: Est }[] = [];
  for (const res of RESOLUTIONS) {
    const level = new Map<string, Est>();
    for (const [c, e] of base) {
      const p = res === BASE_RES ? c : cellToParent(c, res);
      const t = level.get(p);
      if (!t) { level.set(p, { ...e, hotspots: new Set(e.hotspots) }); continue; }
      if (e.rssi > t.rssi) { t.rssi = e.rssi; t.snr = e.snr; }
      t.links += e.links;
      for (const h of e.hotspots) t.hotspots.add(h);
      t.last = Math.max(t.last, e.last);
    }
    for (const [c, e] of level) rows.push({ res, h3: h3ToBig(c), e });
  }
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM coverage_estimated');
    if (rows.length === 0) return;
    await tx.query(`INSERT INTO coverage_estimated (res, h3, rssi, snr, links, hotspots, last_seen)
      SELECT * FROM unnest($1::int2[], $2::int8[], $3::real[], $4::real[], $5::int4[], $6::int4[], $7::timestamptz[])`, [
      rows.map((r) => r.res), rows.map((r) => r.h3), rows.map((r) => Math.round(r.e.rssi * 10) / 10), rows.map((r) => r.e.snr),
      rows.map((r) => r.e.links), rows.map((r) => r.e.hotspots.size), rows.map((r) => new Date(r.e.last))]);
  });
  return rows.length;
}
