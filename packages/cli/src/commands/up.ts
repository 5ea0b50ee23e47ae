import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { acceleratedClock, clockTimers, createLogger, createMetrics, createReadiness, envBool, envInt, envString, systemClock, type Logger, type SharedClock } from '@hexlight/kit';
import type { Db } from '@hexlight/store';
import { createIngest, loadIngestConfig } from '@hexlight/ingest';
import { chainEntropySource, createPoc, loadPocConfig } from '@hexlight/poc';
import { createRewards, loadRewardsConfig } from '@hexlight/rewards';
import { createFleet } from '@hexlight/hotspot-sim';
import { createMaps, loadMapsConfig } from '@hexlight/maps';
import { REGION_NAMES, regionJson, regionTopic } from '@hexlight/protocol';
import { onShutdown, openChain, openStore, operatorKeys } from '../runtime.ts';
import { serveHttp } from '../http.ts';
import { speedSetting } from '../network-clock.ts';
import { adminMetrics, addReadiness, ingestMetrics, mapsMetrics, pocMetrics, rewardsMetrics } from '../observe.ts';

/** Everything in one process: store → broker/ingest → chain → PoC → rewards → HTTP → demo fleet. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'no-sim': { type: 'boolean', default: false }, speed: { type: 'string' } } });
  // Logs go to a quiet JSON stream on stderr; stdout carries the human summary and live counts.
  const log = createLogger('hexlight', envString(process.env, 'LOG_LEVEL', 'warn'));
  const speed = speedSetting(values.speed);
  const pocConfig = loadPocConfig();
  const started = Date.now();

  const store = await openStore(log);
  // An accelerated network resumes where its last run left off: restarting it at real now would put
  // every stored report, verdict and closed epoch in its future.
  const storeAheadMs = (await lastEntropyMs(store.db)) + pocConfig.entropyIntervalMs - Date.now();
  const clock: SharedClock = speed === 1 ? systemClock : acceleratedClock(speed, Date.now() + Math.max(0, storeAheadMs));
  // maps/ reads the device frames the ingest relays (mappers' GPS uplinks) as a service user of the
  // embedded broker, with a password made up for this run.
  const mapsBrokerSecret = randomBytes(16).toString('hex');
  const ingestEnv = { ...process.env, INGEST_SERVICE_USERS: [process.env.INGEST_SERVICE_USERS, `maps:${mapsBrokerSecret}`].filter(Boolean).join(',') };
  const ingest = createIngest({ db: store.db, clock, log }, loadIngestConfig(ingestEnv, { dbKind: store.db.kind }));
  await ingest.start();
  for (const region of REGION_NAMES) {
    await ingest.publish(regionTopic(region), JSON.stringify(regionJson(region)), { qos: 1, retain: true });
  }
  // The operator's keys (created on first start) and the in-process Solana ledger, kept under
  // DATA_DIR; entropy comes from its latest blockhash, as Helium's does.
  const keys = await operatorKeys(process.env, { create: true });
  const chain = await openChain(log, keys.payer);
  const poc = createPoc({ db: store.db, clock, log, entropySource: chainEntropySource(chain.chain), publish: (t, p, o) => ingest.publish(t, p, o) }, pocConfig);
  await poc.start();
  // Demo epochs are ten minutes, an hour of network time when it runs faster (REWARDS_EPOCH_S
  // overrides); production's default is a UTC day.
  const rewardsConfig = loadRewardsConfig(process.env, { epochS: speed > 1 ? 3600 : 600, graceS: 120 });
  const rewards = createRewards({ db: store.db, clock, log, chain: chain.chain, keys }, rewardsConfig);
  await rewards.start();
  const maps = createMaps({ db: store.db, clock, log, brokerUrl: `mqtt://maps:${mapsBrokerSecret}@127.0.0.1:${ingest.status().mqttPort}` }, loadMapsConfig());
  await maps.start();
  // One /metrics and one /readyz for the whole process.
  const metrics = createMetrics();
  ingestMetrics(metrics, ingest);
  pocMetrics(metrics, poc);
  rewardsMetrics(metrics, rewards);
  mapsMetrics(metrics, maps);
  adminMetrics(metrics);
  const readiness = createReadiness();
  addReadiness(readiness, store.db, { name: 'broker', ok: () => ingest.status().brokerConnected });
  const http = await serveHttp([ingest.routes, poc.routes, rewards.routes, maps.routes], log, { metrics, readiness });
  const status = ingest.status();

  const simOn = !values['no-sim'] && envBool(process.env, 'SIM', true);
  const fleetSize = envInt(process.env, 'SIM_HOTSPOTS', 24, { min: 1, max: 100_000 });
  // Sensors whose uplinks the fleet's hotspots carry: the data path (DC bought and burned).
  const devices = envInt(process.env, 'SIM_DEVICES', 8, { min: 0, max: 65_536 });
  // GPS trackers driving around, whose uplinks maps/ turns into measured coverage.
  const mappers = envInt(process.env, 'SIM_MAPPERS', 3, { min: 0, max: 65_536 });
  const city = envString(process.env, 'SIM_CITY', 'lisbon');
  // Faster than real time the fleet beacons on Helium's 6-h windows, so its PoCs can be valid.
  const beaconS = envInt(process.env, 'SIM_BEACON_INTERVAL_S', speed > 1 ? HELIUM_BEACON_INTERVAL_S : 30, { min: 1 });
  const fleet = simOn
    ? createFleet({
      apiUrl: http.url, mqttUrl: `mqtt://127.0.0.1:${status.mqttPort}`, city, hotspots: fleetSize,
      beaconIntervalMs: beaconS * 1000, seed: envInt(process.env, 'SIM_SEED', 1), clock, log,
      devices, devicePeriodMs: envInt(process.env, 'SIM_DEVICE_PERIOD_MS', speed > 1 ? 3_600_000 : 120_000, { min: 1_000 }),
      mappers, mapperPeriodMs: envInt(process.env, 'SIM_MAPPER_PERIOD_MS', speed > 1 ? 600_000 : 5_000, { min: 1_000 }),
    }, { timers: clockTimers(clock) })
    : null;

  const lines = [
    '',
    'Hexlight is running',
    `  MQTT        mqtt://127.0.0.1:${status.mqttPort}${status.portFellBack ? `   (port ${process.env.INGEST_MQTT_PORT ?? 1883} was taken: using ${status.mqttPort})` : ''}`,
    ...(status.mqttTlsPort ? [`  MQTT/TLS    mqtts://127.0.0.1:${status.mqttTlsPort}`] : []),
    `  HTTP API    ${http.url}${http.fellBack ? `   (port ${process.env.HTTP_PORT ?? 8080} was taken: using ${http.port})` : ''}`,
    `  Map         ${http.url}/`,
    `  API docs    ${http.url}/docs`,
    `  Store       ${store.description}`,
    `  Clock       ${clockLine(clock, storeAheadMs, pocConfig.entropyIntervalMs)}`,
    `  Chain       ${chain.description}`,
    `  Rewards     epochs of ${rewardsConfig.epochLengthMs / 1000} s${realSpan(rewardsConfig.epochLengthMs, speed)} (grace ${rewardsConfig.graceMs / 1000} s); mint ${keys.mint.publicKey.toBase58()}, payer ${keys.payer.publicKey.toBase58()}`,
    ...keys.created.map((path) => `              created ${path} (keep it secret, back it up)`),
    `  Payments    ${rewards.payments.provider === 'stripe'
      ? `Stripe; webhook endpoint ${rewardsConfig.payments.publicUrl ?? http.url}/v1/payments/stripe/webhook`
      : 'embedded test provider (no card is charged); organisations sign up at POST /v1/orgs and buy DC at POST /v1/orgs/me/purchases'}`,
    `  Demo fleet  ${fleet ? `${fleetSize} hotspots around ${city}, one beacon each per ${beaconS} s window${realSpan(beaconS * 1000, speed)}${devices > 0 ? `; ${devices} sensors` : ''}${mappers > 0 ? `; ${mappers} mappers driving around` : ''}` : 'off'}`,
    '  Ctrl-C stops everything cleanly.',
    '',
  ];
  console.log(lines.join('\n'));

  if (fleet) {
    fleet.start().catch((err: Error) => {
      console.error(`demo fleet failed to start: ${err.message}`);
      log.error({ err: err.message }, 'sim.start.failed');
    });
  }
  const ticker = setInterval(() => printCounts(ingest, poc, rewards, fleet, clock, started, log), envInt(process.env, 'STATUS_INTERVAL_S', 5, { min: 1 }) * 1000);

  await onShutdown(async () => {
    clearInterval(ticker);
    readiness.shutdown();
    console.log('\nstopping…');
    await fleet?.stop();
    await maps.stop();
    await rewards.stop();
    await poc.stop();
    await http.close();
    await ingest.stop();
    await chain.close();
    await store.db.close();
    console.log('stopped.');
  }, log);
  return 0;
}

async function printCounts(
  ingest: ReturnType<typeof createIngest>,
  poc: ReturnType<typeof createPoc>,
  rewards: ReturnType<typeof createRewards>,
  fleet: ReturnType<typeof createFleet> | null,
  clock: SharedClock,
  started: number,
  log: Logger,
): Promise<void> {
  try {
    const n = await ingest.registry.networkCounts();
    const s = ingest.status();
    const refused = Object.values(s.refused).reduce((a, b) => a + b, 0);
    const t = new Date().toISOString().slice(11, 19);
    const up = Math.round((Date.now() - started) / 1000);
    const simulated = clock.speed > 1 ? ` · simulated ${simulatedTime(clock.now())}` : '';
    console.log(
      `[${t} +${up}s${simulated}] hotspots ${n.hotspots} (online ${n.online}, connections ${s.connections}) · stored beacons ${n.beacons} · witnesses ${n.witnesses}` +
      ` · refused ${refused} · duplicates ${s.duplicates} · pending ${s.pending} · last batch ${s.lastBatchMs.toFixed(1)} ms` +
      ` · packets ${s.packets.stored} (bought ${s.packets.bought}, ${s.packets.dcBurned} DC)` +
      ` · PoCs verified ${poc.stats().beacons}` +
      ` · last epoch closed ${rewards.stats().lastClosed ?? '-'} · payout jobs pending ${rewards.stats().lastPass?.payouts?.pending ?? 0}` +
      (fleet ? ` · sim sent ${fleet.stats().beacons}b/${fleet.stats().witnesses}w/${fleet.stats().packets}p` : ''),
    );
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'status.failed');
  }
}

/** Helium's beacon window (6 h), the verifier's one-beacon-per-window rule. */
const HELIUM_BEACON_INTERVAL_S = 6 * 3600;

