import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { latLngToCell } from 'h3-js';
import { authenticate } from '../billing.ts';
import type { MapsContext } from '../context.ts';
import { MapsUplinkFiltered } from '../errors.ts';
import { Err } from './common.ts';

const Uplink = Type.Object({
  device_id: Type.String({ minLength: 1, maxLength: 128 }),
  time: Type.String({ format: 'date-time', description: "the mapper's fix time (RFC 3339)" }),
  lat: Type.Number(), lng: Type.Number(),
  altitude: Type.Optional(Type.Number({ description: 'm' })),
  accuracy: Type.Optional(Type.Number({ description: 'm (horizontal)' })),
  hdop: Type.Optional(Type.Number()),
  satellites: Type.Optional(Type.Integer()),
  hotspots: Type.Array(Type.Object({ address: Type.String({ minLength: 1, maxLength: 64 }), rssi: Type.Number({ description: 'dBm' }), snr: Type.Number({ description: 'dB' }) }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
}, { additionalProperties: false });

/** Mapper ingest over HTTP (Helium Mappers / TTN Mapper style JSON): real networks' payloads are encrypted, so integrations post decoded fixes. */
export function mapperRoutes(ctx: MapsContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/v1/mappers/uplinks', {
      schema: {
        tags: ['mappers'], summary: 'Record one GPS-tagged uplink and the hotspots that heard it (API key of an organisation; free, rate-limited)',
        body: Uplink,
        response: {
          201: Type.Object({ id: Type.String(), h3: Type.String(), hotspots: Type.Integer(), dropped: Type.Array(Type.Object({ address: Type.String(), reason: Type.String() })) }),
          200: Type.Object({ id: Type.String(), duplicate: Type.Boolean() }),
          400: Err, 401: Err, 422: Err, 429: Err,
        },
      },
    }, async (req, reply) => {
      const caller = await authenticate(ctx.db, req.headers as Record<string, unknown>);
      ctx.keyLimiter.take(`org:${caller.orgId}`, reply);
      const b = req.body as Static<typeof Uplink>;
      const measuredAtMs = Date.parse(b.time);
      const id = createHash('sha256').update(`http:${caller.orgId}:${b.device_id}:${measuredAtMs}`).digest();
      const r = await ctx.ingest.submit({
        id, source: 'http', orgId: caller.orgId, device: b.device_id, measuredAtMs, lat: b.lat, lng: b.lng,
        altitude: b.altitude ?? null, accuracy: b.accuracy ?? null, hdop: b.hdop ?? null, satellites: b.satellites ?? null, hotspots: b.hotspots,
      });
      if (!r.ok) throw MapsUplinkFiltered(`the uplink was not recorded: ${r.reason}`, { reason: r.reason, dropped: r.dropped });
      if (!r.recorded) return reply.code(200).send({ id: id.toString('hex'), duplicate: true });
      return reply.code(201).send({ id: id.toString('hex'), h3: latLngToCell(b.lat, b.lng, 10), hotspots: r.receptions.length, dropped: r.dropped });
    });
  };
}
