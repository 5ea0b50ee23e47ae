// Signing worker for `bench packets`: signs the packet reports of hotspots [from, to) and sends
// them back as one buffer plus lengths (transferred, not copied).
import { parentPort, workerData } from 'node:worker_threads';
import { encodeSignedReport, hotspotKeyFromSeed } from '@hexlight/protocol';

export interface PacketSignJob {
  from: number;
  to: number;
  /** Key seeds of every hotspot (indexed by hotspot). */
  seeds: Uint8Array[];
  /** Hotspot h's reports are [firstReport[h], firstReport[h + 1]). */
  firstReport: Uint32Array;
  /** Per report: the uplink it carries, and how the hotspot heard it. */
  uplink: Uint32Array;
  rssi: Int16Array;
  snr: Float32Array;
  /** Uplink u's PHYPayload is phys[phyOffsets[u], phyOffsets[u + 1]). */
  phyOffsets: Uint32Array;
  phys: Uint8Array;
  frequency: number;
  datarate: number;
  region: number;
  /** Hotspot clock of the first uplink, ms. */
  startMs: number;
}

export type PacketSignMessage = { type: 'progress'; signed: number } | { type: 'done'; payloads: Uint8Array; lengths: Uint16Array };

const job = workerData as PacketSignJob;
const first = job.firstReport[job.from]!;
const count = job.firstReport[job.to]! - first;
const lengths = new Uint16Array(count);
let out = new Uint8Array(Math.max(1024, count * 200));
let used = 0;
for (let h = job.from; h < job.to; h++) {
  const key = hotspotKeyFromSeed(job.seeds[h]!);
  for (let r = job.firstReport[h]!; r < job.firstReport[h + 1]!; r++) {
    const u = job.uplink[r]!;
    const { payload } = encodeSignedReport('packet', {
      payload: job.phys.subarray(job.phyOffsets[u]!, job.phyOffsets[u + 1]!), timestamp: BigInt(job.startMs + u * 10 + (h % 7)),
      rssi: job.rssi[r]!, frequency: job.frequency, datarate: job.datarate, snr: job.snr[r]!, region: job.region, gateway: key.keyBinary,
    }, key.privateKey);
    if (used + payload.byteLength > out.byteLength) {
      const bigger = new Uint8Array(out.byteLength * 2);
      bigger.set(out.subarray(0, used));
      out = bigger;
    }
    out.set(payload, used);
    used += payload.byteLength;
    lengths[r - first] = payload.byteLength;
    if ((r - first + 1) % 2000 === 0) parentPort!.postMessage({ type: 'progress', signed: r - first + 1 } satisfies PacketSignMessage);
  }
}
const payloads = out.slice(0, used);
parentPort!.postMessage({ type: 'done', payloads, lengths } satisfies PacketSignMessage, [payloads.buffer, lengths.buffer]);
