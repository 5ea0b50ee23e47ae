// `npm run bench -- ingest`: a pre-signed corpus published at QoS 1 through the real ingest path
// (auth, verify, batched durable write, PUBACK after commit), and the same corpus relayed by this
// machine's Mosquitto to a subscriber that only counts (the ceiling), in one run.
import type { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { benchDatabaseUrl, openBenchStore } from './store.ts';
import cliProgress from 'cli-progress';
import mqtt from 'mqtt';
import { silentLogger, startTsWorker, systemClock } from '@hexlight/kit';
import { createIngest, loadIngestConfig } from '@hexlight/ingest';

interface DriveResult { total: number; acked: number; errors: number; seconds: number; latencies: Float64Array; ackAt: Float64Array }

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hotspots: { type: 'string', default: '1000' },
      per: { type: 'string', default: '200' },
      window: { type: 'string', default: '4' },
      store: { type: 'string' },
      workers: { type: 'string' },
      mosquitto: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    },
  });
  const hotspots = Number(values.hotspots);
  const per = Number(values.per);
  const window = Number(values.window);
  const pgUrl = benchDatabaseUrl();
  const storeKind = values.store ?? (pgUrl ? 'pg' : 'pglite');
  const total = hotspots * per;
  console.log(`bench ingest: ${total.toLocaleString()} pre-signed reports from ${hotspots} hotspot connections, QoS 1, window ${window}/connection, store ${storeKind}`);

  const worker = startTsWorker(new URL('./ingest-load.ts', import.meta.url), { workerData: { hotspots, perHotspot: per } });
  const bar = new cliProgress.SingleBar({ format: '  {phase} [{bar}] {value}/{total} {rate}', hideCursor: true }, cliProgress.Presets.shades_classic);
  const generated = await new Promise<{ addresses: string[]; keyBinaries: Uint8Array[] }>((resolve, reject) => {
    bar.start(total, 0, { phase: 'signing corpus', rate: '' });
    worker.on('error', reject);
    const onMsg = (m: { type: string; made?: number; addresses?: string[]; keyBinaries?: Uint8Array[] }) => {
      if (m.type === 'progress') bar.update(m.made!);
      if (m.type === 'generated') {
        bar.update(total);
        bar.stop();
        worker.off('message', onMsg);
        resolve({ addresses: m.addresses!, keyBinaries: m.keyBinaries! });
      }
    };
    worker.on('message', onMsg);
    worker.postMessage({ cmd: 'generate' });
  });

  // The system under test.
  const { db, cleanup } = await openBenchStore(storeKind, 'ingest');
  await db.query(
    `INSERT INTO hotspots (address, key_binary, owner, onboarded_at) SELECT a, k, 'bench', now() FROM unnest($1::text[], $2::bytea[]) AS t(a, k)`,
    [generated.addresses, generated.keyBinaries],
  );
  const env = { ...process.env, INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', ...(values.workers ? { INGEST_VERIFY_WORKERS: values.workers } : {}) };
  const config = loadIngestConfig(env, { dbKind: db.kind });
  const ingest = createIngest({ db, clock: systemClock, log: silentLogger() }, config);
  await ingest.start();
  const ingestPort = ingest.status().mqttPort!;

  const ours = await drive(worker, bar, { url: `mqtt://127.0.0.1:${ingestPort}`, prefix: '', window, auth: 'hotspot' }, total, 'hexlight ingest');
  const counted = await db.query<{ n: bigint }>(`SELECT (SELECT count(*) FROM beacon_reports) + (SELECT count(*) FROM witness_reports) AS n`);
  const stored = Number(counted.rows[0]!.n);
  const st = ingest.status();
  await ingest.stop();
  await cleanup();

  // The ceiling: the same corpus through Mosquitto to a subscriber that only counts.
  let ceiling: { perSecond: number; received: number } | null = null;
  try {
    ceiling = await mosquittoCeiling(worker, bar, values.mosquitto!, window, total);
  } catch (err) {
    console.log(`  Mosquitto ceiling unavailable: ${(err as Error).message}`);
  }
  await worker.terminate();

  const lat = Array.from(ours.latencies).sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
  const acks = Array.from(ours.ackAt).sort((a, b) => a - b);
  const t10 = acks[Math.floor(0.1 * acks.length)]!;
  const t90 = acks[Math.floor(0.9 * acks.length)]!;
  const sustained = (0.8 * acks.length) / ((t90 - t10) / 1000);
  const overall = stored / ours.seconds;
  console.log('');
  console.log('  result                                   value');
  console.log('  ---------------------------------------  ------------');
  console.log(`  reports published / PUBACKed             ${ours.total} / ${ours.acked} (${ours.errors} errors)`);
  console.log(`  reports stored (count in the store)      ${stored}  (refused ${Object.values(st.refused).reduce((a, b) => a + b, 0)}, duplicates ${st.duplicates})`);
  console.log(`  stored reports/s, whole run              ${overall.toFixed(0)}`);
  console.log(`  stored reports/s, sustained (10–90 %)    ${sustained.toFixed(0)}`);
  console.log(`  PUBACK latency p50 / p99                 ${q(0.5).toFixed(1)} ms / ${q(0.99).toFixed(1)} ms`);
  console.log(`  verify workers / store                   ${config.verifyWorkers} / ${storeKind}`);
  if (ceiling) {
    console.log(`  baseline: Mosquitto relay to a counter   ${ceiling.perSecond.toFixed(0)} msg/s (${ceiling.received} received)`);
    console.log(`  ratio hexlight / Mosquitto               ${(sustained / ceiling.perSecond).toFixed(2)}`);
  }
  console.log(`  goal                                     ≥ 8000 stored reports/s → ${sustained >= 8000 ? 'met' : 'not met'}`);
  return stored === total ? 0 : 1;
}

