import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { adminGuard, type Clock } from '@hexlight/kit';
import type { Db } from '@hexlight/store';
import { orgGuard, requestOrg } from './auth.ts';
import { grantCredit, ledgerPage, type LedgerEntry } from './credits.ts';
import { addRange, allocateRange, deleteRange, formatDevAddr, listRanges, parseDevAddr, type DevAddrPool, type DevAddrRange } from './devaddr.ts';
import { deleteDevice, listDevices, registerDevice, type Device } from './devices.ts';
import { createOrganisation, DISABLED_EXPLANATIONS, readOrganisation, rotateApiKey, updateOrganisation, type Organisation } from './orgs.ts';
import { orgTraffic, trafficWindow } from './traffic.ts';

// The organisation API: signup, the organisation itself, its keys, DC ledger, DevAddr ranges,
// devices and traffic; and the operator's grants. Every /v1/orgs/me route needs
// `Authorization: Bearer <api key>`. DC are JSON integers (exact below 2^53 DC, $90 billion).

export const Err = Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });

/** A DC amount as a JSON number; refuses to round (a balance above 2^53 DC is a bug, not data). */
export function dcNumber(x: bigint): number {
  if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < -BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`DC amount ${x} exceeds JSON's exact integers`);
  return Number(x);
}

const DevAddr = Type.Unsafe<string | number>({
  type: ['string', 'integer'], pattern: '^[0-9a-fA-F]{8}$', minimum: 0, maximum: 4_294_967_295,
  description: 'DevAddr: 8 hex digits ("48000000") or an unsigned 32-bit integer',
});
const Eui = Type.String({ pattern: '^[0-9a-fA-F]{16}$', description: 'EUI-64, 16 hex digits' });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const MultiBuy = Type.Integer({ minimum: 1, maximum: 100, description: 'copies of each uplink bought (from different hotspots)' });
const Time = Type.String({ description: 'ISO 8601' });

const OrgJson = Type.Object({
  id: Type.String(), name: Type.String(), created_at: Time, multi_buy: Type.Integer(),
  dc_balance: Type.Integer({ description: 'DC (1 DC = $0.00001)' }),
  disabled: Type.Boolean({ description: 'true: packets are stored but not bought' }),
  disabled_reason: Type.Union([Type.String(), Type.Null()], { description: 'why, e.g. "insufficient_balance: top up to resume"' }),
  disabled_at: Type.Union([Time, Type.Null()]),
  api_keys: Type.Array(Type.Object({ prefix: Type.String(), created_at: Time }), { description: 'active keys, by their first characters' }),
});
export function orgJson(o: Organisation): Static<typeof OrgJson> {
  return {
    id: o.id, name: o.name, created_at: o.createdAt.toISOString(), multi_buy: o.multiBuy, dc_balance: dcNumber(o.dcBalance),
    disabled: o.disabled, disabled_reason: o.disabledReason ? DISABLED_EXPLANATIONS[o.disabledReason] : null,
    disabled_at: o.disabledAt?.toISOString() ?? null,
    api_keys: o.keys.map((k) => ({ prefix: k.prefix, created_at: k.createdAt.toISOString() })),
  };
}

const EntryJson = Type.Object({
  seq: Type.Integer(), at: Time,
  kind: Type.Union([Type.Literal('purchase'), Type.Literal('burn'), Type.Literal('refund'), Type.Literal('grant')]),
  amount: Type.Integer({ description: 'signed DC' }), balance_after: Type.Integer(), ref: Type.String(),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});
export const entryJson = (e: LedgerEntry): Static<typeof EntryJson> => ({
  seq: Number(e.seq), at: e.at.toISOString(), kind: e.kind, amount: dcNumber(e.amount), balance_after: dcNumber(e.balanceAfter), ref: e.ref, details: e.details,
});

const RangeJson = Type.Object({ id: Type.Integer(), start: Type.String(), end: Type.String(), size: Type.Integer(), created_at: Time });
const rangeJson = (r: DevAddrRange): Static<typeof RangeJson> => ({
  id: Number(r.id), start: formatDevAddr(r.start), end: formatDevAddr(r.end), size: r.end - r.start + 1, created_at: r.createdAt.toISOString(),
});

