import { createLogger, createMetrics, createReadiness } from '@hexlight/kit';
import { createMaps, loadMapsConfig, recomputeAggregates } from '@hexlight/maps';
import { onShutdown, openStore } from '../runtime.ts';
import { serveHttp } from '../http.ts';
import { serviceClock } from '../network-clock.ts';
import { addReadiness, mapsMetrics } from '../observe.ts';

const USAGE = `hexlight maps                the coverage service alone: web map at /, carrier coverage API, mapper ingest
                             (DATABASE_URL, MAPS_BROKER_URL=mqtt://user:pass@host:port for mapper uplinks over MQTT,
                             MAPS_NETWORK_API for the hotspot pane's verdicts and rewards; README "Configuration")
hexlight maps recompute      rebuild every coverage aggregate from the stored receptions and exit`;

/** \`hexlight maps\`: maps/ alone against shared infrastructure. */
export async function run(argv: string[]): Promise<number> {
  const [sub] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (sub === 'recompute') {
    const log = createLogger('maps', 'warn');
    const store = await openStore(log);
    try {
      await recomputeAggregates(store.db);
    } finally {
      await store.db.close();
    }
    return 0;
  }
  if (sub !== undefined && sub !== 'serve') {
    console.error(`hexlight maps: unknown subcommand "${sub}"\n\n${USAGE}`);
    return 2;
  }
  const log = createLogger('maps');
  const config = loadMapsConfig();
  const store = await openStore(log);
  const maps = createMaps({ db: store.db, clock: serviceClock(), log }, config);
  await maps.start();
  const metrics = createMetrics();
  mapsMetrics(metrics, maps);
  const readiness = createReadiness();
  let subscribed = false;
  void maps.subscribed().then(() => { subscribed = true; });
  addReadiness(readiness, store.db, config.brokerUrl ? { name: 'broker', ok: () => subscribed } : undefined);
  const http = await serveHttp([maps.routes], log, { metrics, readiness });
  console.log(JSON.stringify({ event: 'ready', service: 'maps', http_port: http.port, map: `${http.url}/`, store: store.description, mqtt: config.brokerUrl ? 'subscribed' : 'off' }));
  await onShutdown(async () => {
    readiness.shutdown();
    await http.close();
    await maps.stop();
    await store.db.close();
  }, log);
  return 0;
}
