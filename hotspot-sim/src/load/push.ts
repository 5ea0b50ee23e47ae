import { startTsWorker } from '@hexlight/kit';
import { mapLimit } from '../concurrency.ts';
import { MqttConnectFailed } from '../link.ts';
import { createRegistryClient } from '../registry-client.ts';
import { LoadOptionsInvalid, requireInt, type Corpus } from './corpus.ts';
import { ackFigures } from './stats.ts';
import type { PushAuth, PushCounts, PushJob, PushMessage } from './push-worker.ts';

export type { PushAuth } from './push-worker.ts';

export interface PushOptions {
  /** Broker URL. Credentials in it (`mqtt://user:pass@host`) make the connections an operator service user. */
  mqttUrl: string;
  /** Registry API: onboard and assert every corpus hotspot first (existing ones are reasserted). */
  apiUrl?: string;
  /** Concurrent connections; default (and at most) one per hotspot. */
  connections?: number;
  /** Unacknowledged reports per connection; default 4. */
  window?: number;
  /** Default 1 (PUBACK after the ingest's commit). */
  qos?: 0 | 1;
  /**
   * 'hotspot': each connection is a hotspot with its connect token (wire.md §2) and reconnects as
   * the next one. A service user (`{username, password}`, the default when the URL has
   * credentials) publishes for any hotspot on long-lived connections. 'anonymous': no credentials,
   * for a plain broker (the benchmark's Mosquitto baseline).
   */
  auth?: PushAuth;
  /** Publish under `<prefix>/hotspot/…` (a baseline on a shared broker). */
  topicPrefix?: string;
  /** Count refusals on `hotspot/<address>/rejected`; default true unless anonymous. */
  watchRejections?: boolean;
  /** Connections opened at once; default 50. */
  connectConcurrency?: number;
  /** How often progress is reported; default 250 ms. */
  progressIntervalMs?: number;
  onProgress?: (progress: PushProgress) => void;
}

export type PushProgress =
  | { phase: 'onboarding'; done: number; total: number }
  | { phase: 'connecting'; done: number; total: number }
  | ({ phase: 'publishing'; total: number; ratePerS: number } & PushCounts);

export interface PushResult {
  reports: number;
  connections: number;
  published: number;
  acked: number;
  /** Reports without an acknowledgement: publish failed, connection dropped, or never sent. */
  errors: number;
  /** Refusals the ingest answered on `hotspot/<address>/rejected` (acknowledged, not stored), by reason. */
  rejected: number;
  rejections: Record<string, number>;
  /** First publish to the last acknowledgement. */
  seconds: number;
  /** acked / seconds. */
  ratePerS: number;
  /** Acknowledgements per second between the 10th and the 90th percentile of ack times. */
  sustainedPerS: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Set when `apiUrl` was given. */
  onboarded?: { created: number; existing: number };
}

/** Progress reports the rate over about this span. */
const RATE_SPAN_MS = 1_000;

/** Registry calls in flight while onboarding (as the fleet). */
export const ONBOARD_CONCURRENCY = 16;

/** Onboards and asserts every corpus hotspot through the registry API; a hotspot already onboarded is reasserted. */
export async function onboardCorpus(corpus: Corpus, apiUrl: string, onProgress?: (done: number, total: number) => void): Promise<{ created: number; existing: number }> {
  const registry = createRegistryClient(apiUrl);
  let created = 0;
  let done = 0;
  const nonce = Date.now();
  await mapLimit(corpus.hotspots, ONBOARD_CONCURRENCY, async (h) => {
    if ((await registry.onboard(h.key, h.owner, Math.floor(Date.now() / 1000))) === 'created') created++;
    await registry.assert(h.key.address, h.owner, {
      nonce, location: h.location, region: corpus.region, gain: h.gain, elevation: h.elevation, capability: 'full',
    });
    onProgress?.(++done, corpus.hotspots.length);
  });
  return { created, existing: corpus.hotspots.length - created };
}

/**
 * Publishes every report of `corpus` at maximum rate: `connections` connections, each with at most
 * `window` reports unacknowledged, from a worker thread. Resolves when every report is
 * acknowledged or failed; throws SIM_MQTT_CONNECT_FAILED if a connection cannot be opened at the
 * start, SIM_REGISTRY_REQUEST_FAILED if onboarding fails.
 */
