import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import * as h3 from 'h3-js';
import {
  addressToKeyBinary, isRegionName, maxConductedPower, publicKeyOf, solanaPublicKeyBytes,
  verifyEd25519, verifySolanaSignature,
} from '@hexlight/protocol';
import { describeClock, skewWindowS, type Clock } from '@hexlight/kit';
import { assertMessage, onboardMessage, type AssertionFields } from './messages.ts';
import type { HotspotRow, RegistryStore } from './store.ts';
import type { HotspotDirectory } from './directory.ts';
import {
  BadHotspotSignature, BadOwnerSignature, HotspotExists, HotspotNotFound, InvalidGain, InvalidLocation,
  InvalidRegion, NonceReplayed, StaleTimestamp,
} from './errors.ts';

export interface RegistryDeps {
  store: RegistryStore;
  directory: HotspotDirectory;
  clock: Clock;
}

const MAX_SKEW_S = 300;
const Address = Type.String({ minLength: 20, maxLength: 64, pattern: '^[1-9A-HJ-NP-Za-km-z]+$', description: 'hotspot address (base58check)' });
const Wallet = Type.String({ minLength: 32, maxLength: 44, pattern: '^[1-9A-HJ-NP-Za-km-z]+$', description: 'Solana wallet (base58)' });
const Signature = Type.String({ minLength: 80, maxLength: 100, pattern: '^[A-Za-z0-9+/_-]+={0,2}$', description: 'ed25519 signature, base64' });
const Capability = Type.Union([Type.Literal('full'), Type.Literal('data_only')]);

const OnboardBody = Type.Object({
  address: Address,
  owner: Wallet,
  timestamp: Type.Integer({ minimum: 0, description: 'unix seconds, within 300 s of server time' }),
  hotspot_signature: Signature,
  owner_signature: Signature,
}, { additionalProperties: false });

const AssertBody = Type.Object({
  nonce: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'greater than the last accepted nonce' }),
  location: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{15}$', description: 'H3 res-12 cell' })),
  lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
  lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  region: Type.String({ minLength: 2, maxLength: 16 }),
  gain: Type.Integer({ minimum: 0, maximum: 400, description: 'antenna gain, dBi x 10' }),
  elevation: Type.Integer({ minimum: -500, maximum: 10000, description: 'metres above ground' }),
  capability: Capability,
  owner_signature: Signature,
}, { additionalProperties: false });

