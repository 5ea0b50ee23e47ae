import { createLogger, createMetrics, createReadiness } from '@hexlight/kit';
import { createIngest, loadIngestConfig } from '@hexlight/ingest';
import { openStore, onShutdown } from '../runtime.ts';
import { serveHttp } from '../http.ts';
import { serviceClock } from '../network-clock.ts';
import { addReadiness, ingestMetrics } from '../observe.ts';

/** The MQTT edge and registry API alone, against shared infrastructure (DATABASE_URL). */
export async function run(): Promise<number> {
  const log = createLogger('ingest');
  const store = await openStore(log);
  const config = loadIngestConfig(process.env, { dbKind: store.db.kind });
  const ingest = createIngest({ db: store.db, clock: serviceClock(), log }, config);
  const metrics = createMetrics();
  ingestMetrics(metrics, ingest);
  const readiness = createReadiness();
  addReadiness(readiness, store.db, { name: 'broker', ok: () => ingest.status().brokerConnected, why: () => ingest.status().brokerError });
  // HTTP before the broker: an external broker that cannot be reached (a refused TLS handshake,
  // say) leaves start() retrying, and /readyz must be there to answer not_ready and why; and on
  // a broker that authenticates through our hook (EMQX), our own consumers' CONNECT is checked by
  // POST /v1/broker/authenticate, which must already answer.
  const http = await serveHttp([ingest.routes], log, { metrics, readiness });
  const stopped = onShutdown(async () => {
    readiness.shutdown();
    await http.close();
    await ingest.stop();
    await store.db.close();
  }, log);
  const started = await Promise.race([ingest.start().then(() => true), stopped.then(() => false)]).catch(async (err: unknown) => {
    // A start that failed outright (a taken port, a refused CONNACK) exits: nothing may hold the process open.
    await http.close();
    await ingest.stop().catch(() => undefined);
    throw err;
  });
  if (!started) return 0;
  const s = ingest.status();
  // One machine-readable line first: tests and supervisors read the ports from it.
  console.log(JSON.stringify({ event: 'ready', service: 'ingest', mode: s.mode, mqtt_port: s.mqttPort ?? null, http_port: http.port, store: store.description }));
  await stopped;
  return 0;
}
