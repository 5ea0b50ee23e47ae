// `npm run bench -- ingest`: a pre-signed corpus published at QoS 1 through the real ingest path
// (auth, verify, batched durable write, PUBACK after commit), and the same corpus relayed by this
// machine's Mosquitto to a subscriber that only counts (the ceiling), in one run. The corpus and
// the publisher are the simulator's load mode (hotspot-sim/src/load): signing and publishing run
// in worker threads, so their CPU is apart from the ingest's event loop.
import { parseArgs } from 'node:util';
import { benchDatabaseUrl, openBenchStore } from './store.ts';
import cliProgress from 'cli-progress';
import mqtt from 'mqtt';
import { silentLogger, systemClock } from '@hexlight/kit';
import { createIngest, loadIngestConfig } from '@hexlight/ingest';
import { generateCorpus, pushCorpus, type Corpus, type PushOptions, type PushResult } from '@hexlight/hotspot-sim';

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

  const bar = new cliProgress.SingleBar({ format: '  {phase} [{bar}] {value}/{total} {rate}', hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { phase: 'signing corpus', rate: '' });
  const corpus = await generateCorpus({ hotspots, perHotspot: per, onProgress: (signed) => bar.update(signed) });
  bar.update(total);
  bar.stop();

  // The system under test.
  const { db, cleanup } = await openBenchStore(storeKind, 'ingest');
  await db.query(
    `INSERT INTO hotspots (address, key_binary, owner, onboarded_at) SELECT a, k, 'bench', now() FROM unnest($1::text[], $2::bytea[]) AS t(a, k)`,
    [corpus.hotspots.map((h) => h.address), corpus.hotspots.map((h) => h.keyBinary)],
  );
  const env = { ...process.env, INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', ...(values.workers ? { INGEST_VERIFY_WORKERS: values.workers } : {}) };
  const config = loadIngestConfig(env, { dbKind: db.kind });
  const ingest = createIngest({ db, clock: systemClock, log: silentLogger() }, config);
  await ingest.start();
  const ingestPort = ingest.status().mqttPort!;

  const ours = await drive(corpus, bar, { mqttUrl: `mqtt://127.0.0.1:${ingestPort}`, window }, 'hexlight ingest');
  const counted = await db.query<{ n: bigint }>(`SELECT (SELECT count(*) FROM beacon_reports) + (SELECT count(*) FROM witness_reports) AS n`);
  const stored = Number(counted.rows[0]!.n);
  const st = ingest.status();
  await ingest.stop();
  await cleanup();

  // The ceiling: the same corpus through Mosquitto to a subscriber that only counts.
  let ceiling: { perSecond: number; received: number } | null = null;
  try {
    ceiling = await mosquittoCeiling(corpus, bar, values.mosquitto!, window);
  } catch (err) {
    console.log(`  Mosquitto ceiling unavailable: ${(err as Error).message}`);
  }

  const sustained = ours.sustainedPerS;
  const overall = stored / ours.seconds;
  console.log('');
  console.log('  result                                   value');
  console.log('  ---------------------------------------  ------------');
  console.log(`  reports published / PUBACKed             ${ours.published} / ${ours.acked} (${ours.errors} errors)`);
  console.log(`  reports stored (count in the store)      ${stored}  (refused ${Object.values(st.refused).reduce((a, b) => a + b, 0)}, duplicates ${st.duplicates})`);
  console.log(`  stored reports/s, whole run              ${overall.toFixed(0)}`);
  console.log(`  stored reports/s, sustained (10–90 %)    ${sustained.toFixed(0)}`);
  console.log(`  PUBACK latency p50 / p99                 ${ours.latencyMs.p50.toFixed(1)} ms / ${ours.latencyMs.p99.toFixed(1)} ms`);
  console.log(`  verify workers / store                   ${config.verifyWorkers} / ${storeKind}`);
  if (ceiling) {
    console.log(`  baseline: Mosquitto relay to a counter   ${ceiling.perSecond.toFixed(0)} msg/s (${ceiling.received} received)`);
    console.log(`  ratio hexlight / Mosquitto               ${(sustained / ceiling.perSecond).toFixed(2)}`);
  }
  console.log(`  goal                                     ≥ 8000 stored reports/s → ${sustained >= 8000 ? 'met' : 'not met'}`);
  return stored === total ? 0 : 1;
}

/** One connection per hotspot (as the hotspot, or anonymous on a plain broker), `window` in flight on each. */
async function drive(corpus: Corpus, bar: cliProgress.SingleBar, opts: Pick<PushOptions, 'mqttUrl' | 'window' | 'auth' | 'topicPrefix'>, phase: string): Promise<PushResult> {
  const total = corpus.kinds.length;
  bar.start(total, 0, { phase: `${phase}: connecting`, rate: '' });
  try {
    return await pushCorpus(corpus, {
      ...opts, connections: corpus.hotspots.length, qos: 1,
      onProgress: (p) => {
        if (p.phase === 'connecting') bar.update(0, { phase: `${phase}: ${p.done} connections` });
        if (p.phase === 'publishing') bar.update(p.acked, { rate: `${Math.round(p.ratePerS)}/s` });
      },
    });
  } finally {
    bar.update(total);
    bar.stop();
  }
}

async function mosquittoCeiling(corpus: Corpus, bar: cliProgress.SingleBar, url: string, window: number): Promise<{ perSecond: number; received: number }> {
  const total = corpus.kinds.length;
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
  // Credentials in the URL publish as that user; otherwise anonymously (a plain broker knows no hotspot keys).
  await drive(corpus, bar, { mqttUrl: url, window, topicPrefix: prefix, ...(new URL(url).username ? {} : { auth: 'anonymous' as const }) }, 'Mosquitto ceiling');
  const deadline = Date.now() + 10_000;
  while (received < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await sub.endAsync();
  return { perSecond: received / ((last - first) / 1000), received };
}
