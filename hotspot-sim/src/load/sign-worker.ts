// Worker thread of generateCorpus: signs the reports of hotspots [from, to) and sends them back
// with the hotspots' key binaries, as columns (kinds, lengths, payload bytes) whose buffers are transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import { hotspotKeyFromSeed } from '@hexlight/protocol';
import { loadHotspotSeed } from './corpus.ts';
import { BeaconCache, signHotspotReports, type CorpusPlan } from './sign.ts';

export interface SignJob {
  plan: CorpusPlan;
  from: number;
  to: number;
}

export type SignMessage =
  | { type: 'progress'; signed: number }
  | { type: 'done'; keyBinaries: Uint8Array; kinds: Uint8Array; lengths: Uint16Array; payloads: Uint8Array };

/** Progress is posted about this often (reports). */
const PROGRESS_EVERY = 1_000;

const { plan, from, to } = workerData as SignJob;
const port = parentPort!;
const count = (to - from) * plan.perHotspot;
const kinds = new Uint8Array(count);
const lengths = new Uint16Array(count);
let payloads = new Uint8Array(Math.max(1024, count * 160));
let used = 0;
let signed = 0;
const beacons = new BeaconCache(plan);
/** 33 bytes per hotspot: the main thread needs addresses, and deriving a key pair is the slow part. */
const keyBinaries = new Uint8Array((to - from) * 33);

for (let h = from; h < to; h++) {
  const key = hotspotKeyFromSeed(loadHotspotSeed(plan.seed, h));
  keyBinaries.set(key.keyBinary, (h - from) * 33);
  signHotspotReports(plan, h, key, (kind, payload) => {
    if (used + payload.length > payloads.length) {
      const grown = new Uint8Array(Math.max(payloads.length * 2, used + payload.length));
      grown.set(payloads.subarray(0, used));
      payloads = grown;
    }
    payloads.set(payload, used);
    used += payload.length;
    kinds[signed] = kind;
    lengths[signed] = payload.length;
    signed++;
    if (signed % PROGRESS_EVERY === 0) port.postMessage({ type: 'progress', signed } satisfies SignMessage);
  }, beacons);
}
const out = payloads.slice(0, used);
port.postMessage({ type: 'done', keyBinaries, kinds, lengths, payloads: out } satisfies SignMessage, [keyBinaries.buffer, kinds.buffer, lengths.buffer, out.buffer]);
