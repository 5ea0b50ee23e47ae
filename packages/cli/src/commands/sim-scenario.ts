import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { brokerTlsOptions, clockTimers, ConfigInvalid, createLogger, loadBrokerTls, systemClock, type Clock, type Timers } from '@hexlight/kit';
import {
  BEHAVIOUR_MODULES, loadScenario, mqttLinks, realTimers, runScenario,
  type BehaviourName, type Scenario, type ScenarioStats,
} from '@hexlight/hotspot-sim';

const USAGE = `hexlight sim --scenario <name|file.json> [options]

  --scenario NAME|FILE   a built-in scenario (city-dense, rural, city-mixed) or a scenario file
  --api URL              registry API (default http://127.0.0.1:8080)
  --mqtt URL             broker (default mqtt://127.0.0.1:1883)
  --truth FILE           where to write the ground truth (default sim-truth.json)
  --duration S           run this many seconds of clock time instead of the scenario's
  --speed N              the clock's speed (checked against the clock the run gets)
  --seed N               another seed than the scenario's
  --admin-token TOKEN    the network's ADMIN_TOKEN (also from ADMIN_TOKEN): DC for the scenario's
                         organisations by operator grant when the network takes only real payments
  --no-orgs              do not sign up organisations for mappers, sensors and DC farmers (their
                         packets are then refused: unknown_devaddr)

Runs until the scenario's duration has passed on the clock (or Ctrl-C), then writes the ground
truth for \`hexlight sim score\`. hotspot-sim/README.md describes scenarios, behaviours and the truth.`;

export interface ScenarioCommandPorts {
  /** The network's clock (e.g. one following GET /v1/network/clock at --speed N); default the system clock. */
  clock?: Clock;
  /** Waits in that clock's ms; default real timers (kit's clockTimers(clock) when only a clock is given). */
  timers?: Timers;
}

/** `hexlight sim --scenario …`: a scenario run with a progress bar; exit 0 when done (or stopped), 2 on bad arguments. */
export async function runScenarioCommand(argv: string[], ports: ScenarioCommandPorts = {}): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        api: { type: 'string', default: 'http://127.0.0.1:8080' },
        mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
        truth: { type: 'string', default: 'sim-truth.json' },
        duration: { type: 'string' },
        speed: { type: 'string' },
        seed: { type: 'string' },
        'admin-token': { type: 'string' },
        'no-orgs': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    console.error(`hexlight sim: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (typeof values.scenario !== 'string') {
    console.error(`hexlight sim: --scenario is required\n\n${USAGE}`);
    return 2;
  }

  const clock = ports.clock ?? systemClock;
  const timers = ports.timers ?? (ports.clock ? clockTimers(ports.clock) : realTimers);
  const speed = clock.speed ?? 1;
  if (values.speed !== undefined && Number(values.speed) !== speed) {
    throw ConfigInvalid(`--speed ${values.speed}, but the clock this run got runs at ${speed}× real time (the network's clock decides)`, { setting: '--speed' });
  }
  let scenario = await loadScenario(values.scenario);
  if (values.seed !== undefined) scenario = withSeed(scenario, positiveInt(String(values.seed), '--seed'));
  const durationMs = values.duration === undefined ? Math.round(scenario.durationS * 1000) : Math.round(positiveNumber(String(values.duration), '--duration') * 1000);
  if (scenario.speed !== speed) {
    console.error(`note: ${scenario.name} is meant for ${scenario.speed}× real time, this clock runs at ${speed}×: ${formatClock(durationMs)} of clock time takes ${formatClock(durationMs / speed)}`);
  }

  const log = createLogger('sim', process.env.LOG_LEVEL ?? 'warn');
  const display = createDisplay(scenario, durationMs, speed);
  const run = runScenario(scenario, {
    apiUrl: String(values.api), mqttUrl: String(values.mqtt), clock, timers, log, truthPath: String(values.truth), durationMs, speed,
    links: mqttLinks(String(values.mqtt), { tls: brokerTlsOptions(String(values.mqtt), loadBrokerTls(process.env)) }),
    provisionOrgs: !values['no-orgs'],
    ...((values['admin-token'] ?? process.env.ADMIN_TOKEN) ? { adminToken: String(values['admin-token'] ?? process.env.ADMIN_TOKEN) } : {}),
    onProgress: (s) => display.update(s), progressIntervalMs: 1_000,
  });
  console.error(`${scenario.name}: ${run.population.hotspots.length} hotspots in ${run.population.area.description} (${scenario.region}), ${formatClock(durationMs)} of clock time; onboarding…`);
  await run.start();
  display.start(run.stats());

  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals > 1) process.exit(130);
    void run.stop().catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await run.finished;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    display.stop(run.stats());
  }
  const stats = run.stats();
  console.log(summary(stats));
  for (const org of run.orgs()) {
    console.log(`organisation ${org.id} "${org.name}": ${org.devAddrs.length} devices, ${org.funded === 'none' ? 'no DC (packets stored, not bought)' : `${org.dc.toLocaleString('en-US')} DC by ${org.funded}`}; see GET /v1/orgs/me with its key`);
  }
  const truth = run.truth();
  console.log(`ground truth: ${String(values.truth)} (${truth.hotspots.length} hotspots, ${truth.hotspots.filter((h) => h.cheater).length} cheaters; clock ${new Date(truth.clock.startMs).toISOString()} → ${new Date(truth.clock.endMs).toISOString()})`);
  return 0;
}