/**
 * The newest entropy's time (ms), or 0: the network published it while running, and its reports
 * are at most one rotation later.
 */
async function lastEntropyMs(db: Db): Promise<number> {
  const r = await db.query<{ ts: string | null }>('SELECT max(timestamp)::text AS ts FROM entropy');
  const ts = r.rows[0]?.ts;
  return ts === null || ts === undefined ? 0 : Number(ts) * 1000;
}

/** `storeAheadMs`: how far past real now the store's data reaches (negative: it does not). */
function clockLine(clock: SharedClock, storeAheadMs: number, entropyIntervalMs: number): string {
  if (clock.speed === 1) {
    // Data an accelerated run left in the future waits for real time to catch up: say so.
    return storeAheadMs > entropyIntervalMs + 60_000
      ? `real time; the store holds network time up to ${simulatedTime(Date.now() + storeAheadMs)} (an accelerated run): rewards and PoC state resume when real time gets there, or run with --speed`
      : 'real time';
  }
  const dayRealS = 86_400 / clock.speed;
  const day = dayRealS >= 120 ? `${(dayRealS / 60).toFixed(1)} min` : `${dayRealS.toFixed(1)} s`;
  return `${clock.speed}× real time, simulated now ${simulatedTime(clock.now())} (a simulated day takes ${day})${storeAheadMs > 0 ? ', resumed from the store' : ''}`;
}

/** " (12 s real)" when the clock runs faster than real time. */
function realSpan(clockMs: number, speed: number): string {
  if (speed === 1) return '';
  const s = clockMs / speed / 1000;
  return ` (${s >= 10 ? Math.round(s) : s.toFixed(1)} s real)`;
}

function simulatedTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
