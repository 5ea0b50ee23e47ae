import { Type } from '@sinclair/typebox';
import { getResolution } from 'h3-js';
import { MapsInvalidCursor, MapsInvalidWindow } from '../errors.ts';
import { bigToH3, DEFAULT_RES, h3ToBig, isCell } from '../model.ts';
import type { Window } from '../query.ts';

export const Err = Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });

export const WindowQuery = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'window start (RFC 3339); resolves to its UTC day. Default: to − MAPS_DEFAULT_WINDOW_DAYS' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'window end (RFC 3339, exclusive); default now' })),
};
export const Res = Type.Optional(Type.Integer({ minimum: 5, maximum: 10, default: DEFAULT_RES, description: 'H3 resolution (5–10; 9 = Helium Mappers hexes)' }));
export const Source = Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('measured'), Type.Literal('estimated')], { default: 'all' }));

export function windowOf(q: { from?: string; to?: string }, nowMs: number, defaultDays: number): Window {
  const toMs = q.to ? Date.parse(q.to) : nowMs;
  const fromMs = q.from ? Date.parse(q.from) : toMs - defaultDays * 86_400_000;
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs) throw MapsInvalidWindow(undefined, { from: q.from, to: q.to });
  return { fromMs, toMs };
}

export const encodeCursor = (res: number, h3: string) => Buffer.from(`${res}:${h3}`).toString('base64url');

export function decodeCursor(cursor: string | undefined, res: number): bigint | null {
  if (cursor === undefined) return null;
  const [r, h] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (Number(r) !== res || !h || !isCell(h) || getResolution(h) !== res) throw MapsInvalidCursor(undefined, { cursor });
  return h3ToBig(h);
}

export { bigToH3 };

/** The request's client address for the public buckets. */
export const clientKey = (req: { ip: string }) => `ip:${req.ip}`;
