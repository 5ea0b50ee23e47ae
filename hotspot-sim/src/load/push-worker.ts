// Worker thread of pushCorpus: holds the MQTT connections and publishes the corpus as fast as the
// broker acknowledges, so the load generator's CPU is apart from the caller's event loop (which
// may be the system under test, as in the ingest benchmark).
//
// Each connection is a slot that takes the next hotspot from a shared queue and publishes that
// hotspot's reports with at most `window` unacknowledged. As a hotspot a slot must be that hotspot
// (wire.md §2), so it reconnects with the next hotspot's key; a service user or an anonymous
// client keeps its connection and publishes for whichever hotspot comes next.
import { parentPort, workerData } from 'node:worker_threads';
import mqtt, { type MqttClient } from 'mqtt';
import { hotspotKeyFromSeed, makeConnectPassword } from '@hexlight/protocol';
import { redact } from '../link.ts';
import { CORPUS_KINDS } from './corpus.ts';

export type PushAuth = 'hotspot' | 'anonymous' | { username: string; password: string };

export interface PushJob {
  url: string;
  auth: PushAuth;
  /** '' or 'prefix/' before `hotspot/<address>/<kind>`. */
  topicPrefix: string;
  clientIdPrefix: string;
  window: number;
  qos: 0 | 1;
  connections: number;
  connectConcurrency: number;
  connectTimeoutMs: number;
  progressIntervalMs: number;
  watchRejections: boolean;
  addresses: string[];
  /** Hotspot key seeds, for connect tokens ('hotspot' auth only). */
  keySeeds: Uint8Array[];
  firstReport: Uint32Array;
  kinds: Uint8Array;
  offsets: Uint32Array;
  payloads: Uint8Array;
}

export interface PushCounts {
  published: number;
  acked: number;
  /** Reports without an acknowledgement: the publish failed, the connection dropped, or it could not be sent. */
  errors: number;
  inFlight: number;
  rejected: number;
}

export type PushMessage =
  | { type: 'connected'; connected: number; of: number }
  | ({ type: 'progress' } & PushCounts)
  | { type: 'failed'; message: string; address: string | undefined }
  | ({ type: 'done'; seconds: number; rejections: Record<string, number>; latencies: Float64Array; ackAt: Float64Array } & PushCounts);

interface Slot {
  client: MqttClient | null;
  /** The hotspot it is connected as ('hotspot' auth). */
  address: string | null;
  lost: boolean;
}

const job = workerData as PushJob;
const port = parentPort!;
const post = (m: PushMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const total = job.kinds.length;
const n = job.addresses.length;
const topics = job.addresses.map((a) => CORPUS_KINDS.map((k) => `${job.topicPrefix}hotspot/${a}/${k}`));
const counts: PushCounts = { published: 0, acked: 0, errors: 0, inFlight: 0, rejected: 0 };
const rejections: Record<string, number> = {};
const latencies = new Float64Array(total);
const ackAt = new Float64Array(total);
let nextHotspot = 0;

function take(): number | undefined {
  return nextHotspot < n ? nextHotspot++ : undefined;
}

function reportsOf(h: number): number {
  return job.firstReport[h + 1]! - job.firstReport[h]!;
}

function connect(clientId: string, username?: string, password?: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(job.url, {
      clientId, username, password, protocolVersion: 4, reconnectPeriod: 0, clean: true, keepalive: 120, connectTimeout: job.connectTimeoutMs,
    });
    // mqtt.js may emit several errors (a refused CONNACK, then the socket); an unheard one would throw.
    client.on('error', () => {});
    const off = () => {
      client.off('error', fail);
      client.off('close', closed);
      client.off('connect', ready);
    };
    const fail = (err: Error) => {
      off();
      client.end(true);
      reject(err);
    };
    const closed = () => fail(new Error(`closed before CONNACK (nothing listening, or no answer within ${job.connectTimeoutMs} ms)`));
    const ready = () => {
      off();
      // Later errors end in 'close', which the publisher handles.
      if (job.watchRejections) client.on('message', onRejection);
      resolve(client);
    };
    client.once('error', fail);
    client.once('close', closed);
    client.once('connect', ready);
  });
}

function onRejection(topic: string, payload: Buffer): void {
  if (!topic.endsWith('/rejected')) return;
  counts.rejected++;
  let reason = 'unknown';
  try {
    reason = String((JSON.parse(payload.toString('utf8')) as { reason?: unknown }).reason ?? reason);
  } catch {
    // counted under 'unknown'
  }
  rejections[reason] = (rejections[reason] ?? 0) + 1;
}

/** Connects `slot` so it may publish hotspot `h`'s reports. */
async function open(slot: Slot, h: number, index: number): Promise<void> {
  const hotspot = job.auth === 'hotspot';
  const address = job.addresses[h]!;
  const user: { username?: string; password?: string } = job.auth === 'hotspot' || job.auth === 'anonymous' ? {} : job.auth;
  const client = hotspot
    ? await connect(address, address, makeConnectPassword(hotspotKeyFromSeed(job.keySeeds[h]!), Math.floor(Date.now() / 1000)))
    : await connect(`${job.clientIdPrefix}-${index}`, user.username, user.password);
  slot.client = client;
  slot.address = hotspot ? address : null;
  slot.lost = false;
  client.once('close', () => {
    if (slot.client === client) slot.lost = true;
  });
  // The ingest answers refusals on hotspot/<address>/rejected: each hotspot watches its own; a service user's first connection watches them all.
  if (job.watchRejections && hotspot) await client.subscribeAsync(`hotspot/${address}/rejected`, { qos: 0 });
  if (job.watchRejections && !hotspot && index === 0 && job.auth !== 'anonymous') await client.subscribeAsync('hotspot/+/rejected', { qos: 0 });
}