export async function pushCorpus(corpus: Corpus, opts: PushOptions): Promise<PushResult> {
  const { url, credentials } = splitCredentials(opts.mqttUrl);
  const n = corpus.hotspots.length;
  const connections = Math.min(n, requireInt('connections', opts.connections ?? n, 1, 100_000));
  const window = requireInt('window', opts.window ?? 4, 1, 65_535, 'unacknowledged reports per connection');
  const qos = opts.qos ?? 1;
  if (qos !== 0 && qos !== 1) throw LoadOptionsInvalid(`qos=${JSON.stringify(qos)} must be 0 or 1`, { option: 'qos' });
  const auth = opts.auth ?? credentials ?? 'hotspot';
  const total = corpus.kinds.length;

  const onboarded = opts.apiUrl ? await onboardCorpus(corpus, opts.apiUrl, (done, of) => opts.onProgress?.({ phase: 'onboarding', done, total: of })) : undefined;

  const job: PushJob = {
    url, auth, qos, window, connections,
    topicPrefix: opts.topicPrefix ? `${opts.topicPrefix.replace(/\/+$/, '')}/` : '',
    clientIdPrefix: `hexlight-load-${process.pid}-${Date.now().toString(36)}`,
    connectConcurrency: requireInt('connectConcurrency', opts.connectConcurrency ?? 50, 1, 10_000),
    connectTimeoutMs: 30_000,
    progressIntervalMs: requireInt('progressIntervalMs', opts.progressIntervalMs ?? 250, 10, 60_000),
    watchRejections: opts.watchRejections ?? auth !== 'anonymous',
    addresses: corpus.hotspots.map((h) => h.address),
    keySeeds: auth === 'hotspot' ? corpus.hotspots.map((h) => h.keySeed) : [],
    firstReport: corpus.firstReport, kinds: corpus.kinds, offsets: corpus.offsets, payloads: corpus.payloads,
  };
  const worker = startTsWorker(new URL('./push-worker.ts', import.meta.url), { workerData: job });
  try {
    const done = await new Promise<Extract<PushMessage, { type: 'done' }>>((resolve, reject) => {
      // The rate over the last second or so: one progress interval alone is too jumpy to read.
      const recent: { at: number; acked: number }[] = [{ at: performance.now(), acked: 0 }];
      worker.on('message', (m: PushMessage) => {
        if (m.type === 'connected') opts.onProgress?.({ phase: 'connecting', done: m.connected, total: m.of });
        else if (m.type === 'progress') {
          const now = performance.now();
          while (recent.length > 1 && now - recent[1]!.at >= RATE_SPAN_MS) recent.shift();
          const ratePerS = ((m.acked - recent[0]!.acked) * 1000) / Math.max(1, now - recent[0]!.at);
          recent.push({ at: now, acked: m.acked });
          const { type: _, ...counts } = m;
          opts.onProgress?.({ phase: 'publishing', total, ratePerS, ...counts });
        } else if (m.type === 'failed') {
          reject(MqttConnectFailed(m.message, m.address ? { address: m.address } : undefined));
        } else resolve(m);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`load publisher thread exited with code ${code}`)));
    });
    const { latencyMs, sustainedPerS } = ackFigures(done.latencies, done.ackAt);
    return {
      reports: total, connections, published: done.published, acked: done.acked, errors: done.errors,
      rejected: done.rejected, rejections: done.rejections, seconds: done.seconds,
      ratePerS: done.seconds > 0 ? done.acked / done.seconds : 0, sustainedPerS, latencyMs,
      ...(onboarded ? { onboarded } : {}),
    };
  } finally {
    await worker.terminate();
  }
}

/** The URL without user and password, and those as service-user credentials if present. */
function splitCredentials(mqttUrl: string): { url: string; credentials: { username: string; password: string } | undefined } {
  let u: URL;
  try {
    u = new URL(mqttUrl);
  } catch {
    throw LoadOptionsInvalid(`mqttUrl=${JSON.stringify(mqttUrl)} is not a URL`, { option: 'mqttUrl' });
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ws:', 'wss:'].includes(u.protocol)) {
    throw LoadOptionsInvalid(`mqttUrl=${JSON.stringify(`${u.protocol}//${u.host}`)} must be an mqtt://, mqtts://, tcp://, tls://, ws:// or wss:// URL`, { option: 'mqttUrl' });
  }
  if (!u.username) return { url: mqttUrl, credentials: undefined };
  const credentials = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  u.username = '';
  u.password = '';
  return { url: u.toString(), credentials };
}
