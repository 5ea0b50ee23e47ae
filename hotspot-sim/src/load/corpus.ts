import { createHash } from 'node:crypto';
import { hotspotKeyFromSeed, keyBinaryToAddress, solanaWalletFromSeed, type HotspotKey, type RegionName, type SolanaWallet } from '@hexlight/protocol';
import { defineError } from '@hexlight/kit';
import { HOTSPOTS_PER_OWNER } from '../roster.ts';

// A load corpus: N hotspots (keys, owners, asserted sites) and every signed report each will
// publish, kept as flat columns so it is cheap to write, read and hand to a publisher thread.

export const LoadOptionsInvalid = defineError('SIM_LOAD_OPTIONS_INVALID', 'invalid load-mode option', { httpStatus: 400 });

/** Report kinds by their index in `Corpus.kinds` (the topic leaf each is published on). */
export const CORPUS_KINDS = ['beacon', 'witness', 'packet'] as const;
export type CorpusKind = (typeof CORPUS_KINDS)[number];
export const BEACON = 0;
export const WITNESS = 1;
/** `packet` reports: `generateCorpus` signs none; the packet benchmark builds corpora of them. */
export const PACKET = 2;

export const MAX_CORPUS_HOTSPOTS = 100_000;
/** ≈ 190 bytes a report: 5 M reports are ≈ 1 GB in memory and on disk. */
export const MAX_CORPUS_REPORTS = 5_000_000;

/**
 * One hotspot of a corpus. The key pair and the owner wallet are derived from their seeds on
 * first use (≈ 0.3 ms each with node:crypto): a replay only needs the address and the key binary.
 */
export class CorpusHotspot {
  readonly address: string;
  private keyMemo: HotspotKey | undefined;
  private ownerMemo: SolanaWallet | undefined;

  constructor(
    readonly index: number,
    readonly keySeed: Uint8Array,
    readonly ownerSeed: Uint8Array,
    /** 33 bytes: tag ‖ public key, what every report's pub_key holds. */
    readonly keyBinary: Uint8Array,
    /** Asserted H3 res-12 cell, lower-case hex. */
    readonly location: string,
    /** dBi × 10 */
    readonly gain: number,
    /** m */
    readonly elevation: number,
  ) {
    this.address = keyBinaryToAddress(keyBinary);
  }

  get key(): HotspotKey {
    return (this.keyMemo ??= hotspotKeyFromSeed(this.keySeed));
  }

  get owner(): SolanaWallet {
    return (this.ownerMemo ??= solanaWalletFromSeed(this.ownerSeed));
  }
}

export interface Corpus {
  /** Fixes keys, owners, sites and every report byte. */
  readonly seed: number;
  /** Hotspot clock of the first round, ms (round r's entropy has timestamp ⌊startMs / 1000⌋ + 60 r). */
  readonly startMs: number;
  /** Each hotspot's reports are rounds of one beacon and this many witnesses. */
  readonly witnessesPerBeacon: number;
  readonly city: string;
  readonly region: RegionName;
  readonly hotspots: readonly CorpusHotspot[];
  /** Hotspot h publishes reports firstReport[h] ≤ r < firstReport[h + 1]; length hotspots + 1. */
  readonly firstReport: Uint32Array;
  /** Per report, an index into CORPUS_KINDS. */
  readonly kinds: Uint8Array;
  /** Report r's payload is payloads[offsets[r], offsets[r + 1]); length reports + 1. */
  readonly offsets: Uint32Array;
  readonly payloads: Uint8Array;
}

export function corpusSize(corpus: Corpus): number {
  return corpus.kinds.length;
}

/** Report r: who publishes it, on which leaf, and the exact signed bytes. */
export function corpusReport(corpus: Corpus, r: number): { hotspot: number; kind: CorpusKind; payload: Uint8Array } {
  if (!Number.isInteger(r) || r < 0 || r >= corpus.kinds.length) throw new RangeError(`report ${r} is not in a corpus of ${corpus.kinds.length}`);
  let lo = 0;
  let hi = corpus.hotspots.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (corpus.firstReport[mid]! <= r) lo = mid;
    else hi = mid - 1;
  }
  return { hotspot: lo, kind: CORPUS_KINDS[corpus.kinds[r]!]!, payload: corpus.payloads.subarray(corpus.offsets[r]!, corpus.offsets[r + 1]!) };
}

function seed32(...parts: (string | number)[]): Uint8Array {
  const d = createHash('sha256').update(['hexlight-sim', 'v1', ...parts].join(':')).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Keys apart from the fleet's (`…:hotspot:…`), so a load run never takes over a demo hotspot's session. */
export function loadHotspotSeed(seed: number, index: number): Uint8Array {
  return seed32('load-hotspot', seed, index);
}

export function loadOwnerSeed(seed: number, index: number): Uint8Array {
  return seed32('load-owner', seed, Math.floor(index / HOTSPOTS_PER_OWNER));
}

/** Integer in [min, max] or LoadOptionsInvalid naming the option. */
export function requireInt(name: string, value: unknown, min: number, max: number, why = ''): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw LoadOptionsInvalid(`${name}=${JSON.stringify(value)} must be an integer in [${min}, ${max}]${why ? ` (${why})` : ''}`, { option: name });
  }
  return value;
}