async function close(slot: Slot): Promise<void> {
  const client = slot.client;
  if (!client) return;
  slot.client = null;
  slot.address = null;
  await new Promise<void>((resolve) => {
    // A graceful end waits for the DISCONNECT to be written; a broker that stopped reading must not hold the run.
    const force = setTimeout(() => client.end(true, () => resolve()), 5_000);
    client.end(slot.lost, () => {
      clearTimeout(force);
      resolve();
    });
  });
}

function needsConnection(slot: Slot, h: number): boolean {
  return !slot.client || slot.lost || (job.auth === 'hotspot' && slot.address !== job.addresses[h]);
}

/** Publishes hotspot `h`'s reports with at most `window` unacknowledged; settles when each is acked or failed. */
function publishHotspot(slot: Slot, h: number): Promise<void> {
  const client = slot.client!;
  const end = job.firstReport[h + 1]!;
  let next = job.firstReport[h]!;
  let pending = 0;
  const outstanding = new Set<(err: Error) => void>();
  return new Promise<void>((resolve) => {
    const finishIfDone = () => {
      if (pending === 0 && next >= end) {
        client.off('close', onClose);
        resolve();
      }
    };
    const send = () => {
      while (pending < job.window && next < end && !slot.lost) {
        const r = next++;
        const at = performance.now();
        let settled = false;
        const settle = (err: Error | undefined) => {
          if (settled) return;
          settled = true;
          outstanding.delete(settle);
          pending--;
          counts.inFlight--;
          if (err) counts.errors++;
          else {
            const now = performance.now();
            const k = counts.acked++;
            latencies[k] = now - at;
            ackAt[k] = now;
          }
          send();
          finishIfDone();
        };
        pending++;
        counts.inFlight++;
        counts.published++;
        outstanding.add(settle);
        const payload = Buffer.from(job.payloads.buffer, job.payloads.byteOffset + job.offsets[r]!, job.offsets[r + 1]! - job.offsets[r]!);
        client.publish(topics[h]![job.kinds[r]!]!, payload, { qos: job.qos }, (err) => settle(err ?? undefined));
      }
    };
    // A dropped connection never acknowledges what it holds: count it, and what was not sent, as errors.
    const onClose = () => {
      slot.lost = true;
      counts.errors += end - next;
      next = end;
      const lost = new Error('connection lost');
      for (const settle of [...outstanding]) settle(lost);
      finishIfDone();
    };
    client.on('close', onClose);
    if (slot.lost) onClose();
    else send();
    finishIfDone();
  });
}

async function runSlot(slot: Slot, index: number, first: number | undefined): Promise<void> {
  for (let h = first; h !== undefined; h = take()) {
    if (needsConnection(slot, h)) {
      await close(slot);
      try {
        await open(slot, h, index);
      } catch {
        counts.errors += reportsOf(h);
        continue;
      }
    }
    await publishHotspot(slot, h);
  }
}

/** Opens every slot before the first publish, so the measured run starts with all connections up. */
async function openAll(slots: Slot[]): Promise<(number | undefined)[]> {
  const firsts = slots.map(() => take());
  let connected = 0;
  let nextSlot = 0;
  let failure: { message: string; address: string | undefined } | null = null;
  const opener = async () => {
    while (!failure && nextSlot < slots.length) {
      const i = nextSlot++;
      try {
        await open(slots[i]!, firsts[i]!, i);
      } catch (err) {
        const address = job.auth === 'hotspot' ? job.addresses[firsts[i]!] : undefined;
        failure ??= { message: `${address ?? `connection ${i}`} could not connect to ${redact(job.url)}: ${(err as Error).message}`, address };
        return;
      }
      connected++;
      if (connected % 50 === 0 || connected === slots.length) post({ type: 'connected', connected, of: slots.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.connectConcurrency, slots.length) }, opener));
  if (failure) throw Object.assign(new Error((failure as { message: string }).message), failure);
  return firsts;
}

async function main(): Promise<void> {
  const slots: Slot[] = Array.from({ length: job.connections }, () => ({ client: null, address: null, lost: false }));
  let firsts: (number | undefined)[];
  try {
    firsts = await openAll(slots);
  } catch (err) {
    await Promise.all(slots.map((s) => close(s)));
    const address = job.auth === 'hotspot' ? (err as { address?: string }).address : undefined;
    post({ type: 'failed', message: (err as Error).message, address });
    return;
  }
  const t0 = performance.now();
  const ticker = setInterval(() => post({ type: 'progress', ...counts }), job.progressIntervalMs);
  await Promise.all(slots.map((slot, i) => runSlot(slot, i, firsts[i])));
  clearInterval(ticker);
  const seconds = (performance.now() - t0) / 1000;
  // Closed only now: a service user's refusal watcher is slot 0, and other slots may finish later.
  await Promise.all(slots.map((s) => close(s)));
  const lat = latencies.slice(0, counts.acked);
  const at = ackAt.slice(0, counts.acked);
  post({ type: 'done', ...counts, seconds, rejections, latencies: lat, ackAt: at }, [lat.buffer, at.buffer]);
}

main().catch((err: Error) => post({ type: 'failed', message: err.stack ?? err.message, address: undefined }));
