import { createHash } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { isRegionName, MAX_REPORT_BYTES } from '@hexlight/protocol';
import { defineError } from '@hexlight/kit';
import { CORPUS_KINDS, CorpusHotspot, MAX_CORPUS_HOTSPOTS, MAX_CORPUS_REPORTS, type Corpus } from './corpus.ts';

// The corpus file: generate once, replay many times (`hexlight sim load --corpus FILE`).
// Big-endian, columns after a fixed header, SHA-256 of everything before it at the end:
//
//   magic "HXLCORP\0" · u16 version (1) · u16 0 · i64 seed · i64 startMs · u32 witnessesPerBeacon · u32 hotspots · u32 reports
//   u8 len + region (ASCII) · u8 len + city (ASCII)
//   per hotspot (117 B): key seed 32 · key binary 33 · owner seed 32 · u64 H3 cell · i32 gain · i32 elevation · u32 reports
//   per report: u8 kind (0 beacon, 1 witness)
//   per report: u16 payload length
//   payloads, back to back
//   SHA-256 (32 B)
//
// The hotspot keys' private seeds are in the file: they are the simulator's, derived from a seed anyway.

export const CorpusInvalid = defineError('SIM_CORPUS_INVALID', 'not a usable corpus file', { httpStatus: 400 });

export type CorpusInvalidReason = 'unreadable' | 'not_a_corpus' | 'unsupported_version' | 'truncated' | 'corrupted';

const MAGIC = Buffer.from('HXLCORP\0', 'latin1');
const VERSION = 1;
const HOTSPOT_BYTES = 117;
const DIGEST_BYTES = 32;

/** Writes `corpus` to `path` (through a temporary file, so a crash never leaves half a corpus under the name). */
export async function writeCorpus(corpus: Corpus, path: string): Promise<void> {
  const n = corpus.hotspots.length;
  const reports = corpus.kinds.length;
  const region = Buffer.from(corpus.region, 'latin1');
  const city = Buffer.from(corpus.city, 'latin1');
  const head = Buffer.alloc(40 + 2 + region.length + city.length + n * HOTSPOT_BYTES);
  MAGIC.copy(head, 0);
  head.writeUInt16BE(VERSION, 8);
  head.writeBigInt64BE(BigInt(corpus.seed), 12);
  head.writeBigInt64BE(BigInt(corpus.startMs), 20);
  head.writeUInt32BE(corpus.witnessesPerBeacon, 28);
  head.writeUInt32BE(n, 32);
  head.writeUInt32BE(reports, 36);
  let at = 40;
  head.writeUInt8(region.length, at++);
  at += region.copy(head, at);
  head.writeUInt8(city.length, at++);
  at += city.copy(head, at);
  for (const [i, h] of corpus.hotspots.entries()) {
    head.set(h.keySeed, at);
    head.set(h.keyBinary, at + 32);
    head.set(h.ownerSeed, at + 65);
    at += 97;
    head.writeBigUInt64BE(BigInt(`0x${h.location}`), at);
    head.writeInt32BE(h.gain, at + 8);
    head.writeInt32BE(h.elevation, at + 12);
    head.writeUInt32BE(corpus.firstReport[i + 1]! - corpus.firstReport[i]!, at + 16);
    at += 20;
  }
  const lengths = Buffer.alloc(reports * 2);
  for (let r = 0; r < reports; r++) lengths.writeUInt16BE(corpus.offsets[r + 1]! - corpus.offsets[r]!, r * 2);
  const body = corpus.payloads.subarray(corpus.offsets[0], corpus.offsets[reports]);
  const chunks = [head, corpus.kinds, lengths, body];
  const digest = createHash('sha256');
  for (const c of chunks) digest.update(c);

  const tmp = `${path}.${process.pid}.tmp`;
  const file = await open(tmp, 'w', 0o600);
  try {
    for (const c of [...chunks, digest.digest()]) await file.write(c);
    await file.sync();
  } catch (err) {
    await file.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await file.close();
  await rename(tmp, path);
}

/** Reads a corpus file; SIM_CORPUS_INVALID (details.reason) when it is missing, foreign, truncated or altered. */
export async function readCorpus(path: string): Promise<Corpus> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (cause) {
    throw CorpusInvalid(`cannot read corpus ${path}: ${(cause as Error).message}`, { path, reason: 'unreadable' satisfies CorpusInvalidReason }, cause);
  }
  return decodeCorpus(buf, path);
}

