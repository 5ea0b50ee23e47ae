import heliumProto from '@helium/proto';
import { asPlainBytes, copyBytes } from './bytes.ts';
import { Malformed } from './errors.ts';

// @helium/proto is a CommonJS protobufjs static module; under ESM its module.exports arrives as
// the default import. This file also holds the table-driven glue that turns protobufjs objects
// (Long, Buffers, explicit defaults) into plain values and back into canonical bytes.

export const { helium } = heliumProto;

/**
 * How a field is represented in the friendly types: `u64n` is a uint64 that must fit a JS number
 * (frequencies), `u64b` a uint64 kept as bigint (ns timestamps), `f32` a protobuf float.
 */
export type FieldType = 'bytes' | 'u64n' | 'u64b' | 'i32' | 's32' | 'u32' | 'f32';

export interface FieldSpec {
  readonly name: string;
  /** Field number in the .proto, used to check wire types before protobufjs decodes. */
  readonly no: number;
  readonly type: FieldType;
}

interface StaticMessage {
  encode(message: never): { finish(): Uint8Array };
  decode(reader: Uint8Array): object;
}

const WIRE_TYPE: Record<FieldType, number> = { bytes: 2, u64n: 0, u64b: 0, i32: 0, s32: 0, u32: 0, f32: 5 };
const U64_MAX = (1n << 64n) - 1n;

interface LongLike {
  low: number;
  high: number;
}

function u64ToBigInt(v: unknown): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  const l = v as LongLike;
  return (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
}

function u64ToNumber(v: unknown, field: string): number {
  if (typeof v === 'number') return v;
  const l = v as LongLike | null | undefined;
  if (!l) return 0;
  if (l.high === 0) return l.low >>> 0;
  const big = u64ToBigInt(l);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw Malformed(`${field} exceeds the largest safe integer`, { field });
  return Number(big);
}

function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

/**
 * The protobufjs input object holding only non-default fields. protobufjs writes every own
 * property, even `0` or empty bytes, so leaving defaults out is what makes the bytes canonical
 * (spec/wire.md §4). `omit` names a field to leave out entirely (the signature).
 */
export function toProtoObject(spec: readonly FieldSpec[], values: object, omit?: string): Record<string, unknown> {
  const src = values as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const { name, type } of spec) {
    if (name === omit) continue;
    const v = src[name];
    if (v === undefined || v === null) continue;
    switch (type) {
      case 'bytes':
        if (!(v instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
        if (v.byteLength > 0) out[name] = v;
        break;
      case 'u64n':
        if (checkInt(name, v, 0, Number.MAX_SAFE_INTEGER) !== 0) out[name] = v;
        break;
      case 'u64b': {
        const big = typeof v === 'bigint' ? v : BigInt(checkInt(name, v, 0, Number.MAX_SAFE_INTEGER));
        if (big < 0n || big > U64_MAX) throw new RangeError(`${name} must fit a uint64, got ${big}`);
        // LongBits.from accepts any {low, high}; this avoids depending on the `long` package.
        if (big !== 0n) out[name] = { low: Number(big & 0xffffffffn), high: Number(big >> 32n) };
        break;
      }
      case 'i32':
      case 's32':
        if (checkInt(name, v, -0x80000000, 0x7fffffff) !== 0) out[name] = v;
        break;
      case 'u32':
        if (checkInt(name, v, 0, 0xffffffff) !== 0) out[name] = v;
        break;
      case 'f32':
        if (typeof v !== 'number') throw new TypeError(`${name} must be a number`);
        // -0 === 0 as well: prost skips both, so must we.
        if (v !== 0) out[name] = v;
        break;
    }
  }
  return out;
}

/** Canonical bytes of `values` (defaults dropped, `omit` left out), as a plain Uint8Array. */
export function encodeCanonical(type: StaticMessage, spec: readonly FieldSpec[], values: object, omit?: string): Uint8Array {
  return asPlainBytes(type.encode(toProtoObject(spec, values, omit) as never).finish());
}

/** End offset of the varint at `pos`, by prost's rules: at most 10 bytes, the 10th at most 1. */
function varintEnd(buf: Uint8Array, pos: number): number {
  for (let i = 0; i < 10; i++) {
    const b = buf[pos + i];
    if (b === undefined) throw new RangeError('truncated varint');
    if (b < 0x80) {
      if (i === 9 && b > 1) throw new Error('varint overflows 64 bits');
      return pos + i + 1;
    }
  }
  throw new Error('varint longer than 10 bytes');
}

/** Value of a short varint (tags, lengths); exact while below 2^53. */
function varintValue(buf: Uint8Array, start: number, end: number): number {
  let value = 0;
  for (let i = start, scale = 1; i < end; i++, scale *= 128) value += (buf[i]! & 0x7f) * scale;
  return value;
}

const THIRTY_TWO_BIT = new Set<FieldType>(['i32', 's32', 'u32']);

/**
 * Walks the top-level fields the way prost would before protobufjs is trusted with them. The
 * generated decoders read a known field by its declared type whatever the wire type says, and
 * protobufjs's 32-bit varint reader assumes 10 bytes once it sees more than 5, so without this
 * walk such inputs would be misparsed instead of refused. Groups (no Helium message has any) are
 * refused too.
 */
function checkStructure(spec: readonly FieldSpec[], buf: Uint8Array): void {
  let pos = 0;
  while (pos < buf.length) {
    const tagEnd = varintEnd(buf, pos);
    const tag = varintValue(buf, pos, tagEnd);
    if (tag > 0xffffffff) throw new Error(`tag out of range at offset ${pos}`);
    const no = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (no === 0) throw new Error(`field number 0 at offset ${pos}`);
    const field = spec.find((f) => f.no === no);
    if (field && WIRE_TYPE[field.type] !== wireType) throw new Error(`field ${field.name} has wire type ${wireType}`);
    pos = tagEnd;
    switch (wireType) {
      case 0: {
        const end = varintEnd(buf, pos);
        const len = end - pos;
        if (field && THIRTY_TWO_BIT.has(field.type) && len > 5 && len < 10) throw new Error(`field ${field.name} has a ${len}-byte varint`);
        pos = end;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 2: {
        const end = varintEnd(buf, pos);
        pos = end + varintValue(buf, pos, end);
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType} at offset ${pos}`);
    }
    if (pos > buf.length) throw new RangeError('field runs past the end of the message');
  }
}

/** Decodes into plain values per `spec`; any failure becomes MALFORMED (never another throw). */
export function decodeFields(type: StaticMessage, spec: readonly FieldSpec[], bytes: Uint8Array, what: string): Record<string, unknown> {
  if (!(bytes instanceof Uint8Array)) throw Malformed(`${what} is not bytes`, { what });
  try {
    const input = asPlainBytes(bytes);
    checkStructure(spec, input);
    const msg = type.decode(input) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const { name, type: t } of spec) {
      const v = msg[name];
      switch (t) {
        case 'bytes':
          out[name] = v instanceof Uint8Array ? copyBytes(v) : new Uint8Array(0);
          break;
        case 'u64n':
          out[name] = u64ToNumber(v, name);
          break;
        case 'u64b':
          out[name] = u64ToBigInt(v);
          break;
        default:
          out[name] = typeof v === 'number' ? v : 0;
      }
    }
    return out;
  } catch (cause) {
    if (Malformed.is(cause)) throw cause;
    throw Malformed(`${what} does not decode: ${cause instanceof Error ? cause.message : String(cause)}`, { what }, cause);
  }
}