function drive(worker: Worker, bar: cliProgress.SingleBar, opts: { url: string; prefix: string; window: number; auth: 'hotspot' | 'none' }, total: number, phase: string): Promise<DriveResult> {
  return new Promise((resolve, reject) => {
    let connectedShown = false;
    bar.start(total, 0, { phase: `${phase}: connecting`, rate: '' });
    const started = performance.now();
    const onMsg = (m: { type: string; n?: number; acked?: number; message?: string } & Partial<DriveResult>) => {
      if (m.type === 'connected') bar.update(0, { phase: `${phase}: ${m.n} connections` });
      if (m.type === 'acked') {
        if (!connectedShown) connectedShown = true;
        bar.update(m.acked!, { rate: `${Math.round(m.acked! / ((performance.now() - started) / 1000))}/s` });
      }
      if (m.type === 'error') { worker.off('message', onMsg); bar.stop(); reject(new Error(m.message)); }
      if (m.type === 'done') {
        bar.update(total);
        bar.stop();
        worker.off('message', onMsg);
        resolve(m as DriveResult);
      }
    };
    worker.on('message', onMsg);
    worker.postMessage({ cmd: 'drive', ...opts });
  });
}

async function mosquittoCeiling(worker: Worker, bar: cliProgress.SingleBar, url: string, window: number, total: number): Promise<{ perSecond: number; received: number }> {
  const prefix = `hexlight-bench-${Date.now()}`;
  const sub = await mqtt.connectAsync(url, { clientId: `${prefix}-counter`, reconnectPeriod: 0, connectTimeout: 3000 });
  let received = 0;
  let first = 0;
  let last = 0;
  sub.on('message', () => {
    const now = performance.now();
    if (received === 0) first = now;
    last = now;
    received++;
  });
  // QoS 0 downstream: Mosquitto's per-client queue (max_queued_messages 1000) would drop QoS 1 overflow.
  await sub.subscribeAsync(`${prefix}/#`, { qos: 0 });
  await drive(worker, bar, { url, prefix, window, auth: 'none' }, total, 'Mosquitto ceiling');
  const deadline = Date.now() + 10_000;
  while (received < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await sub.endAsync();
  return { perSecond: received / ((last - first) / 1000), received };
}
