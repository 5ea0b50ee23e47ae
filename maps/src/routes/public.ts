import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { cellToBoundary, getResolution } from 'h3-js';
import type { MapsContext } from '../context.ts';
import { MapsInvalidHex } from '../errors.ts';
import { h3ToBig, isCell } from '../model.ts';
import { hexDetail } from '../query.ts';
import { clientKey, Err, windowOf, WindowQuery } from './common.ts';
import { renderTile, TileParams, TileQuery } from './carrier.ts';

/** Free endpoints the web map uses: rate-limited per client address, never billed. */
export function publicRoutes(ctx: MapsContext): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', async (req, reply) => { ctx.publicLimiter.take(clientKey(req), reply); });

    app.get('/v1/map/config', { schema: { tags: ['map'], summary: "The web map's settings", response: { 200: Type.Object({}, { additionalProperties: true }) } } }, async () => ({
      center: ctx.config.web.center, zoom: ctx.config.web.zoom, network_api: ctx.config.web.networkApi, poll_s: ctx.config.web.pollS, default_window_days: ctx.config.defaultWindowDays,
    }));

    app.get('/v1/map/status', {
      schema: { tags: ['map'], summary: 'Last coverage update (the web map polls it for live updates), the network clock and the mapper filter counters', response: { 200: Type.Object({ now_ms: Type.Number(), last_update_ms: Type.Number(), counts: Type.Record(Type.String(), Type.Integer()) }) } },
    }, async () => ({ now_ms: ctx.clock.now(), last_update_ms: ctx.state.lastUpdateMs, counts: ctx.ingest.counts() }));

    app.get('/v1/map/tiles/:z/:x/:y.mvt', {
      schema: { tags: ['map'], summary: 'Public coverage vector tile (layer `coverage`); free, rate-limited', params: TileParams, querystring: TileQuery },
    }, async (req, reply) => {
      const { body } = await renderTile(ctx, req.params as { z: number; x: number; y: number }, req.query as { from?: string; to?: string });
      return reply.type('application/vnd.mapbox-vector-tile').header('cache-control', 'public, max-age=15').send(Buffer.from(body));
    });

    app.get('/v1/map/hexes/:h3', {
      schema: {
        tags: ['map'], summary: 'One hex for the map pane: best RSSI/SNR, redundancy, last update and the hotspots that heard it',
        params: Type.Object({ h3: Type.String({ maxLength: 20 }) }, { additionalProperties: false }), querystring: Type.Object({ ...WindowQuery }, { additionalProperties: false }),
        response: { 200: Type.Object({ h3: Type.String(), boundary: Type.Array(Type.Array(Type.Number())), record: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]), hotspots: Type.Array(Type.Object({}, { additionalProperties: true })) }), 400: Err },
      },
    }, async (req) => {
      const { h3 } = req.params as { h3: string };
      if (!isCell(h3) || getResolution(h3) < 5 || getResolution(h3) > 10) throw MapsInvalidHex(undefined, { h3 });
      const window = windowOf(req.query as { from?: string; to?: string }, ctx.clock.now(), ctx.config.defaultWindowDays);
      const d = await hexDetail(ctx.db, h3ToBig(h3), getResolution(h3), window, ctx.clock.now());
      return { h3, boundary: cellToBoundary(h3, true), ...d };
    });

    app.get('/v1/map/hotspots', {
      schema: { tags: ['map'], summary: 'Asserted hotspots as GeoJSON points with online/offline' },
    }, async (_req, reply) => {
      await ctx.directory.ensure();
      const features = ctx.directory.all().map((h) => ({
        type: 'Feature', id: h.address, geometry: { type: 'Point', coordinates: [h.lng, h.lat] },
        properties: { address: h.address, online: h.online, last_seen_at: h.lastSeenAt?.toISOString() ?? null },
      }));
      return reply.type('application/geo+json').send(JSON.stringify({ type: 'FeatureCollection', features }));
    });

    app.get('/v1/map/hotspots/:address', {
      schema: {
        tags: ['map'], summary: "A hotspot's status and what mappers measured of it",
        params: Type.Object({ address: Type.String({ maxLength: 64, pattern: '^[1-9A-HJ-NP-Za-km-z]+$' }) }, { additionalProperties: false }),
        response: { 200: Type.Object({}, { additionalProperties: true }), 400: Err, 404: Err },
      },
    }, async (req, reply) => {
      const { address } = req.params as { address: string };
      const h = await ctx.db.query<{ address: string; online: boolean; last_seen_at: Date | null; location: string | null; region: string | null; gain: number; elevation: number; owner: string }>(
        'SELECT address, online, last_seen_at, location, region, gain, elevation, owner FROM hotspots WHERE address = $1', [address]);
      const row = h.rows[0];
      if (!row) return reply.code(404).send({ code: 'HOTSPOT_NOT_FOUND', message: 'no such hotspot' });
      const m = await ctx.db.query<{ hexes: bigint; samples: bigint; rssi_best: number | null; last_seen: Date | null }>(
        'SELECT count(DISTINCT h3) AS hexes, coalesce(sum(n), 0) AS samples, max(rssi_best) AS rssi_best, max(last_seen) AS last_seen FROM coverage_hex_day WHERE res = 9 AND hotspot = $1', [address]);
      const s = m.rows[0]!;
      return {
        address, online: row.online, last_seen_at: row.last_seen_at?.toISOString() ?? null, location: row.location, region: row.region, gain: row.gain, elevation: row.elevation, owner: row.owner,
        mapped: { hexes_res9: Number(s.hexes), samples: Number(s.samples), rssi_best: s.rssi_best, last_seen: s.last_seen?.toISOString() ?? null },
      };
    });
  };
}
