import { parseArgs } from 'node:util';
import { createLogger, systemClock } from '@hexlight/kit';
import { createFleet } from '@hexlight/hotspot-sim';
import { onShutdown } from '../runtime.ts';

/** A demo fleet against a running network (`hexlight up --no-sim` or `hexlight ingest`). */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      api: { type: 'string', default: 'http://127.0.0.1:8080' },
      mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      city: { type: 'string', default: 'lisbon' },
      hotspots: { type: 'string', default: '24' },
      'beacon-interval': { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
    },
  });
  const log = createLogger('sim', process.env.LOG_LEVEL ?? 'warn');
  const fleet = createFleet({
    apiUrl: values.api!, mqttUrl: values.mqtt!, city: values.city!, hotspots: Number(values.hotspots),
    beaconIntervalMs: Number(values['beacon-interval']) * 1000, seed: Number(values.seed), clock: systemClock, log,
  });
  await fleet.start();
  const ticker = setInterval(() => {
    const s = fleet.stats();
    console.log(`onboarded ${s.onboarded} · connected ${s.connected} · beacons ${s.beacons} · witnesses ${s.witnesses} · rejected ${s.rejected} · errors ${s.publishErrors}`);
  }, 5000);
  await onShutdown(async () => {
    clearInterval(ticker);
    await fleet.stop();
  }, log);
  return 0;
}
