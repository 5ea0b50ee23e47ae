// Load generator for `bench ingest`, in a worker thread so its CPU use is visible apart from
// the ingest event loop. Builds a pre-signed corpus, then drives N MQTT connections at QoS 1.
import { parentPort, workerData } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { benchSeed } from './keys.ts';
import { encodeSignedReport, hotspotKeyFromSeed, hotspotTopic, makeConnectPassword, type HotspotKey } from '@hexlight/protocol';

const { hotspots, perHotspot } = workerData as { hotspots: number; perHotspot: number };
const port = parentPort!;

const keys: HotspotKey[] = [];
const corpus: { topic: string; payload: Buffer }[][] = [];

function generate(): void {
  let made = 0;
  const start = Date.now();
  for (let h = 0; h < hotspots; h++) {
    const key = hotspotKeyFromSeed(benchSeed(h, 0x42));
    keys.push(key);
    const msgs: { topic: string; payload: Buffer }[] = [];
    for (let j = 0; j < perHotspot; j++) {
      // One beacon for every ten witnesses, as a busy network sees.
      const beacon = j % 11 === 0;
      const ts = BigInt(start + j) * 1_000_000n;
      const { payload } = beacon
        ? encodeSignedReport('beacon', {
          pubKey: key.keyBinary, localEntropy: randomBytes(4), remoteEntropy: randomBytes(32), data: randomBytes(51),
          frequency: 867_900_000, channel: 0, datarate: 0, txPower: 14, timestamp: ts, tmst: j,
        }, key.privateKey)
        : encodeSignedReport('witness', {
          pubKey: key.keyBinary, data: randomBytes(51), timestamp: ts, tmst: j, signal: -1100 - (j % 200),
          snr: 55 - (j % 100), frequency: 867_900_000, datarate: 0,
        }, key.privateKey);
      msgs.push({ topic: hotspotTopic(key.address, beacon ? 'beacon' : 'witness'), payload: Buffer.from(payload) });
      made++;
    }
    corpus.push(msgs);
    if (h % 20 === 0) port.postMessage({ type: 'progress', made });
  }
  port.postMessage({ type: 'generated', made, addresses: keys.map((k) => k.address), keyBinaries: keys.map((k) => k.keyBinary) });
}

async function drive(opts: { url: string; prefix: string; window: number; auth: 'hotspot' | 'none' }): Promise<void> {
  const clients: MqttClient[] = [];
  const nowS = Math.floor(Date.now() / 1000);
  for (let i = 0; i < keys.length; i += 50) {
    const batch = keys.slice(i, i + 50).map((key) => mqtt.connectAsync(opts.url, {
      clientId: opts.auth === 'hotspot' ? key.address : `bench-${opts.prefix}-${i}-${key.address.slice(0, 12)}`,
      ...(opts.auth === 'hotspot' ? { username: key.address, password: makeConnectPassword(key, nowS) } : {}),
      protocolVersion: 4, reconnectPeriod: 0, clean: true, keepalive: 120,
    }));
    clients.push(...(await Promise.all(batch)));
    port.postMessage({ type: 'connected', n: clients.length });
  }
  const total = corpus.reduce((a, c) => a + c.length, 0);
  const latencies = new Float64Array(total);
  const ackAt = new Float64Array(total);
  let acked = 0;
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    clients.forEach((client, ci) => {
      const msgs = corpus[ci]!;
      let sent = 0;
      const send = () => {
        if (sent >= msgs.length) return;
        const m = msgs[sent++]!;
        const topic = opts.prefix ? `${opts.prefix}/${m.topic}` : m.topic;
        const at = performance.now();
        client.publish(topic, m.payload, { qos: 1 }, (err) => {
          const k = next++;
          const now = performance.now();
          latencies[k] = now - at;
          ackAt[k] = now - t0;
          if (err) errors++;
          acked++;
          if (acked % 5000 === 0) port.postMessage({ type: 'acked', acked });
          if (acked === total) resolve();
          else send();
        });
      };
      for (let w = 0; w < opts.window; w++) send();
    });
  });
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  port.postMessage({ type: 'done', total, acked, errors, seconds, latencies, ackAt }, [latencies.buffer, ackAt.buffer]);
}

port.on('message', (msg: { cmd: string; url: string; prefix: string; window: number; auth: 'hotspot' | 'none' }) => {
  if (msg.cmd === 'generate') generate();
  if (msg.cmd === 'drive') drive(msg).catch((err: Error) => port.postMessage({ type: 'error', message: err.stack ?? err.message }));
});