function decodeCorpus(buf: Buffer, path: string): Corpus {
  const fail = (reason: CorpusInvalidReason, why: string) => CorpusInvalid(`${path} ${why}`, { path, reason });
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw fail('not_a_corpus', 'is not a Hexlight load corpus (no HXLCORP header)');
  let at = MAGIC.length;
  const need = (bytes: number): number => {
    if (at + bytes > buf.length - DIGEST_BYTES) throw fail('truncated', `is truncated: ${buf.length} bytes, but its header describes more`);
    const start = at;
    at += bytes;
    return start;
  };
  const version = buf.readUInt16BE(need(4));
  if (version !== VERSION) throw fail('unsupported_version', `is corpus format version ${version}; this simulator reads version ${VERSION}`);
  const seed = Number(buf.readBigInt64BE(need(8)));
  const startMs = Number(buf.readBigInt64BE(need(8)));
  const witnessesPerBeacon = buf.readUInt32BE(need(4));
  const n = buf.readUInt32BE(need(4));
  const reports = buf.readUInt32BE(need(4));
  if (n < 1 || n > MAX_CORPUS_HOTSPOTS || reports > MAX_CORPUS_REPORTS) throw fail('corrupted', `declares ${n} hotspots and ${reports} reports, outside the limits`);
  const ascii = (): string => {
    const len = buf.readUInt8(need(1));
    return buf.toString('latin1', need(len), at);
  };
  const region = ascii();
  const city = ascii();
  if (!isRegionName(region)) throw fail('corrupted', `names an unknown region ${JSON.stringify(region)}`);

  const table = need(n * HOTSPOT_BYTES);
  const kindsAt = need(reports);
  const lengthsAt = need(reports * 2);
  const firstReport = new Uint32Array(n + 1);
  for (let h = 0; h < n; h++) firstReport[h + 1] = firstReport[h]! + buf.readUInt32BE(table + h * HOTSPOT_BYTES + 113);
  if (firstReport[n] !== reports) throw fail('corrupted', `has per-hotspot report counts summing to ${firstReport[n]}, not ${reports}`);
  const offsets = new Uint32Array(reports + 1);
  for (let r = 0; r < reports; r++) {
    const len = buf.readUInt16BE(lengthsAt + r * 2);
    if (len === 0 || len > MAX_REPORT_BYTES) throw fail('corrupted', `has a report of ${len} bytes`);
    offsets[r + 1] = offsets[r]! + len;
  }
  const bodyAt = need(offsets[reports]!);
  if (at !== buf.length - DIGEST_BYTES) throw fail('corrupted', `has ${buf.length - DIGEST_BYTES - at} bytes after the reports`);
  const digest = createHash('sha256').update(buf.subarray(0, at)).digest();
  if (!digest.equals(buf.subarray(at))) throw fail('corrupted', 'does not match its checksum (altered or damaged)');

  const kinds = new Uint8Array(buf.buffer, buf.byteOffset + kindsAt, reports);
  if (kinds.some((k) => k >= CORPUS_KINDS.length)) throw fail('corrupted', 'has a report of unknown kind');
  const hotspots = Array.from({ length: n }, (_, h) => {
    const o = table + h * HOTSPOT_BYTES;
    const bytes = (from: number, len: number) => new Uint8Array(buf.subarray(o + from, o + from + len));
    return new CorpusHotspot(
      h, bytes(0, 32), bytes(65, 32), bytes(32, 33),
      buf.readBigUInt64BE(o + 97).toString(16).padStart(15, '0'), buf.readInt32BE(o + 105), buf.readInt32BE(o + 109),
    );
  });
  const payloads = new Uint8Array(buf.buffer, buf.byteOffset + bodyAt, offsets[reports]!);
  return { seed, startMs, witnessesPerBeacon, city, region, hotspots, firstReport, kinds, offsets, payloads };
}
