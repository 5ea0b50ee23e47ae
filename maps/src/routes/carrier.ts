import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { cellToLatLng, getHexagonEdgeLengthAvg, gridDisk, latLngToCell, UNITS } from 'h3-js';
import { areaKm2, cellsOf, parseBbox, parseGeometry, type AreaGeometry } from '../area.ts';
import { authenticate, bill, countBilled, type Caller, type MapsApiEndpoint } from '../billing.ts';
import type { MapsContext } from '../context.ts';
import { MapsInvalidGeometry, MapsInvalidTile, MapsRateLimited } from '../errors.ts';
import { distanceM, h3ToBig, DEFAULT_RES, resForZoom } from '../model.ts';
import { CSV_COLUMNS, csvRow, geojsonFeature, queryHexes, type HexRecord, type SourceFilter, type Window } from '../query.ts';
import { coverageTile, tileBbox } from '../tiles.ts';
import { decodeCursor, encodeCursor, Err, Res, Source, windowOf, WindowQuery } from './common.ts';

export const LICENSE = 'Hexlight coverage data; measured by the network\'s mappers';

const Format = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('geojson'), Type.Literal('csv')], { default: 'json' }));
const HexQueryString = Type.Object({
  bbox: Type.Optional(Type.String({ description: 'minLon,minLat,maxLon,maxLat' })),
  res: Res, ...WindowQuery, source: Source, format: Format,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });
const AreaBody = Type.Object({
  area: Type.Unknown({ description: 'GeoJSON Polygon or MultiPolygon (or a Feature of one), [lon, lat]' }),
  res: Res, ...WindowQuery, source: Source, format: Format,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });

interface HexParams { bbox?: string; area?: unknown; res?: number; from?: string; to?: string; source?: SourceFilter; format?: 'json' | 'geojson' | 'csv'; limit?: number; cursor?: string }

const NullableNum = Type.Union([Type.Number(), Type.Null()]);
const NullableStr = Type.Union([Type.String(), Type.Null()]);
/** One hex; the same names in JSON data[], GeoJSON properties and CSV columns (maps/README.md "Record"). */
export const HexRecordSchema = Type.Object({
  h3: Type.String(), res: Type.Integer(), source: Type.String({ description: 'measured | estimated' }), covered: Type.Boolean(),
  level: Type.String({ description: 'high (> -100 dBm) | medium (> -110) | low (> -120) | none; covered needs rssi > -120 and snr > -20' }),
  rssi_best: Type.Number(), snr_best: Type.Number(), rssi_mean: Type.Number(), snr_mean: Type.Number(), signal_p50: NullableNum,
  samples: Type.Integer(), gateways: Type.Integer({ description: 'redundancy: distinct hotspots' }), n_eff: Type.Union([Type.Integer(), Type.Null()]),
  first_seen: NullableStr, last_seen: Type.String(), confidence: Type.Number(),
  hist: Type.Union([Type.Array(Type.Integer()), Type.Null()], { description: '5 dB bins of rssi + min(snr, 0): > -95, -95..-100, ..., <= -145' }),
});
const HexMeta = Type.Object({
  res: Type.Integer(), from: Type.String(), to: Type.String(), as_of: Type.String(), count: Type.Integer(), units_charged: Type.Integer(), dc_charged: Type.Integer(),
  request_id: Type.String(), license: Type.String(),
});

