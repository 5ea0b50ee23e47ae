import * as h3 from 'h3-js';
import { hexToBytes, isRegionName, isValidAddress, isValidSolanaAddress, REGION_NAMES } from '@hexlight/protocol';
import { ReplayInputError } from '../verifier/errors.ts';
import type { EntropyRecord, HotspotMeta } from '../verifier/types.ts';

// Input events of `hexlight poc replay` (spec/poc-replay.md "Input"), parsed and checked one
// line at a time. Anything unusable stops the replay with the line number and what is wrong;
// fields the spec does not name are ignored, so newer writers stay readable.

export type ReplayEvent =
  | { kind: 'hotspot'; line: number; atMs: number; meta: HotspotMeta }
  | { kind: 'entropy'; line: number; atMs: number; entropy: EntropyRecord }
  | { kind: 'beacon' | 'witness'; line: number; receivedMs: number; payload: Uint8Array }
  | { kind: 'deny'; line: number; address: string; tag: string }
  | { kind: 'deny_edge'; line: number; a: string; b: string; tag: string };

export const EVENT_KINDS = ['hotspot', 'entropy', 'beacon', 'witness', 'deny', 'deny_edge'] as const;

type Json = Record<string, unknown>;

function fail(line: number, message: string, field?: string): never {
  throw ReplayInputError(`line ${line}: ${message}`, { line, ...(field ? { field } : {}) });
}

function field(o: Json, name: string, line: number): unknown {
  if (!Object.hasOwn(o, name)) fail(line, `missing field "${name}"`, name);
  return o[name];
}

function str(o: Json, name: string, line: number): string {
  const v = field(o, name, line);
  if (typeof v !== 'string') fail(line, `field "${name}" must be a string`, name);
  return v;
}

function int(o: Json, name: string, line: number, opts: { min?: number; max?: number } = {}): number {
  const v = field(o, name, line);
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(line, `field "${name}" must be an integer`, name);
  if (opts.min !== undefined && v < opts.min) fail(line, `field "${name}" must be ≥ ${opts.min}`, name);
  if (opts.max !== undefined && v > opts.max) fail(line, `field "${name}" must be ≤ ${opts.max}`, name);
  return v;
}

function address(o: Json, name: string, line: number): string {
  const v = str(o, name, line);
  if (!isValidAddress(v)) fail(line, `field "${name}" is not a hotspot address`, name);
  return v;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

function base64(o: Json, name: string, line: number): Uint8Array {
  const v = str(o, name, line);
  if (v.length === 0 || !BASE64.test(v)) fail(line, `field "${name}" is not base64`, name);
  const b = Buffer.from(v, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function location(o: Json, line: number): string | null {
  const v = field(o, 'location', line);
  if (v === null) return null;
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{15}$/.test(v) || !h3.isValidCell(v.toLowerCase())) {
    fail(line, 'field "location" must be an H3 cell (15 hex digits) or null', 'location');
  }
  return v.toLowerCase();
}

function parseHotspot(o: Json, line: number): ReplayEvent {
  const region = str(o, 'region', line);
  if (!isRegionName(region)) fail(line, `field "region" must be one of ${REGION_NAMES.join(', ')}`, 'region');
  const capability = str(o, 'capability', line);
  if (capability !== 'full' && capability !== 'data_only') fail(line, 'field "capability" must be "full" or "data_only"', 'capability');
  const owner = str(o, 'owner', line);
  if (!isValidSolanaAddress(owner)) fail(line, 'field "owner" is not a Solana wallet', 'owner');
  return {
    kind: 'hotspot',
    line,
    atMs: int(o, 'at_ms', line, { min: 0 }),
    meta: {
      address: address(o, 'address', line),
      owner,
      location: location(o, line),
      region,
      gain: int(o, 'gain', line),
      elevation: int(o, 'elevation', line),
      capability,
    },
  };
}

function parseEntropy(o: Json, line: number): ReplayEvent {
  const data = str(o, 'data', line);
  if (!/^[0-9a-fA-F]{64}$/.test(data)) fail(line, 'field "data" must be 64 hex digits', 'data');
  return {
    kind: 'entropy',
    line,
    atMs: int(o, 'at_ms', line, { min: 0 }),
    entropy: { data: hexToBytes(data), timestamp: int(o, 'timestamp', line, { min: 0 }), version: int(o, 'version', line, { min: 0, max: 0xffff_ffff }) },
  };
}

/** One input line → one event; throws POC_REPLAY_INPUT with the line number. */
export function parseEvent(text: string, line: number): ReplayEvent {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    fail(line, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) fail(line, 'an event must be a JSON object');
  const obj = o as Json;
  const kind = str(obj, 'kind', line);
  switch (kind) {
    case 'hotspot':
      return parseHotspot(obj, line);
    case 'entropy':
      return parseEntropy(obj, line);
    case 'beacon':
    case 'witness':
      return { kind, line, receivedMs: int(obj, 'received_ms', line, { min: 0 }), payload: base64(obj, 'payload', line) };
    case 'deny':
      return { kind, line, address: address(obj, 'address', line), tag: str(obj, 'tag', line) };
    case 'deny_edge':
      return { kind, line, a: address(obj, 'a', line), b: address(obj, 'b', line), tag: str(obj, 'tag', line) };
    default:
      return fail(line, `unknown kind "${kind}" (expected ${EVENT_KINDS.join(', ')})`, 'kind');
  }
}
