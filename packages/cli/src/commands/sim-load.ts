import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { HexlightError } from '@hexlight/kit';
import {
  CorpusInvalid, generateCorpus, LoadOptionsInvalid, pushCorpus, readCorpus, UnknownCity, writeCorpus, type Corpus, type PushResult,
} from '@hexlight/hotspot-sim';

const USAGE = `hexlight sim load [--api URL] --mqtt URL [--hotspots N --per N --seed N --city NAME | --corpus FILE]
                  [--connections N --window N --qos 0|1]
hexlight sim load --generate-only --corpus FILE [--hotspots N --per N --seed N --city NAME]

  Load mode: a pre-signed corpus published at maximum rate, each connection keeping --window
  reports unacknowledged; then the rate, PUBACK latency and errors.

  --mqtt URL         the broker. Each connection is a hotspot with its connect token, reconnecting as
                     the next hotspot when done; mqtt://user:pass@host publishes as that operator
                     service user (INGEST_SERVICE_USERS) on long-lived connections instead
  --api URL          onboard and assert the corpus hotspots through the registry API first
                     (hotspot connections need it once per network)
  --hotspots N       hotspots of a generated corpus (default 100)
  --per N            reports per hotspot (default 100): rounds of a beacon and ten witnesses
  --seed N           fixes keys, sites and every byte of the corpus (default 1)
  --city NAME        where the hotspots are asserted (default lisbon)
  --corpus FILE      publish this corpus file; with --generate-only, write the corpus to FILE
  --generate-only    sign the corpus, write it, and exit
  --connections N    concurrent connections (default: one per hotspot)
  --window N         unacknowledged reports per connection (default 4)
  --qos 0|1          default 1 (PUBACK after the network's commit)

  A report already stored (same bytes: same corpus, same seed) is acknowledged and stored once.
  Exit status: 0 every report acknowledged and none refused; 1 otherwise; 2 bad arguments or an
  unusable corpus file.`;

interface LoadArgs {
  api: string | undefined;
  mqtt: string | undefined;
  hotspots: number;
  per: number;
  seed: number;
  city: string;
  corpus: string | undefined;
  generateOnly: boolean;
  connections: number | undefined;
  window: number;
  qos: 0 | 1;
}

/** `hexlight sim load …` */
export async function runLoad(argv: string[]): Promise<number> {
  if (argv.some((a) => a === '--help' || a === '-h')) {
    console.log(USAGE);
    return 0;
  }
  try {
    const args = parseLoadArgs(argv);
    const corpus = args.corpus && !args.generateOnly ? await readCorpus(args.corpus) : await generate(args);
    if (args.generateOnly) {
      await writeCorpus(corpus, args.corpus!);
      console.log(`wrote ${args.corpus}: ${describeCorpus(corpus)}`);
      return 0;
    }
    const result = await push(corpus, args);
    printSummary(corpus, args, result);
    return result.acked === result.reports && result.errors === 0 && result.rejected === 0 ? 0 : 1;
  } catch (err) {
    if (err instanceof HexlightError && [LoadOptionsInvalid.code, CorpusInvalid.code, UnknownCity.code].includes(err.code)) {
      console.error(`hexlight sim load: ${err.code}: ${err.message}${CorpusInvalid.is(err) ? '' : `\n\n${USAGE}`}`);
      return 2;
    }
    throw err;
  }
}

function parseLoadArgs(argv: string[]): LoadArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        api: { type: 'string' },
        mqtt: { type: 'string' },
        hotspots: { type: 'string' },
        per: { type: 'string' },
        seed: { type: 'string' },
        city: { type: 'string' },
        corpus: { type: 'string' },
        'generate-only': { type: 'boolean', default: false },
        connections: { type: 'string' },
        window: { type: 'string' },
        qos: { type: 'string' },
      },
    }));
  } catch (err) {
    throw LoadOptionsInvalid((err as Error).message);
  }
  const str = (name: string) => values[name] as string | undefined;
  const int = (name: string, fallback: number, min: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < min) {
      throw LoadOptionsInvalid(`--${name} ${JSON.stringify(raw)} must be an integer ≥ ${min}`, { option: name });
    }
    return Number(raw);
  };
  const generateOnly = values['generate-only'] === true;
  const corpus = str('corpus');
  if (generateOnly) {
    if (!corpus) throw LoadOptionsInvalid('--generate-only needs --corpus FILE to write the corpus to', { option: 'corpus' });
    for (const name of ['api', 'mqtt', 'connections', 'window', 'qos']) {
      if (str(name) !== undefined) throw LoadOptionsInvalid(`--${name} is for publishing; --generate-only does not publish`, { option: name });
    }
  } else {
    if (!str('mqtt')) throw LoadOptionsInvalid('--mqtt URL is required (the broker to publish to)', { option: 'mqtt' });
    if (corpus) {
      for (const name of ['hotspots', 'per', 'seed', 'city']) {
        if (str(name) !== undefined) throw LoadOptionsInvalid(`--${name} shapes a generated corpus; ${corpus} already has its own`, { option: name });
      }
    }
  }
  const qos = str('qos') ?? '1';
  if (qos !== '0' && qos !== '1') throw LoadOptionsInvalid(`--qos ${JSON.stringify(qos)} must be 0 or 1`, { option: 'qos' });
  return {
    api: str('api'),
    mqtt: str('mqtt'),
    hotspots: int('hotspots', 100, 1),
    per: int('per', 100, 1),
    seed: int('seed', 1, Number.MIN_SAFE_INTEGER),
    city: str('city') ?? 'lisbon',
    corpus,
    generateOnly,
    connections: str('connections') === undefined ? undefined : int('connections', 0, 1),
    window: int('window', 4, 1),
    qos: qos === '1' ? 1 : 0,
  };
}

