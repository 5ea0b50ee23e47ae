import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { connectAsync, type IClientOptions } from 'mqtt';
import { brokerTlsOptions, ConfigInvalid, createLogger, createMetrics, createReadiness, envString, loadBrokerTls } from '@hexlight/kit';
import { chainEntropySource, createPoc, DEFAULT_RULESET, exportReplayEvents, loadPocConfig, RULESET_NAMES, runReplay } from '@hexlight/poc';
import { createInProcessChain, createRpcChain } from '@hexlight/chain';
import { openStore, onShutdown } from '../runtime.ts';
import { serveHttp } from '../http.ts';
import { serviceClock } from '../network-clock.ts';
import { adminMetrics, addReadiness, pocMetrics } from '../observe.ts';

const USAGE = `hexlight poc                 the PoC service alone: entropy, live verifier, owner API
                             (DATABASE_URL, POC_BROKER_URL=mqtt://user:pass@host:port, SOLANA_RPC_URL or the in-process ledger)
hexlight poc export --from <ISO time> --to <ISO time> --out <events.jsonl>
                             write a stored period as replay input
hexlight poc replay --rules <${RULESET_NAMES.join('|')}> --in <events.jsonl> --out <verdicts.jsonl | -> [--explain]

  Verifies a recorded stream of PoC reports offline (spec/poc-replay.md).
  --rules     ruleset (default ${DEFAULT_RULESET}; helium = Helium's last production verifier)
  --in        input events, JSON Lines
  --out       output verdicts, JSON Lines (- for stdout); written only when the whole input is usable
  --explain   add the numbers behind each verdict (evidence) to the output

  Exit status: 0 done, 2 unusable input or arguments (the line number and the problem on stderr).`;

/** `hexlight poc replay …` */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (sub === undefined || sub === 'serve') return serve();
  if (sub === 'export') return exportPeriod(rest);
  if (sub !== 'replay') {
    console.error(sub ? `hexlight poc: unknown subcommand "${sub}"\n\n${USAGE}` : USAGE);
    return 2;
  }
  let values: { rules?: string; in?: string; out?: string; explain?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        rules: { type: 'string' },
        in: { type: 'string' },
        out: { type: 'string' },
        explain: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`hexlight poc replay: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.in || !values.out) {
    console.error(`hexlight poc replay: --in and --out are required\n\n${USAGE}`);
    return 2;
  }
  return runReplay({
    rules: values.rules ?? DEFAULT_RULESET,
    inPath: values.in,
    outPath: values.out,
    explain: values.explain ?? false,
    stderr: (text) => process.stderr.write(text),
  });
}

/** The PoC service alone, against shared infrastructure. */
async function serve(): Promise<number> {
  const log = createLogger('poc');
  const store = await openStore(log);
  const rpc = envString(process.env, 'SOLANA_RPC_URL');
  const chain = rpc ? createRpcChain({ url: rpc, log }) : await createInProcessChain();
  const brokerUrl = envString(process.env, 'POC_BROKER_URL', 'mqtt://127.0.0.1:1883');
  if (!/^mqtts?:\/\//.test(brokerUrl)) throw ConfigInvalid('POC_BROKER_URL must be mqtt://… or mqtts://…', { setting: 'POC_BROKER_URL' });
  const mqtt = await connectAsync(brokerUrl, pocBrokerOptions(brokerUrl, process.env)).catch((err: NodeJS.ErrnoException) => {
    // The entropy publisher needs the broker from its first tick: say why it is unreachable, then exit.
    const where = new URL(brokerUrl);
    log.error({ err: err.message, code: err.code, broker: `${where.protocol}//${where.host}` }, 'poc.mqtt.connect_failed');
    throw err;
  });
  const poc = createPoc({
    db: store.db, clock: serviceClock(), log, entropySource: chainEntropySource(chain),
    publish: async (topic, payload, opts) => { await mqtt.publishAsync(topic, payload, opts); },
  }, loadPocConfig());
  await poc.start();
  const metrics = createMetrics();
  pocMetrics(metrics, poc);
  adminMetrics(metrics);
  const readiness = createReadiness();
  addReadiness(readiness, store.db, { name: 'broker', ok: () => mqtt.connected });
  const http = await serveHttp([poc.routes], log, { metrics, readiness });
  console.log(JSON.stringify({ event: 'ready', service: 'poc', http_port: http.port, store: store.description, chain: chain.kind }));
  await onShutdown(async () => {
    readiness.shutdown();
    await http.close();
    await poc.stop();
    await mqtt.endAsync();
    await chain.close();
    await store.db.close();
  }, log);
  return 0;
}

/** mqtt.js options of the entropy publisher; mqtts:// gets BROKER_TLS_* (kit `loadBrokerTls`). */
export function pocBrokerOptions(brokerUrl: string, env: Record<string, string | undefined>): IClientOptions {
  return { clientId: `poc-${process.pid}`, protocolVersion: 5, reconnectPeriod: 1000, ...brokerTlsOptions(brokerUrl, loadBrokerTls(env)) };
}

/** `hexlight poc export`: a stored period as `poc replay` input. */
async function exportPeriod(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } } });
  const fromMs = Date.parse(values.from ?? '');
  const toMs = Date.parse(values.to ?? '');
  if (!values.out || Number.isNaN(fromMs) || Number.isNaN(toMs) || toMs <= fromMs) {
    console.error(`hexlight poc export: --from and --to must be ISO times (from < to) and --out a file\n\n${USAGE}`);
    return 2;
  }
  const log = createLogger('poc-export', 'warn');
  const store = await openStore(log);
  try {
    const lines = await exportReplayEvents(store.db, { fromMs, toMs });
    await writeFile(values.out, lines.map((l) => `${l}\n`).join(''));
    console.error(`wrote ${lines.length} events to ${values.out}`);
  } finally {
    await store.db.close();
  }
  return 0;
}
