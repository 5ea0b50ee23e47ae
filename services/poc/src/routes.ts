import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { adminGuard, defineError, type Clock } from '@hexlight/kit';
import type { Db } from '@hexlight/store';
import { InvalidAddress, isValidAddress } from '@hexlight/protocol';
import { exportReplayEvents } from './export.ts';

export const PocNotFound = defineError('POC_NOT_FOUND', 'no PoC with this id has been verified', { httpStatus: 404 });
/** `GET /v1/admin/poc/export` with `to` not after `from` (details: from, to). */
export const PocExportRange = defineError('POC_EXPORT_RANGE', 'the export period is empty: `to` must be after `from`', { httpStatus: 400 });

const Err = Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });
const Address = Type.String({ minLength: 20, maxLength: 64, pattern: '^[1-9A-HJ-NP-Za-km-z]+$' });
const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'report id, hex' });
const Evidence = Type.Record(Type.String(), Type.Unknown(), { description: 'the numbers behind the verdict: distance_m, expected/measured RSSI, lag, window…' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const WitnessOut = Type.Object({
  witness_id: Type.String(), poc_id: Nullable(Type.String()), witness: Type.String(), beaconer: Nullable(Type.String()), received_at: Type.String(),
  valid: Type.Boolean(), reason: Nullable(Type.String()), side: Nullable(Type.String()), selected: Type.Boolean(), reward_unit: Type.Number(), evidence: Evidence,
});
const BeaconOut = Type.Object({
  poc_id: Type.String(), beaconer: Type.String(), received_at: Type.String(), ruleset: Type.String(), valid: Type.Boolean(), reason: Nullable(Type.String()),
  hex_scale: Type.Union([Type.Number(), Type.Null()]), reward_unit: Type.Number(), evidence: Evidence,
});

interface WitnessRow { witness_id: Uint8Array; poc_id: Uint8Array | null; witness: string; beaconer: string | null; received_at: Date; valid: boolean; reason: string | null; side: string | null; selected: boolean; reward_unit: string; evidence: Record<string, unknown> }
interface BeaconRow { poc_id: Uint8Array; beaconer: string; received_at: Date; ruleset: string; valid: boolean; reason: string | null; hex_scale: string | null; reward_unit: string; evidence: Record<string, unknown> }

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const witnessJson = (r: WitnessRow) => ({
  witness_id: hex(r.witness_id), poc_id: r.poc_id ? hex(r.poc_id) : null, witness: r.witness, beaconer: r.beaconer, received_at: r.received_at.toISOString(),
  valid: r.valid, reason: r.reason, side: r.side, selected: r.selected, reward_unit: Number(r.reward_unit), evidence: r.evidence,
});
const beaconJson = (r: BeaconRow) => ({
  poc_id: hex(r.poc_id), beaconer: r.beaconer, received_at: r.received_at.toISOString(), ruleset: r.ruleset, valid: r.valid, reason: r.reason,
  hex_scale: r.hex_scale === null ? null : Number(r.hex_scale), reward_unit: Number(r.reward_unit), evidence: r.evidence,
});

const WITNESS_SELECT = `SELECT w.witness_id, w.poc_id, w.witness, v.beaconer, w.received_at, w.valid, w.reason, w.side, w.selected, w.reward_unit, w.evidence
  FROM witness_verdicts w LEFT JOIN poc_verdicts v ON v.poc_id = w.poc_id`;

export interface PocRoutesDeps {
  db: Db;
  clock: Clock;
  /** Bearer token for /v1/admin; undefined = admin API off. */
  adminToken: string | undefined;
}

/** Owner-facing verdicts ("why are my witnesses invalid?") and the operator's denylist. */
export function pocRoutes(deps: PocRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const Params = Type.Object({ address: Address }, { additionalProperties: false });
    app.get('/v1/hotspots/:address/poc', {
      schema: {
        tags: ['poc'], summary: "A hotspot's recent beacons and witnesses with verdicts, reasons and the numbers behind them",
        params: Params,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })), before: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ beacons: Type.Array(BeaconOut), witnesses: Type.Array(WitnessOut) }), 400: Err },
      },
    }, async (req) => {
      const { address } = req.params as Static<typeof Params>;
      if (!isValidAddress(address)) throw InvalidAddress();
      const q = req.query as { limit?: number; before?: string };
      const before = q.before ? new Date(q.before) : new Date(deps.clock.now() + 86_400_000);
      const limit = q.limit ?? 50;
      const beacons = await deps.db.query<BeaconRow>(
        `SELECT poc_id, beaconer, received_at, ruleset, valid, reason, hex_scale, reward_unit, evidence FROM poc_verdicts
         WHERE beaconer = $1 AND received_at < $2 ORDER BY received_at DESC LIMIT $3`, [address, before, limit]);
      const witnesses = await deps.db.query<WitnessRow>(`${WITNESS_SELECT} WHERE w.witness = $1 AND w.received_at < $2 ORDER BY w.received_at DESC LIMIT $3`, [address, before, limit]);
      return { beacons: beacons.rows.map(beaconJson), witnesses: witnesses.rows.map(witnessJson) };
    });

    app.get('/v1/hotspots/:address/poc/summary', {
      schema: {
        tags: ['poc'], summary: 'Counts of valid and invalid beacons and witnesses by reason over a window (default 24 h)',
        params: Params,
        querystring: Type.Object({ hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 90, default: 24 })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Type.String(), to: Type.String(),
            beacons: Type.Object({ valid: Type.Integer(), invalid: Type.Record(Type.String(), Type.Integer()) }),
            witnesses: Type.Object({ valid: Type.Integer(), invalid: Type.Record(Type.String(), Type.Integer()) }),
          }),
          400: Err,
        },
      },
    }, async (req) => {
      const { address } = req.params as Static<typeof Params>;
      if (!isValidAddress(address)) throw InvalidAddress();
      const hours = (req.query as { hours?: number }).hours ?? 24;
      const to = new Date(deps.clock.now());
      const from = new Date(to.getTime() - hours * 3_600_000);
      const count = async (table: string, col: string) => {
        const rows = await deps.db.query<{ valid: boolean; reason: string | null; n: bigint }>(
          `SELECT valid, reason, count(*) AS n FROM ${table} WHERE ${col} = $1 AND received_at >= $2 AND received_at < $3 GROUP BY valid, reason`, [address, from, to]);
        const out = { valid: 0, invalid: {} as Record<string, number> };
        for (const r of rows.rows) {
          if (r.valid) out.valid += Number(r.n);
          else out.invalid[r.reason ?? 'unknown'] = Number(r.n);
        }
        return out;
      };
      return { from: from.toISOString(), to: to.toISOString(), beacons: await count('poc_verdicts', 'beaconer'), witnesses: await count('witness_verdicts', 'witness') };
    });

    const IdParams = Type.Object({ id: Hex64 }, { additionalProperties: false });
    app.get('/v1/pocs/:id', {
      schema: {
        tags: ['poc'], summary: 'One PoC in full: the beacon verdict and every witness verdict',
        params: IdParams,
        response: { 200: Type.Intersect([BeaconOut, Type.Object({ witnesses: Type.Array(WitnessOut) })]), 400: Err, 404: Err },
      },
    }, async (req) => {
      const id = Buffer.from((req.params as Static<typeof IdParams>).id, 'hex');
      const b = await deps.db.query<BeaconRow>(`SELECT poc_id, beaconer, received_at, ruleset, valid, reason, hex_scale, reward_unit, evidence FROM poc_verdicts WHERE poc_id = $1`, [id]);
      if (!b.rows[0]) throw PocNotFound(undefined, { id: hex(id) });
      const ws = await deps.db.query<WitnessRow>(`${WITNESS_SELECT} WHERE w.poc_id = $1 ORDER BY w.received_at, w.witness_id`, [id]);
      return { ...beaconJson(b.rows[0]), witnesses: ws.rows.map(witnessJson) };
    });

    // ---- admin: the denylist ----
    const requireAdmin = adminGuard(deps.adminToken);
    const DenyBody = Type.Union([
      Type.Object({ address: Address, tag: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
      Type.Object({ a: Address, b: Address, tag: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    ]);
    app.post('/v1/admin/denylist', {
      ...requireAdmin,
      schema: { tags: ['admin'], summary: 'Deny a hotspot key ({address, tag}) or an edge ({a, b, tag})', body: DenyBody, response: { 204: Type.Null(), 400: Err, 401: Err, 403: Err } },
    }, async (req, reply) => {
      const body = req.body as { address?: string; a?: string; b?: string; tag: string };
      const now = new Date(deps.clock.now());
      for (const addr of [body.address, body.a, body.b]) if (addr !== undefined && !isValidAddress(addr)) throw InvalidAddress(undefined, { address: addr });
      if (body.address) {
        await deps.db.query(`INSERT INTO denylist_keys (address, tag, added_at) VALUES ($1, $2, $3) ON CONFLICT (address) DO UPDATE SET tag = EXCLUDED.tag, added_at = EXCLUDED.added_at`, [body.address, body.tag, now]);
      } else {
        const [x, y] = [body.a!, body.b!].sort();
        await deps.db.query(`INSERT INTO denylist_edges (a, b, tag, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT (a, b) DO UPDATE SET tag = EXCLUDED.tag, added_at = EXCLUDED.added_at`, [x, y, body.tag, now]);
      }
      return reply.code(204).send();
    });

    // ---- admin: a stored period as replay input ----
    const ExportQuery = Type.Object({
      from: Type.String({ format: 'date-time', description: 'start of the period (inclusive), ISO 8601' }),
      to: Type.String({ format: 'date-time', description: 'end of the period (exclusive), ISO 8601' }),
    }, { additionalProperties: false });
    app.get('/v1/admin/poc/export', {
      ...requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'A stored period as `hexlight poc replay` input (JSON Lines, spec/poc-replay.md): what `hexlight poc export` writes, for a running network',
        querystring: ExportQuery,
        response: {
          200: { description: 'one replay event per line, in time order', content: { 'application/x-ndjson': { schema: Type.String() } } },
          400: Err, 401: Err, 403: Err,
        },
      },
    }, async (req, reply) => {
      const q = req.query as Static<typeof ExportQuery>;
      const fromMs = Date.parse(q.from);
      const toMs = Date.parse(q.to);
      if (!(toMs > fromMs)) throw PocExportRange(undefined, { from: q.from, to: q.to });
      const lines = await exportReplayEvents(deps.db, { fromMs, toMs });
      // Streamed in chunks: a long period is more text than one string may hold.
      async function* body() {
        for (let i = 0; i < lines.length; i += 1000) yield `${lines.slice(i, i + 1000).join('\n')}\n`;
      }
      return reply.type('application/x-ndjson').header('cache-control', 'no-store').send(Readable.from(body()));
    });

    app.get('/v1/admin/denylist', {
      ...requireAdmin,
      schema: { tags: ['admin'], summary: 'The denylist', response: { 200: Type.Object({ keys: Type.Array(Type.Object({ address: Type.String(), tag: Type.String() })), edges: Type.Array(Type.Object({ a: Type.String(), b: Type.String(), tag: Type.String() })) }), 401: Err, 403: Err } },
    }, async () => ({
      keys: (await deps.db.query<{ address: string; tag: string }>(`SELECT address, tag FROM denylist_keys ORDER BY address`)).rows,
      edges: (await deps.db.query<{ a: string; b: string; tag: string }>(`SELECT a, b, tag FROM denylist_edges ORDER BY a, b`)).rows,
    }));
  };
}