function newBar(): cliProgress.SingleBar {
  return new cliProgress.SingleBar({ format: '  {phase} [{bar}] {value}/{total} {detail}', hideCursor: true }, cliProgress.Presets.shades_classic);
}

async function generate(args: LoadArgs): Promise<Corpus> {
  const bar = newBar();
  bar.start(args.hotspots * args.per, 0, { phase: 'signing corpus', detail: '' });
  try {
    return await generateCorpus({ hotspots: args.hotspots, perHotspot: args.per, seed: args.seed, city: args.city, onProgress: (signed) => bar.update(signed) });
  } finally {
    bar.stop();
  }
}

async function push(corpus: Corpus, args: LoadArgs): Promise<PushResult> {
  const bar = newBar();
  let phase = '';
  const enter = (name: string, total: number) => {
    if (phase === name) return;
    if (phase) bar.stop();
    phase = name;
    bar.start(total, 0, { phase: name.padEnd(10), detail: '' });
  };
  const detail = (p: { ratePerS: number; inFlight: number; errors: number; rejected: number }) =>
    `${Math.round(p.ratePerS).toLocaleString('en-US')}/s · in flight ${p.inFlight} · errors ${p.errors} · refused ${p.rejected}`;
  try {
    const result = await pushCorpus(corpus, {
      mqttUrl: args.mqtt!, ...(args.api ? { apiUrl: args.api } : {}), ...(args.connections ? { connections: args.connections } : {}), window: args.window, qos: args.qos,
      onProgress: (p) => {
        enter(p.phase, p.total);
        if (p.phase === 'publishing') bar.update(p.acked, { detail: detail(p) });
        else bar.update(p.done);
      },
    });
    enter('publishing', result.reports);
    bar.update(result.acked, { detail: detail({ ...result, inFlight: 0, ratePerS: result.ratePerS }) });
    return result;
  } finally {
    if (phase) bar.stop();
  }
}

function describeCorpus(c: Corpus): string {
  const size = c.payloads.length >= 1e6 ? `${(c.payloads.length / 1e6).toFixed(1)} MB` : `${Math.ceil(c.payloads.length / 1e3)} kB`;
  return `${c.kinds.length.toLocaleString('en-US')} reports from ${c.hotspots.length.toLocaleString('en-US')} hotspots (seed ${c.seed}, ${c.city}, ${c.region}; ${size})`;
}

function printSummary(corpus: Corpus, args: LoadArgs, r: PushResult): void {
  const user = new URL(args.mqtt!).username;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const rows: [string, string][] = [
    ['corpus', `${describeCorpus(corpus)}${args.corpus ? ` from ${args.corpus}` : ''}`],
    ...(r.onboarded ? [['onboarded and asserted', `${r.onboarded.created + r.onboarded.existing} (${r.onboarded.created} new)`] as [string, string]] : []),
    ['connections × window', `${r.connections} × ${args.window}, QoS ${args.qos}, ${user ? `as service user ${decodeURIComponent(user)}` : 'as the hotspots (connect tokens)'}`],
    ['published / acknowledged', `${r.published} / ${r.acked}`],
    ['errors (not acknowledged)', String(r.errors)],
    ['refused by the network', `${r.rejected}${r.rejected ? ` (${Object.entries(r.rejections).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`],
    ['rate, whole run', `${fmt(r.ratePerS)} reports/s over ${r.seconds.toFixed(1)} s`],
    ['rate, sustained (10–90 %)', `${fmt(r.sustainedPerS)} reports/s`],
    ['PUBACK latency p50 / p99 / max', `${r.latencyMs.p50.toFixed(1)} ms / ${r.latencyMs.p99.toFixed(1)} ms / ${r.latencyMs.max.toFixed(1)} ms`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('');
  console.log(`  ${'result'.padEnd(width)}  value`);
  console.log(`  ${'-'.repeat(width)}  ${'-'.repeat(40)}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}