const DeviceJson = Type.Object({
  dev_eui: Type.String(), join_eui: Type.Union([Type.String(), Type.Null()]), dev_addr: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]), created_at: Time,
});
const deviceJson = (d: Device): Static<typeof DeviceJson> => ({
  dev_eui: d.devEui, join_eui: d.joinEui, dev_addr: d.devAddr === null ? null : formatDevAddr(d.devAddr), name: d.name, created_at: d.createdAt.toISOString(),
});

const Counts = {
  copies: Type.Integer({ description: 'accepted copies, bought or not' }), frames: Type.Integer({ description: 'distinct frames' }),
  bought: Type.Integer({ description: 'copies bought' }), dc: Type.Integer({ description: 'DC spent' }), bytes: Type.Integer({ description: 'PHYPayload bytes of the bought copies' }),
};
const TrafficJson = Type.Object({
  day: Type.String({ description: 'UTC day' }),
  hotspot: Type.Optional(Type.String()), dev_eui: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  dev_addr: Type.Optional(Type.Union([Type.String(), Type.Null()])), name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  ...Counts,
});

export interface AccountRoutesDeps {
  readonly db: Db;
  readonly clock: Clock;
  /** Where free DevAddr blocks come from. */
  readonly devaddrPool: DevAddrPool;
  /** Bearer token of the admin routes; undefined = off. */
  readonly adminToken: string | undefined;
}