function withSeed(s: Readonly<Scenario>, seed: number): Readonly<Scenario> {
  // The seed fixes keys, placement and every draw; nothing else depends on it.
  return Object.freeze({ ...s, seed });
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw ConfigInvalid(`${flag} ${v}: must be a non-negative integer`, { setting: flag });
  return n;
}

function positiveNumber(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw ConfigInvalid(`${flag} ${v}: must be a positive number of seconds`, { setting: flag });
  return n;
}

/** 93784000 → "1d 02:03:04". */
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(s / 86_400);
  const hms = [Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((x) => String(x).padStart(2, '0')).join(':');
  return days > 0 ? `${days}d ${hms}` : hms;
}

interface Display {
  start(s: ScenarioStats): void;
  update(s: ScenarioStats): void;
  stop(s: ScenarioStats): void;
}

/** A bar of clock time done with live rates on a terminal; a line every 10 s otherwise. */
function createDisplay(scenario: Scenario, durationMs: number, speed: number): Display {
  let last = { at: performance.now(), beacons: 0, witnesses: 0 };
  let rates = { beacons: 0, witnesses: 0 };
  const measure = (s: ScenarioStats) => {
    const now = performance.now();
    const dt = (now - last.at) / 1000;
    if (dt >= 0.5) {
      rates = { beacons: (s.totals.beacons - last.beacons) / dt, witnesses: (s.totals.witnesses - last.witnesses) / dt };
      last = { at: now, beacons: s.totals.beacons, witnesses: s.totals.witnesses };
    }
  };
  const head = (s: ScenarioStats) => ({
    clock: `${formatClock(s.elapsedMs)} / ${formatClock(durationMs)}`,
    bps: rates.beacons.toFixed(1), wps: rates.witnesses.toFixed(0),
    online: s.totals.connected, rejected: s.totals.rejected,
  });
  const present = (s: ScenarioStats) => (Object.keys(s.byBehaviour) as BehaviourName[]).filter((b) => s.byBehaviour[b].hotspots > 0);
  const line = (b: BehaviourName, s: ScenarioStats) => {
    const x = s.byBehaviour[b];
    const extra = [
      x.fabricated ? `invented ${x.fabricated}` : '', x.packets ? `packets ${x.packets}` : '', x.rejected ? `refused ${x.rejected}` : '',
      x.disconnects ? `drops ${x.disconnects}` : '',
    ].filter(Boolean).join(' · ');
    return { name: b.padEnd(15), cheat: BEHAVIOUR_MODULES[b].cheater ? 'cheats' : '      ', hotspots: String(x.hotspots).padStart(4), online: String(x.connected).padStart(4), beacons: x.beacons, witnesses: x.witnesses, extra: extra ? ` · ${extra}` : '' };
  };

  if (!process.stderr.isTTY) {
    let lastPrint = 0;
    return {
      start: (s) => measure(s),
      update(s) {
        measure(s);
        if (performance.now() - lastPrint < 10_000) return;
        lastPrint = performance.now();
        const h = head(s);
        console.error(`[${scenario.name} ${h.clock}] online ${h.online} · beacons ${s.totals.beacons} (${h.bps}/s) · witnesses ${s.totals.witnesses} (${h.wps}/s) · refused ${h.rejected}`);
      },
      stop: () => undefined,
    };
  }

  const multi = new cliProgress.MultiBar({ hideCursor: true, stream: process.stderr, clearOnComplete: false, autopadding: true, forceRedraw: true }, cliProgress.Presets.shades_classic);
  let main: cliProgress.SingleBar | null = null;
  const rows = new Map<BehaviourName, cliProgress.SingleBar>();
  const total = Math.max(1, Math.round(durationMs / 1000));
  return {
    start(s) {
      measure(s);
      main = multi.create(total, 0, head(s), {
        format: `${scenario.name} [{bar}] {percentage}% {clock} clock (${speed}×) · online {online} · beacons {bps}/s · witnesses {wps}/s · refused {rejected}`,
      });
      for (const b of present(s)) {
        rows.set(b, multi.create(1, 0, line(b, s), { format: '  {name} {cheat} {hotspots} hotspots {online} online · beacons {beacons} · witnesses {witnesses}{extra}' }));
      }
    },
    update(s) {
      measure(s);
      main?.update(Math.round(s.elapsedMs / 1000), head(s));
      for (const [b, bar] of rows) bar.update(0, line(b, s));
    },
    stop(s) {
      measure(s);
      main?.update(Math.round(s.elapsedMs / 1000), head(s));
      for (const [b, bar] of rows) bar.update(0, line(b, s));
      multi.stop();
    },
  };
}

function summary(s: ScenarioStats): string {
  const header = ['behaviour', 'hotspots', 'beacons', 'witnesses', 'invented', 'packets', 'carried', 'refused', 'missed', 'errors'];
  const rows = (Object.keys(s.byBehaviour) as BehaviourName[]).filter((b) => s.byBehaviour[b].hotspots > 0).map((b) => {
    const x = s.byBehaviour[b];
    return [b, x.hotspots, x.beacons, x.witnesses, x.fabricated, x.packets, x.carried, x.rejected, x.missed, x.publishErrors].map(String);
  });
  const t = s.totals;
  rows.push(['total', t.hotspots, t.beacons, t.witnesses, t.fabricated, t.packets, t.carried, t.rejected, t.missed, t.publishErrors].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [`${s.scenario}: ${formatClock(s.elapsedMs)} of clock time`, fmt(header), ...rows.map(fmt)].join('\n');
}