/** The paid coverage API: API key of an organisation, rate-limited per organisation, billed in DC per hex. */
export function carrierRoutes(ctx: MapsContext): FastifyPluginAsync {
  return async (app) => {
    const auth = async (req: FastifyRequest, reply: FastifyReply): Promise<Caller> => {
      const caller = await authenticate(ctx.db, req.headers as Record<string, unknown>);
      try {
        ctx.keyLimiter.take(`org:${caller.orgId}`, reply);
      } catch (err) {
        if (MapsRateLimited.is(err)) ctx.api.rateLimited++;
        throw err;
      }
      return caller;
    };
    const charge = async (caller: Caller, reply: FastifyReply, endpoint: MapsApiEndpoint, units: number, dc: number) => {
      const requestId = randomUUID();
      const { balance } = await bill(ctx.db, caller, { requestId, endpoint, units, dc, atMs: ctx.clock.now() });
      // After the statement committed: a refused (402) or failed bill counts nothing.
      countBilled(ctx.api, endpoint, units, dc);
      reply.header('x-request-id', requestId).header('x-dc-charged', dc).header('x-dc-balance', balance.toString());
      return requestId;
    };
    const areaOf = (p: HexParams): AreaGeometry => {
      if (p.area !== undefined) return parseGeometry(p.area);
      if (p.bbox !== undefined) return parseBbox(p.bbox);
      throw MapsInvalidGeometry('give bbox=minLon,minLat,maxLon,maxLat (GET) or an `area` GeoJSON polygon (POST)');
    };

    const hexes = async (req: FastifyRequest, reply: FastifyReply, p: HexParams) => {
      const caller = await auth(req, reply);
      const res = p.res ?? DEFAULT_RES;
      const window = windowOf(p, ctx.clock.now(), ctx.config.defaultWindowDays);
      const after = decodeCursor(p.cursor, res);
      const cells = cellsOf(areaOf(p), res, ctx.config.maxCells);
      const asOfMs = ctx.clock.now();
      const limit = p.limit ?? 1000;
      const page = await queryHexes(ctx.db, { res, cells, window, after, limit, source: p.source ?? 'all', asOfMs });
      const units = page.records.length;
      const requestId = await charge(caller, reply, 'hexes', units, units * ctx.config.dcPerHex);
      const next = page.more ? encodeCursor(res, page.cursor!) : null;
      const meta = { res, from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), as_of: new Date(asOfMs).toISOString(), count: units, units_charged: units, dc_charged: units * ctx.config.dcPerHex, request_id: requestId, license: LICENSE };
      return sendRecords(reply, p.format ?? 'json', page.records, next, meta);
    };
    app.get('/v1/coverage/hexes', {
      schema: { tags: ['coverage'], summary: 'Hexes in a bbox at a resolution and time window (cursor-paged JSON, GeoJSON or CSV); billed per hex returned', querystring: HexQueryString, response: { 200: Type.Object({ data: Type.Array(HexRecordSchema), next_cursor: Type.Union([Type.String(), Type.Null()]), meta: HexMeta }), 400: Err, 401: Err, 402: Err, 429: Err } },
    }, (req, reply) => hexes(req, reply, req.query as HexParams));
    app.post('/v1/coverage/hexes', {
      bodyLimit: 1024 * 1024,
      schema: { tags: ['coverage'], summary: 'Hexes in a GeoJSON polygon (same parameters in the body)', body: AreaBody, response: { 200: Type.Object({ data: Type.Array(HexRecordSchema), next_cursor: Type.Union([Type.String(), Type.Null()]), meta: HexMeta }), 400: Err, 401: Err, 402: Err, 429: Err } },
    }, (req, reply) => hexes(req, reply, req.body as HexParams));

    // ---- point lookup ----
    app.get('/v1/coverage/point', {
      schema: {
        tags: ['coverage'], summary: 'Is this point covered? Measured, or estimated (PoC links, or free-space from the nearest measured hex); billed as one hex',
        querystring: Type.Object({ lat: Type.Number({ minimum: -85.05, maximum: 85.05 }), lng: Type.Number({ minimum: -180, maximum: 180 }), res: Res, ...WindowQuery }, { additionalProperties: false }),
        response: { 200: Type.Object({}, { additionalProperties: true }), 400: Err, 401: Err, 402: Err, 429: Err },
      },
    }, async (req, reply) => {
      const q = req.query as { lat: number; lng: number; res?: number; from?: string; to?: string };
      const caller = await auth(req, reply);
      const res = q.res ?? DEFAULT_RES;
      const window = windowOf(q, ctx.clock.now(), ctx.config.defaultWindowDays);
      const asOfMs = ctx.clock.now();
      const cell = latLngToCell(q.lat, q.lng, res);
      const own = await queryHexes(ctx.db, { res, cells: [h3ToBig(cell)], window, after: null, limit: 1, source: 'all', asOfMs });
      let out: Record<string, unknown>;
      if (own.records[0]) {
        const r = own.records[0];
        out = { h3: cell, res, covered: r.covered, source: r.source, level: r.level, rssi: r.rssi_best, snr: r.snr_best, distance_m: 0, confidence: r.confidence, last_seen: r.last_seen };
      } else {
        const disk = gridDisk(cell, 8).map(h3ToBig).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const near = await queryHexes(ctx.db, { res, cells: disk, window, after: null, limit: disk.length, source: 'measured', asOfMs });
        const p = { lat: q.lat, lng: q.lng };
        let best: { r: HexRecord; d: number } | undefined;
        for (const r of near.records) {
          const [lat, lng] = cellToLatLng(r.h3);
          const d = distanceM(p, { lat, lng });
          if (!best || d < best.d) best = { r, d };
        }
        if (best) {
          const ref = getHexagonEdgeLengthAvg(res, UNITS.m);
          const rssi = Math.round((best.r.rssi_best - 20 * Math.log10(Math.max(best.d, ref) / ref)) * 10) / 10;
          const covered = rssi > -120 && best.r.snr_best > -20;
          out = { h3: cell, res, covered, source: 'estimated', level: covered ? (rssi > -100 ? 'high' : rssi > -110 ? 'medium' : 'low') : 'none', rssi, snr: best.r.snr_best, distance_m: Math.round(best.d), nearest_h3: best.r.h3, confidence: Math.min(0.25, best.r.confidence), last_seen: best.r.last_seen };
        } else {
          out = { h3: cell, res, covered: false, source: null, level: 'none', rssi: null, snr: null, distance_m: null, confidence: 0, last_seen: null };
        }
      }
      const requestId = await charge(caller, reply, 'point', 1, ctx.config.dcPerHex);
      return { ...out, meta: { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), as_of: new Date(asOfMs).toISOString(), request_id: requestId, dc_charged: ctx.config.dcPerHex } };
    });

    // ---- area summary ----
    const summary = async (req: FastifyRequest, reply: FastifyReply, p: HexParams) => {
      const caller = await auth(req, reply);
      const res = p.res ?? DEFAULT_RES;
      const window = windowOf(p, ctx.clock.now(), ctx.config.defaultWindowDays);
      const geometry = areaOf(p);
      const cells = cellsOf(geometry, res, ctx.config.maxCells);
      const asOfMs = ctx.clock.now();
      const byLevel = { high: 0, medium: 0, low: 0, none: 0 };
      const redundancy = { '1': 0, '2': 0, '3+': 0 };
      let covered = 0; let measured = 0; let estimated = 0; let gwSum = 0;
      let after: bigint | null = null;
      for (;;) {
        const page = await queryHexes(ctx.db, { res, cells, window, after, limit: 10_000, source: p.source ?? 'all', asOfMs });
        for (const r of page.records) {
          byLevel[r.level]++;
          if (r.source === 'measured') measured++; else estimated++;
          if (!r.covered) continue;
          covered++;
          gwSum += r.gateways;
          redundancy[r.gateways >= 3 ? '3+' : r.gateways === 2 ? '2' : '1']++;
        }
        if (!page.more) break;
        after = h3ToBig(page.cursor!);
      }
      const total = cells.length;
      byLevel.none = total - byLevel.high - byLevel.medium - byLevel.low;
      const pct = (n: number) => (total === 0 ? 0 : Math.round((n / total) * 10_000) / 100);
      const requestId = await charge(caller, reply, 'summary', 0, ctx.config.dcPerSummary);
      return {
        res, area_km2: Math.round(areaKm2(geometry) * 1000) / 1000, hexes_total: total, hexes_covered: covered, pct_covered: pct(covered),
        hexes_measured: measured, hexes_estimated: estimated,
        by_level: Object.fromEntries(Object.entries(byLevel).map(([k, v]) => [k, { hexes: v, pct: pct(v) }])),
        redundancy: { ...redundancy, mean_gateways: covered === 0 ? 0 : Math.round((gwSum / covered) * 100) / 100 },
        meta: { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), as_of: new Date(asOfMs).toISOString(), request_id: requestId, dc_charged: ctx.config.dcPerSummary },
      };
    };
    const SummaryQuery = Type.Object({ bbox: Type.Optional(Type.String()), res: Res, ...WindowQuery, source: Source }, { additionalProperties: false });
    const SummaryBody = Type.Object({ area: Type.Unknown(), res: Res, ...WindowQuery, source: Source }, { additionalProperties: false });
    const SummaryOut = Type.Object({}, { additionalProperties: true });
    app.get('/v1/coverage/summary', { schema: { tags: ['coverage'], summary: 'Area summary: % of hexes covered by level, redundancy; billed MAPS_DC_PER_SUMMARY', querystring: SummaryQuery, response: { 200: SummaryOut, 400: Err, 401: Err, 402: Err, 429: Err } } },
      (req, reply) => summary(req, reply, req.query as HexParams));
    app.post('/v1/coverage/summary', { bodyLimit: 1024 * 1024, schema: { tags: ['coverage'], summary: 'Area summary of a GeoJSON polygon', body: SummaryBody, response: { 200: SummaryOut, 400: Err, 401: Err, 402: Err, 429: Err } } },
      (req, reply) => summary(req, reply, req.body as HexParams));

    // ---- vector tiles ----
    app.get('/v1/coverage/tiles/:z/:x/:y.mvt', {
      schema: { tags: ['coverage'], summary: 'Mapbox Vector Tile (layer `coverage`, property `h3`); resolution follows zoom; billed per hex in the tile', params: TileParams, querystring: TileQuery },
    }, async (req, reply) => {
      const caller = await auth(req, reply);
      const { body, units } = await renderTile(ctx, req.params as TileP, req.query as TileQ);
      await charge(caller, reply, 'tiles', units, units * ctx.config.dcPerHex);
      return reply.type('application/vnd.mapbox-vector-tile').send(Buffer.from(body));
    });

    // ---- bulk export (streamed) ----
    const exportArea = async (req: FastifyRequest, reply: FastifyReply, p: HexParams & { format?: 'csv' | 'geojson' | 'json' }) => {
      const caller = await auth(req, reply);
      const res = p.res ?? DEFAULT_RES;
      const window = windowOf(p, ctx.clock.now(), ctx.config.defaultWindowDays);
      const cells = cellsOf(areaOf(p), res, ctx.config.maxCells);
      const asOfMs = ctx.clock.now();
      const source = p.source ?? 'all';
      const total = await countHexes(ctx, res, cells, window, source);
      await charge(caller, reply, 'export', total, total * ctx.config.dcPerHex);
      const format = p.format ?? 'csv';
      async function* rows(): AsyncGenerator<string> {
        let after: bigint | null = null;
        let sent = 0;
        if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\n`;
        if (format === 'geojson') yield '{"type":"FeatureCollection","features":[\n';
        while (sent < total) {
          const page = await queryHexes(ctx.db, { res, cells, window, after, limit: Math.min(5000, total - sent), source, asOfMs });
          for (const r of page.records) {
            if (format === 'csv') yield csvRow(r);
            else if (format === 'geojson') yield `${sent > 0 ? ',' : ''}${JSON.stringify(geojsonFeature(r))}\n`;
            else yield `${JSON.stringify(r)}\n`;
            sent++;
          }
          if (!page.more) break;
          after = h3ToBig(page.cursor!);
        }
        if (format === 'geojson') yield ']}\n';
      }
      const type = format === 'csv' ? 'text/csv; charset=utf-8' : format === 'geojson' ? 'application/geo+json' : 'application/x-ndjson';
      reply.header('content-disposition', `attachment; filename="coverage-r${res}.${format === 'json' ? 'ndjson' : format}"`).header('x-hex-count', total);
      return reply.type(type).send(Readable.from(rows()));
    };
    const ExportQuery = Type.Object({ bbox: Type.Optional(Type.String()), res: Res, ...WindowQuery, source: Source, format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('geojson'), Type.Literal('json')], { default: 'csv' })) }, { additionalProperties: false });
    const ExportBody = Type.Object({ area: Type.Unknown(), res: Res, ...WindowQuery, source: Source, format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('geojson'), Type.Literal('json')], { default: 'csv' })) }, { additionalProperties: false });
    app.get('/v1/coverage/export', { schema: { tags: ['coverage'], summary: 'Bulk export of every hex in a bbox, streamed (CSV, GeoJSON or NDJSON); billed up front per hex', querystring: ExportQuery } },
      (req, reply) => exportArea(req, reply, req.query as HexParams));
    app.post('/v1/coverage/export', { bodyLimit: 1024 * 1024, schema: { tags: ['coverage'], summary: 'Bulk export of a GeoJSON polygon, streamed', body: ExportBody } },
      (req, reply) => exportArea(req, reply, req.body as HexParams));

    // ---- usage ----
    app.get('/v1/coverage/usage', {
      schema: {
        tags: ['coverage'], summary: "The calling organisation's metered usage per UTC day and endpoint, and its DC balance (free)",
        querystring: Type.Object({ ...WindowQuery }, { additionalProperties: false }),
        response: { 200: Type.Object({ org_id: Type.String(), balance_dc: Type.Integer(), from: Type.String(), to: Type.String(), totals: Type.Object({ requests: Type.Integer(), units: Type.Integer(), dc: Type.Integer() }), days: Type.Array(Type.Object({ day: Type.String(), endpoint: Type.String(), requests: Type.Integer(), units: Type.Integer(), dc: Type.Integer() })) }), 400: Err, 401: Err, 429: Err },
      },
    }, async (req, reply) => {
      const caller = await auth(req, reply);
      const window = windowOf(req.query as { from?: string; to?: string }, ctx.clock.now() + 1, 30); // to: inclusive of now
      const rows = await ctx.db.query<{ day: Date; endpoint: string; requests: bigint; units: bigint; dc: bigint }>(
        `SELECT date_bin('1 day', at, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS day, endpoint, count(*) AS requests, sum(units) AS units, sum(dc)::int8 AS dc
           FROM maps_usage WHERE org_id = $1 AND at >= $2 AND at < $3 GROUP BY 1, 2 ORDER BY 1, 2`, [caller.orgId, new Date(window.fromMs), new Date(window.toMs)]);
      const bal = await ctx.db.query<{ dc_balance: bigint }>('SELECT dc_balance FROM organisations WHERE id = $1', [caller.orgId]);
      const days = rows.rows.map((r) => ({ day: r.day.toISOString().slice(0, 10), endpoint: r.endpoint, requests: Number(r.requests), units: Number(r.units), dc: Number(r.dc) }));
      return {
        org_id: caller.orgId, balance_dc: Number(bal.rows[0]?.dc_balance ?? 0n), from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(),
        totals: days.reduce((t, d) => ({ requests: t.requests + d.requests, units: t.units + d.units, dc: t.dc + d.dc }), { requests: 0, units: 0, dc: 0 }), days,
      };
    });
  };
}

export const TileParams = Type.Object({ z: Type.Integer({ minimum: 0, maximum: 22 }), x: Type.Integer({ minimum: 0 }), y: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
export const TileQuery = Type.Object({ ...WindowQuery, source: Source, v: Type.Optional(Type.String({ maxLength: 40, description: 'cache buster (ignored)' })) }, { additionalProperties: false });
type TileP = { z: number; x: number; y: number };
type TileQ = { from?: string; to?: string; source?: SourceFilter };

/** The hexes of one tile at the zoom's resolution (cells whose centres fall in the tile, plus a one-hex margin). */
export async function renderTile(ctx: MapsContext, p: TileP, q: TileQ): Promise<{ body: Uint8Array; units: number }> {
  const n = 2 ** p.z;
  if (p.x >= n || p.y >= n) throw MapsInvalidTile(undefined, { z: p.z, x: p.x, y: p.y });
  const res = resForZoom(p.z);
  const window = windowOf(q, ctx.clock.now(), ctx.config.defaultWindowDays);
  const [w, s, e, nn] = tileBbox(p.z, p.x, p.y);
  const mx = (e - w) * 0.05;
  const my = (nn - s) * 0.05;
  const cells = cellsOf(parseBbox(`${Math.max(-180, w - mx)},${Math.max(-85.05, s - my)},${Math.min(180, e + mx)},${Math.min(85.05, nn + my)}`), res, ctx.config.maxCells);
  const page = await queryHexes(ctx.db, { res, cells, window, after: null, limit: 50_000, source: q.source ?? 'all', asOfMs: ctx.clock.now() });
  return { body: coverageTile(p.z, p.x, p.y, page.records), units: page.records.length };
}

async function countHexes(ctx: MapsContext, res: number, cells: bigint[], window: Window, source: SourceFilter): Promise<number> {
  const from = new Date(Math.floor(window.fromMs / 86_400_000) * 86_400_000);
  const to = new Date(window.toMs);
  const parts: string[] = [];
  if (source !== 'estimated') parts.push('SELECT h3 FROM coverage_hex_day WHERE res = $1 AND h3 = ANY($2::int8[]) AND day >= $3 AND day < $4 GROUP BY h3');
  if (source !== 'measured') parts.push('SELECT h3 FROM coverage_estimated WHERE res = $1 AND h3 = ANY($2::int8[]) AND last_seen >= $3');
  const r = await ctx.db.query<{ n: bigint }>(`SELECT count(*) AS n FROM (${parts.join(' UNION ')}) s WHERE $4::timestamptz IS NOT NULL`, [res, cells, from, to]);
  return Number(r.rows[0]!.n);
}

function sendRecords(reply: FastifyReply, format: 'json' | 'geojson' | 'csv', records: HexRecord[], next: string | null, meta: Record<string, unknown>) {
  if (next) reply.header('link', `<?cursor=${next}>; rel="next"`);
  if (format === 'json') return { data: records, next_cursor: next, meta };
  if (format === 'geojson') {
    return reply.type('application/geo+json').send(JSON.stringify({ type: 'FeatureCollection', features: records.map(geojsonFeature), next_cursor: next, meta }));
  }
  if (next) reply.header('x-next-cursor', next);
  async function* csv(): AsyncGenerator<string> {
    yield `${CSV_COLUMNS.join(',')}\n`;
    for (const r of records) yield csvRow(r);
  }
  return reply.type('text/csv; charset=utf-8').send(Readable.from(csv()));
}