export function accountRoutes(deps: AccountRoutesDeps): FastifyPluginAsync {
  const { db, clock } = deps;
  const now = () => new Date(clock.now());
  const auth = orgGuard(db);
  const me = { tags: ['organisations'] };
  return async (app) => {
    app.post('/v1/orgs', {
      schema: {
        tags: ['organisations'], summary: 'Sign up an organisation; the API key is in this response only (keep it: only its hash is stored)',
        body: Type.Object({ name: Name, multi_buy: Type.Optional(MultiBuy) }, { additionalProperties: false }),
        response: { 201: Type.Object({ org: OrgJson, api_key: Type.String({ description: 'hxl_…: send as Authorization: Bearer <api_key>' }) }), 400: Err },
      },
    }, async (req, reply) => {
      const body = req.body as { name: string; multi_buy?: number };
      const { org, apiKey } = await createOrganisation(db, { name: body.name, ...(body.multi_buy !== undefined ? { multiBuy: body.multi_buy } : {}), at: now() });
      return reply.code(201).send({ org: orgJson(org), api_key: apiKey });
    });

    app.get('/v1/orgs/me', {
      onRequest: auth,
      schema: { ...me, summary: 'The organisation: DC balance, multi-buy, whether packets are being bought and why not', response: { 200: OrgJson, 401: Err } },
    }, async (req) => orgJson(await readOrganisation(db, requestOrg(req))));

    app.patch('/v1/orgs/me', {
      onRequest: auth,
      schema: {
        ...me, summary: 'Rename, or change how many copies of each uplink are bought',
        body: Type.Object({ name: Type.Optional(Name), multi_buy: Type.Optional(MultiBuy) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: OrgJson, 400: Err, 401: Err },
      },
    }, async (req) => {
      const body = req.body as { name?: string; multi_buy?: number };
      return orgJson(await updateOrganisation(db, requestOrg(req), { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.multi_buy !== undefined ? { multiBuy: body.multi_buy } : {}) }));
    });

    app.post('/v1/orgs/me/keys', {
      onRequest: auth,
      schema: {
        ...me, summary: 'Rotate the API key: a new key (shown once) and every other key of the organisation revoked',
        response: { 201: Type.Object({ api_key: Type.String(), prefix: Type.String() }), 401: Err },
      },
    }, async (req, reply) => {
      const { apiKey, prefix } = await rotateApiKey(db, requestOrg(req), now());
      return reply.code(201).send({ api_key: apiKey, prefix });
    });

    const LedgerQuery = Type.Object({
      limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
      before: Type.Optional(Type.Integer({ minimum: 1, description: 'only entries older than this seq (the previous page\'s next_before)' })),
    }, { additionalProperties: false });
    app.get('/v1/orgs/me/ledger', {
      onRequest: auth,
      schema: {
        ...me, summary: 'The DC ledger, newest first: purchases, grants, refunds and burns, each with the balance it left',
        querystring: LedgerQuery,
        response: { 200: Type.Object({ entries: Type.Array(EntryJson), next_before: Type.Union([Type.Integer(), Type.Null()]) }), 400: Err, 401: Err },
      },
    }, async (req) => {
      const q = req.query as Static<typeof LedgerQuery>;
      const entries = await ledgerPage(db, requestOrg(req), { limit: q.limit, ...(q.before !== undefined ? { before: BigInt(q.before) } : {}) });
      return { entries: entries.map(entryJson), next_before: entries.length === q.limit ? Number(entries.at(-1)!.seq) : null };
    });

    app.get('/v1/orgs/me/ranges', {
      onRequest: auth,
      schema: { ...me, summary: 'The DevAddr ranges the organisation routes', response: { 200: Type.Object({ ranges: Type.Array(RangeJson) }), 401: Err } },
    }, async (req) => ({ ranges: (await listRanges(db, requestOrg(req))).map(rangeJson) }));

    const RangeBody = Type.Union([
      Type.Object({ start: DevAddr, end: DevAddr }, { additionalProperties: false, description: 'an explicit range, inclusive' }),
      Type.Object({ size: Type.Integer({ minimum: 1, maximum: 4_294_967_296, description: 'a free block of this many addresses from the network\'s pool' }) }, { additionalProperties: false }),
    ]);
    app.post('/v1/orgs/me/ranges', {
      onRequest: auth,
      schema: {
        ...me, summary: 'Add a DevAddr range ({start, end}, no overlap with any organisation\'s) or take the lowest free block of the network\'s pool ({size})',
        body: RangeBody, response: { 201: RangeJson, 400: Err, 401: Err, 409: Err },
      },
    }, async (req, reply) => {
      const orgId = requestOrg(req);
      const body = req.body as { start?: string | number; end?: string | number; size?: number };
      const range = body.size !== undefined
        ? await allocateRange(db, orgId, body.size, deps.devaddrPool, now())
        : await addRange(db, orgId, { start: parseDevAddr(body.start, 'start'), end: parseDevAddr(body.end, 'end') }, now());
      return reply.code(201).send(rangeJson(range));
    });

    const RangeParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
    app.delete('/v1/orgs/me/ranges/:id', {
      onRequest: auth,
      schema: { ...me, summary: 'Delete a range (refused while a device\'s DevAddr lies in it)', params: RangeParams, response: { 204: Type.Null(), 400: Err, 401: Err, 404: Err, 409: Err } },
    }, async (req, reply) => {
      await deleteRange(db, requestOrg(req), BigInt((req.params as Static<typeof RangeParams>).id));
      return reply.code(204).send();
    });

    const DeviceQuery = Type.Object({
      limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
      after: Type.Optional(Eui),
    }, { additionalProperties: false });
    app.get('/v1/orgs/me/devices', {
      onRequest: auth,
      schema: {
        ...me, summary: 'The organisation\'s devices, by DevEUI (cursor: after = the last DevEUI)', querystring: DeviceQuery,
        response: { 200: Type.Object({ devices: Type.Array(DeviceJson), next_after: Type.Union([Type.String(), Type.Null()]) }), 400: Err, 401: Err },
      },
    }, async (req) => {
      const q = req.query as Static<typeof DeviceQuery>;
      const devices = await listDevices(db, requestOrg(req), { limit: q.limit, ...(q.after !== undefined ? { after: q.after } : {}) });
      return { devices: devices.map(deviceJson), next_after: devices.length === q.limit ? devices.at(-1)!.devEui : null };
    });

    const DeviceBody = Type.Object({
      dev_eui: Eui, join_eui: Type.Optional(Eui), dev_addr: Type.Optional(DevAddr), name: Type.Optional(Name),
    }, { additionalProperties: false });
    app.post('/v1/orgs/me/devices', {
      onRequest: auth,
      schema: {
        ...me, summary: 'Register a device (DevEUI; a DevAddr must lie in one of the organisation\'s ranges)', body: DeviceBody,
        response: { 201: DeviceJson, 400: Err, 401: Err, 409: Err, 422: Err },
      },
    }, async (req, reply) => {
      const body = req.body as Static<typeof DeviceBody>;
      const device = await registerDevice(db, requestOrg(req), {
        devEui: body.dev_eui,
        ...(body.join_eui !== undefined ? { joinEui: body.join_eui } : {}),
        ...(body.dev_addr !== undefined ? { devAddr: parseDevAddr(body.dev_addr) } : {}),
        ...(body.name !== undefined ? { name: body.name } : {}),
      }, now());
      return reply.code(201).send(deviceJson(device));
    });

    const DeviceParams = Type.Object({ devEui: Eui }, { additionalProperties: false });
    app.delete('/v1/orgs/me/devices/:devEui', {
      onRequest: auth,
      schema: { ...me, summary: 'Delete a device', params: DeviceParams, response: { 204: Type.Null(), 400: Err, 401: Err, 404: Err } },
    }, async (req, reply) => {
      await deleteDevice(db, requestOrg(req), (req.params as Static<typeof DeviceParams>).devEui);
      return reply.code(204).send();
    });

    const TrafficQuery = Type.Object({
      by: Type.Union([Type.Literal('device'), Type.Literal('hotspot')], { default: 'device' }),
      from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601, inclusive (default: to − 7 days)' })),
      to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601, exclusive (default: now)' })),
      limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
    }, { additionalProperties: false });
    app.get('/v1/orgs/me/traffic', {
      onRequest: auth,
      schema: {
        ...me, summary: 'Traffic per UTC day, per device or per hotspot: copies, frames, bought copies, DC, bytes', querystring: TrafficQuery,
        response: {
          200: Type.Object({ by: Type.String(), from: Time, to: Time, rows: Type.Array(TrafficJson), truncated: Type.Boolean({ description: 'more rows than limit' }) }),
          400: Err, 401: Err,
        },
      },
    }, async (req) => {
      const q = req.query as Static<typeof TrafficQuery>;
      const window = trafficWindow(clock.now(), q.from, q.to);
      const rows = await orgTraffic(db, requestOrg(req), q.by, window, q.limit + 1);
      return {
        by: q.by, from: window.from.toISOString(), to: window.to.toISOString(), truncated: rows.length > q.limit,
        rows: rows.slice(0, q.limit).map((r) => ({
          day: r.day,
          ...(r.hotspot !== undefined ? { hotspot: r.hotspot } : { dev_eui: r.devEui ?? null, dev_addr: r.devAddr ?? null, name: r.name ?? null }),
          copies: r.copies, frames: r.frames, bought: r.bought, dc: r.dc, bytes: r.bytes,
        })),
      };
    });

    const GrantParams = Type.Object({ id: Type.String({ pattern: '^org_[0-9a-f]{16}$' }) }, { additionalProperties: false });
    const GrantBody = Type.Object({
      dc: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: 'DC to add' }),
      ref: Type.String({ minLength: 1, maxLength: 200, description: 'the operator\'s reference: a repeated grant with the same ref changes nothing' }),
      note: Type.Optional(Type.String({ maxLength: 500 })),
    }, { additionalProperties: false });
    app.post('/v1/admin/orgs/:id/grants', {
      ...adminGuard(deps.adminToken),
      schema: {
        tags: ['admin'], summary: 'Operator: grant DC to an organisation (idempotent by ref; re-enables an organisation disabled for its balance)',
        params: GrantParams, body: GrantBody,
        response: {
          201: Type.Object({ created: Type.Boolean(), entry: EntryJson, reenabled: Type.Boolean() }),
          200: Type.Object({ created: Type.Boolean(), entry: EntryJson, reenabled: Type.Boolean() }),
          400: Err, 401: Err, 403: Err, 404: Err, 409: Err,
        },
      },
    }, async (req, reply) => {
      const { id } = req.params as Static<typeof GrantParams>;
      const body = req.body as Static<typeof GrantBody>;
      const r = await grantCredit(db, { orgId: id, ref: body.ref, dc: BigInt(body.dc), at: now(), details: { by: 'operator', ...(body.note ? { note: body.note } : {}) } });
      return reply.code(r.created ? 201 : 200).send({ created: r.created, entry: entryJson(r.entry), reenabled: r.reenabled });
    });
  };
}
