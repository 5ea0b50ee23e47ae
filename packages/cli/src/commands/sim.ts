import { parseArgs } from 'node:util';
import { brokerTlsOptions, clockTimers, createLogger, loadBrokerTls } from '@hexlight/kit';
import { createFleet, mqttLinks } from '@hexlight/hotspot-sim';
import { onShutdown } from '../runtime.ts';
import { simClock, speedSetting } from '../network-clock.ts';

/**
 * A demo fleet against a running network (`hexlight up --no-sim` or `hexlight ingest`), on the
 * network's clock: a network started with `--speed N` is followed at N× (GET /v1/network/clock).
 */
export async function run(argv: string[]): Promise<number> {
  // Subcommands: scoring a finished run, and load mode.
  if (argv[0] === 'score') return (await import('./sim-score.ts')).runScore(argv.slice(1));
  if (argv[0] === 'load') return (await import('./sim-load.ts')).runLoad(argv.slice(1));
  if (argv.some((a) => a === '--scenario' || a.startsWith('--scenario='))) return scenario(argv);
  const { values } = parseArgs({
    args: argv,
    options: {
      api: { type: 'string', default: 'http://127.0.0.1:8080' },
      mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      city: { type: 'string', default: 'lisbon' },
      hotspots: { type: 'string', default: '24' },
      'beacon-interval': { type: 'string' },
      seed: { type: 'string', default: '1' },
      speed: { type: 'string' },
      'follow-clock': { type: 'boolean', default: true },
      'no-follow-clock': { type: 'boolean', default: false },
    },
  });
  const log = createLogger('sim', process.env.LOG_LEVEL ?? 'warn');
  const clock = await simClock({
    apiUrl: values.api!, speed: values.speed === undefined ? undefined : speedSetting(values.speed), follow: !values['no-follow-clock'], log,
  });
  // As `hexlight up`: faster than real time, Helium's 6-h beacon windows unless told otherwise.
  const beaconS = values['beacon-interval'] === undefined ? (clock.speed > 1 ? 6 * 3600 : 30) : Number(values['beacon-interval']);
  const fleet = createFleet({
    apiUrl: values.api!, mqttUrl: values.mqtt!, city: values.city!, hotspots: Number(values.hotspots),
    beaconIntervalMs: beaconS * 1000, seed: Number(values.seed), clock, log,
  }, { timers: clockTimers(clock), links: mqttLinks(values.mqtt!, { tls: brokerTlsOptions(values.mqtt!, loadBrokerTls(process.env)) }) });
  if (clock.speed > 1) console.log(`following the network's clock: ${clock.speed}× real time, simulated now ${new Date(clock.now()).toISOString()}`);
  await fleet.start();
  const ticker = setInterval(() => {
    const s = fleet.stats();
    const simulated = clock.speed > 1 ? `[simulated ${new Date(clock.now()).toISOString().slice(0, 19)}Z] ` : '';
    console.log(`${simulated}onboarded ${s.onboarded} · connected ${s.connected} · beacons ${s.beacons} · witnesses ${s.witnesses} · rejected ${s.rejected} · errors ${s.publishErrors}`);
  }, 5000);
  await onShutdown(async () => {
    clearInterval(ticker);
    await fleet.stop();
    // The final counts, machine-readable: what the broker acknowledged (tests compare it with the store).
    console.log(JSON.stringify({ event: 'stopped', ...fleet.stats() }));
  }, log);
  return 0;
}

/** `hexlight sim --scenario …` on the network's clock (followed at its speed, as the demo fleet is). */
async function scenario(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: false, options: { api: { type: 'string' }, speed: { type: 'string' }, 'no-follow-clock': { type: 'boolean' } } });
  const log = createLogger('sim', process.env.LOG_LEVEL ?? 'warn');
  const clock = await simClock({
    apiUrl: typeof values.api === 'string' ? values.api : 'http://127.0.0.1:8080',
    speed: typeof values.speed === 'string' ? speedSetting(values.speed) : undefined,
    follow: values['no-follow-clock'] !== true, log,
  });
  const rest = argv.filter((a) => a !== '--no-follow-clock');
  return (await import('./sim-scenario.ts')).runScenarioCommand(rest, { clock, timers: clockTimers(clock) });
}