const Hotspot = Type.Object({
  address: Type.String(),
  owner: Type.String(),
  capability: Capability,
  location: Type.Union([Type.String(), Type.Null()]),
  region: Type.Union([Type.String(), Type.Null()]),
  gain: Type.Integer(),
  elevation: Type.Integer(),
  assert_nonce: Type.Integer(),
  onboarded_at: Type.String({ format: 'date-time' }),
  asserted_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  online: Type.Boolean(),
  last_seen_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const HotspotStatus = Type.Intersect([Hotspot, Type.Object({
  reports: Type.Object({
    beacons_24h: Type.Integer(), witnesses_24h: Type.Integer(), beacons_total: Type.Integer(), witnesses_total: Type.Integer(),
  }),
})]);

const NetworkClock = Type.Object({
  now_ms: Type.Integer({ description: 'the network clock, ms since 1970' }),
  speed: Type.Number({ exclusiveMinimum: 0, description: 'network ms per real ms (1 = real time)' }),
  origin_real_ms: Type.Number({ description: 'a real time (Date.now() of the serving machine), ms' }),
  origin_clock_ms: Type.Number({ description: 'the network clock at origin_real_ms, ms' }),
});

export const ErrorBody = Type.Object({
  code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
}, { $id: 'Error' });

const AddressParams = Type.Object({ address: Address }, { additionalProperties: false });
const ListQuery = Type.Object({
  owner: Type.Optional(Wallet),
  after: Type.Optional(Address),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
}, { additionalProperties: false });

const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

function toJson(row: HotspotRow): Static<typeof Hotspot> {
  return {
    address: row.address, owner: row.owner, capability: row.capability, location: row.location, region: row.region,
    gain: row.gain, elevation: row.elevation, assert_nonce: Number(row.assert_nonce),
    onboarded_at: row.onboarded_at.toISOString(), asserted_at: row.asserted_at?.toISOString() ?? null,
    online: row.online, last_seen_at: row.last_seen_at?.toISOString() ?? null,
  };
}

function decodeSignature(b64: string): Uint8Array {
  return Buffer.from(b64, 'base64');
}

/** Resolves the asserted cell from `location` or `lat`/`lng` (exactly one form). */
export function resolveLocation(body: { location?: string | undefined; lat?: number | undefined; lng?: number | undefined }): string {
  const hasCell = body.location !== undefined;
  const hasLatLng = body.lat !== undefined || body.lng !== undefined;
  if (hasCell === hasLatLng) throw InvalidLocation('give either location (an H3 res-12 cell) or lat and lng');
  if (hasCell) {
    const cell = body.location!.toLowerCase();
    if (!h3.isValidCell(cell) || h3.getResolution(cell) !== 12) throw InvalidLocation(`${body.location} is not a valid H3 res-12 cell`, { location: body.location });
    return cell;
  }
  if (body.lat === undefined || body.lng === undefined) throw InvalidLocation('lat and lng must be given together');
  return h3.latLngToCell(body.lat, body.lng, 12);
}

/** Hotspot registry: onboarding, assertions, status (README "Hotspot registry API"). */
export function registryRoutes(deps: RegistryDeps): FastifyPluginAsync {
  return async (app) => {
    app.post('/v1/hotspots', {
      schema: {
        tags: ['registry'],
        summary: 'Onboard a hotspot (signed by the hotspot key and the owner wallet)',
        body: OnboardBody,
        response: { 201: Hotspot, ...errors },
      },
    }, async (req, reply) => {
      const body = req.body as Static<typeof OnboardBody>;
      const keyBinary = addressToKeyBinary(body.address);
      solanaPublicKeyBytes(body.owner); // INVALID_WALLET when not a 32-byte base58 key
      const nowS = Math.floor(deps.clock.now() / 1000);
      if (Math.abs(nowS - body.timestamp) > skewWindowS(deps.clock, MAX_SKEW_S)) throw StaleTimestamp(undefined, { server_time: nowS });
      const msg = onboardMessage(body.address, body.owner, body.timestamp);
      if (!verifyEd25519(publicKeyOf(keyBinary), msg, decodeSignature(body.hotspot_signature))) throw BadHotspotSignature();
      if (!verifySolanaSignature(body.owner, msg, decodeSignature(body.owner_signature))) throw BadOwnerSignature();
      const created = await deps.store.onboard(body.address, keyBinary, body.owner, new Date(deps.clock.now()));
      if (!created) throw HotspotExists(undefined, { address: body.address });
      deps.directory.remember(body.address, keyBinary);
      req.log.info({ address: body.address, owner: body.owner }, 'registry.hotspot.onboarded');
      const row = (await deps.store.get(body.address))!;
      return reply.code(201).send(toJson(row));
    });

    app.post('/v1/hotspots/:address/assert', {
      schema: {
        tags: ['registry'],
        summary: 'Assert location, region, antenna gain, elevation and capability (signed by the owner)',
        params: AddressParams,
        body: AssertBody,
        response: { 200: Hotspot, ...errors },
      },
    }, async (req) => {
      const { address } = req.params as Static<typeof AddressParams>;
      const body = req.body as Static<typeof AssertBody>;
      addressToKeyBinary(address);
      const hotspot = await deps.store.get(address);
      if (!hotspot) throw HotspotNotFound(undefined, { address });
      if (!isRegionName(body.region)) throw InvalidRegion(`unknown region ${body.region}`, { region: body.region });
      const location = resolveLocation(body);
      try {
        maxConductedPower(body.region, body.gain);
      } catch {
        throw InvalidGain(`gain ${body.gain} (dBi x 10) exceeds the max EIRP of ${body.region}`, { gain: body.gain, region: body.region });
      }
      const fields: AssertionFields = {
        nonce: body.nonce, location, region: body.region, gain: body.gain, elevation: body.elevation, capability: body.capability,
      };
      const signature = decodeSignature(body.owner_signature);
      if (!verifySolanaSignature(hotspot.owner, assertMessage(address, fields), signature)) throw BadOwnerSignature();
      if (BigInt(body.nonce) <= hotspot.assert_nonce) throw NonceReplayed(undefined, { last_nonce: Number(hotspot.assert_nonce) });
      const applied = await deps.store.assert(address, fields, signature, new Date(deps.clock.now()));
      if (!applied) throw NonceReplayed(undefined, { nonce: body.nonce });
      req.log.info({ address, location, region: body.region }, 'registry.hotspot.asserted');
      return toJson((await deps.store.get(address))!);
    });

    app.get('/v1/hotspots/:address', {
      schema: {
        tags: ['registry'],
        summary: 'Hotspot status: metadata, online, last seen, report counts',
        params: AddressParams,
        response: { 200: HotspotStatus, ...errors },
      },
    }, async (req) => {
      const { address } = req.params as Static<typeof AddressParams>;
      addressToKeyBinary(address);
      const row = await deps.store.get(address);
      if (!row) throw HotspotNotFound(undefined, { address });
      const reports = await deps.store.reportCounts(address, new Date(deps.clock.now()));
      return { ...toJson(row), reports };
    });

    app.get('/v1/hotspots', {
      schema: {
        tags: ['registry'],
        summary: 'List hotspots, optionally of one owner (cursor = last address seen)',
        querystring: ListQuery,
        response: { 200: Type.Object({ hotspots: Type.Array(Hotspot), next: Type.Union([Type.String(), Type.Null()]) }), 400: ErrorBody },
      },
    }, async (req) => {
      const q = req.query as Static<typeof ListQuery>;
      const limit = q.limit ?? 100;
      const rows = await deps.store.list({ owner: q.owner, after: q.after, limit });
      return { hotspots: rows.map(toJson), next: rows.length === limit ? rows[rows.length - 1]!.address : null };
    });

    app.get('/v1/network/stats', {
      schema: {
        tags: ['registry'],
        summary: 'Network-wide counts: hotspots, online, stored beacons and witnesses',
        response: { 200: Type.Object({ hotspots: Type.Integer(), online: Type.Integer(), beacons: Type.Integer(), witnesses: Type.Integer() }) },
      },
    }, async () => deps.store.networkCounts());

    // The clock that stamps reports and checks connect tokens: a simulator follows it (`hexlight sim`).
    app.get('/v1/network/clock', {
      schema: {
        tags: ['registry'],
        summary: "The network's clock: now, its speed against real time, and the origins to rebuild it (now = origin_clock_ms + (real now - origin_real_ms) x speed)",
        response: { 200: NetworkClock },
      },
    }, async () => {
      const d = describeClock(deps.clock);
      return { now_ms: deps.clock.now(), speed: d.speed, origin_real_ms: d.originRealMs, origin_clock_ms: d.originClockMs };
    });
  };
}
