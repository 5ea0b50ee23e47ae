import { availableParallelism } from 'node:os';
import { startTsWorker } from '@hexlight/kit';
import { drawAntenna } from '../antenna.ts';
import { cityPreset } from '../cities.ts';
import { placeHotspots } from '../placement.ts';
import { createRng } from '../rng.ts';
import {
  CorpusHotspot, loadHotspotSeed, loadOwnerSeed, requireInt, LoadOptionsInvalid, MAX_CORPUS_HOTSPOTS, MAX_CORPUS_REPORTS, type Corpus,
} from './corpus.ts';
import type { CorpusPlan } from './sign.ts';
import type { SignJob, SignMessage } from './sign-worker.ts';

export interface GenerateOptions {
  hotspots: number;
  /** Reports per hotspot. */
  perHotspot: number;
  /** Default 1. */
  seed?: number;
  /** City preset the hotspots are placed (and asserted) in; sets the region. Default lisbon. */
  city?: string;
  /** Witnesses after each beacon; default 10 (one beacon in eleven reports, as a busy network sees). */
  witnessesPerBeacon?: number;
  /** Hotspot clock of the first report, ms; default CORPUS_START_MS, so a seed always gives the same bytes. */
  startMs?: number;
  /** Signing threads; default the machine's cores. The bytes do not depend on it. */
  workers?: number;
  /** Called as threads report (every 1,000 reports per thread). */
  onProgress?: (signed: number, total: number) => void;
}

/** 2025-01-01T00:00:00Z. Hotspot clocks are data, never trusted (wire.md §5), so a fixed start is fine. */
export const CORPUS_START_MS = Date.UTC(2025, 0, 1);

/**
 * A deterministic corpus: hotspots placed in `city` with the fleet's placement and antenna draws,
 * keys and owners from the seed, and `perHotspot` signed reports each, signed in worker threads.
 */
export async function generateCorpus(opts: GenerateOptions): Promise<Corpus> {
  const hotspots = requireInt('hotspots', opts.hotspots, 1, MAX_CORPUS_HOTSPOTS);
  const perHotspot = requireInt('perHotspot', opts.perHotspot, 1, MAX_CORPUS_REPORTS);
  const seed = requireInt('seed', opts.seed ?? 1, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const witnessesPerBeacon = requireInt('witnessesPerBeacon', opts.witnessesPerBeacon ?? 10, 0, 1_000);
  const startMs = requireInt('startMs', opts.startMs ?? CORPUS_START_MS, 0, 4_102_444_800_000);
  const total = hotspots * perHotspot;
  if (total > MAX_CORPUS_REPORTS) {
    throw LoadOptionsInvalid(`hotspots × perHotspot = ${total} is above ${MAX_CORPUS_REPORTS} reports (≈ 190 bytes each, all held in memory)`, { option: 'perHotspot' });
  }
  const city = cityPreset(opts.city ?? 'lisbon');
  const workers = Math.min(hotspots, requireInt('workers', opts.workers ?? availableParallelism(), 1, 64));

  const sites = placeHotspots(city, hotspots, seed);
  const antennaRng = createRng(seed).fork('load-antenna', city.name);
  const antennas = sites.map(() => drawAntenna(antennaRng));
  const plan: CorpusPlan = { seed, region: city.region, perHotspot, witnessesPerBeacon, startMs, gains: Int32Array.from(antennas, (a) => a.gain) };

  const ranges = Array.from({ length: workers }, (_, w) => ({ from: Math.floor((w * hotspots) / workers), to: Math.floor(((w + 1) * hotspots) / workers) }));
  const signedBy = new Array<number>(workers).fill(0);
  const threads = ranges.map(({ from, to }) => startTsWorker(new URL('./sign-worker.ts', import.meta.url), { workerData: { plan, from, to } satisfies SignJob }));
  let parts: Extract<SignMessage, { type: 'done' }>[];
  try {
    parts = await Promise.all(threads.map((thread, w) => new Promise<Extract<SignMessage, { type: 'done' }>>((resolve, reject) => {
      thread.on('message', (m: SignMessage) => {
        if (m.type === 'progress') {
          signedBy[w] = m.signed;
          opts.onProgress?.(signedBy.reduce((a, b) => a + b, 0), total);
        } else resolve(m);
      });
      thread.once('error', reject);
      thread.once('exit', (code) => reject(new Error(`corpus signing thread exited with code ${code}`)));
    })));
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
  opts.onProgress?.(total, total);

  const keyBinaries = new Uint8Array(Buffer.concat(parts.map((p) => p.keyBinaries)));
  const hotspotList = sites.map((site, i) => new CorpusHotspot(
    i, loadHotspotSeed(seed, i), loadOwnerSeed(seed, i), keyBinaries.slice(i * 33, (i + 1) * 33), site.cell, antennas[i]!.gain, antennas[i]!.elevation,
  ));
  const kinds = new Uint8Array(total);
  const offsets = new Uint32Array(total + 1);
  const bytes = parts.reduce((a, p) => a + p.payloads.length, 0);
  const payloads = new Uint8Array(bytes);
  let r = 0;
  let at = 0;
  for (const part of parts) {
    kinds.set(part.kinds, r);
    payloads.set(part.payloads, at);
    for (const len of part.lengths) {
      offsets[r++] = at;
      at += len;
    }
  }
  offsets[total] = at;
  const firstReport = Uint32Array.from({ length: hotspots + 1 }, (_, h) => h * perHotspot);
  return { seed, startMs, witnessesPerBeacon, city: city.name, region: city.region, hotspots: hotspotList, firstReport, kinds, offsets, payloads };
}
