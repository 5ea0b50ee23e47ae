import { access, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, HexlightError } from '@hexlight/kit';
import {
  fetchReplayEvents, formatScoreTable, parseVerdictLines, readTruth, renderScoreSvg, scoreRun, DEFAULT_THRESHOLD,
  type Truth, type VerdictLine,
} from '@hexlight/hotspot-sim';
import { BEACON_INTERVAL_MS, ENTROPY_LIFESPAN_S, exportReplayEvents, replayLines, rulesetByName, RULESET_NAMES, type Ruleset } from '@hexlight/poc';
import { openStore } from '../runtime.ts';

export const SCORE_USAGE = `hexlight sim score --truth <truth.json> [--events <events.jsonl> | --api <URL> [--admin-token <token>]]
                   [--rules ${RULESET_NAMES.join(',')}] [--threshold ${DEFAULT_THRESHOLD}] [--warmup <hours>] [--plot <file.svg>] [--json]

  Joins a simulator run's ground truth with the verdicts of each ruleset over the same reports and
  prints, per behaviour and ruleset, how many cheaters were caught and how many honest hotspots were
  wrongly invalidated (precision, recall, F1), and writes the same as an SVG plot.

  Reports of the run's period (the truth file's clock) come from, in this order of preference:
  --events     a replay input file made earlier (hexlight poc export)
  --api        a running network's admin API (GET /v1/admin/poc/export); needs --admin-token or ADMIN_TOKEN
  (neither)    the store: DATABASE_URL, or the embedded DATA_DIR of a stopped network
  Every ruleset replays the same events in this process.

  --rules      comma-separated rulesets (default ${RULESET_NAMES.join(',')})
  --threshold  flag a hotspot when this share of its beacons or of its witness reports is invalid (0 < t ≤ 1)
  --warmup     hours from the run's start to leave out (default: to the end of its first complete 6-h beacon window)
  --plot       where the SVG goes (default score.svg next to the truth file)
  --json       print the machine-readable result instead of the tables

  Exit status: 0 done, 1 the reports could not be read (network, store), 2 unusable arguments or input.`;

export interface ScoreIo {
  env?: NodeJS.ProcessEnv;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** Codes that mean "fix the arguments or the input" (exit 2) rather than "the source failed" (exit 1). */
const INPUT_CODES = new Set(['SIM_TRUTH_INVALID', 'POC_REPLAY_INPUT', 'POC_UNKNOWN_RULESET', 'POC_REPORT_MALFORMED']);

/** `hexlight sim score …`: returns the exit status. */
export async function runScore(argv: string[], io: ScoreIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const out = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => void process.stderr.write(t));
  const usage = (message: string): number => {
    err(`hexlight sim score: ${message}\n\n${SCORE_USAGE}\n`);
    return 2;
  };

  let values: { truth?: string; events?: string; api?: string; 'admin-token'?: string; rules?: string; threshold?: string; warmup?: string; plot?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        truth: { type: 'string' }, events: { type: 'string' }, api: { type: 'string' }, 'admin-token': { type: 'string' },
        rules: { type: 'string', default: RULESET_NAMES.join(',') }, threshold: { type: 'string' }, warmup: { type: 'string' },
        plot: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    return usage((e as Error).message);
  }
  if (values.help) {
    out(`${SCORE_USAGE}\n`);
    return 0;
  }
  if (!values.truth) return usage('--truth is required');
  if (values.events && values.api) return usage('--events and --api are two sources: give one');
  const threshold = values.threshold === undefined ? DEFAULT_THRESHOLD : Number(values.threshold);
  if (!(threshold > 0 && threshold <= 1)) return usage(`--threshold must be a number in (0, 1], got ${values.threshold}`);
  const warmupHours = values.warmup === undefined ? undefined : Number(values.warmup);
  if (warmupHours !== undefined && !(Number.isFinite(warmupHours) && warmupHours >= 0)) return usage(`--warmup must be a number of hours ≥ 0, got ${values.warmup}`);
  const adminToken = values['admin-token'] ?? env.ADMIN_TOKEN;
  if (values.api) {
    try {
      new URL(values.api);
    } catch {
      return usage(`--api must be a URL, got ${values.api}`);
    }
    if (!adminToken) return usage('--api needs --admin-token or ADMIN_TOKEN (the export is an admin route)');
  }
  const names = values.rules!.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0 || new Set(names).size !== names.length) return usage(`--rules must name rulesets once each, got ${values.rules}`);
  if (values.events) {
    try {
      await access(values.events);
    } catch (e) {
      return usage(`cannot read ${values.events}: ${(e as Error).message}`);
    }
  }
  const plotPath = resolve(values.plot ?? join(dirname(values.truth), 'score.svg'));

  try {
    const rules: [string, Ruleset][] = names.map((n) => [n, rulesetByName(n)]);
    const truth = await readTruth(values.truth);
    const events = await loadEvents(truth, { events: values.events, api: values.api, adminToken, env });
    err(`hexlight sim score: ${events.length.toLocaleString('en')} events, judged by ${names.join(', ')}\n`);

    const verdicts = new Map<string, VerdictLine[]>();
    for (const [i, [name, ruleset]] of rules.entries()) {
      const lines = await replayLines(events, {
        rules: ruleset,
        // Both rulesets read the same events: say what is odd about them once.
        warn: i === 0 ? (m) => err(`hexlight sim score: ${m}\n`) : () => {},
        onProgress: progress(name, err),
        progressEveryLines: 5000,
      });
      verdicts.set(name, [...parseVerdictLines(lines)]);
    }

    const result = scoreRun(truth, verdicts, {
      threshold, beaconWindowMs: BEACON_INTERVAL_MS,
      ...(warmupHours === undefined ? {} : { warmupEndMs: truth.clock.startMs + Math.round(warmupHours * 3_600_000) }),
    });
    try {
      await writeAtomically(plotPath, renderScoreSvg(result));
    } catch (e) {
      err(`hexlight sim score: cannot write the plot to ${plotPath}: ${(e as Error).message}\n`);
      return 2;
    }
    if (values.json) out(`${JSON.stringify(result, null, 2)}\n`);
    else out(`${formatScoreTable(result)}\nplot: ${plotPath}\n`);
    if (values.json) err(`hexlight sim score: plot written to ${plotPath}\n`);
    return 0;
  } catch (e) {
    if (e instanceof HexlightError) {
      const hint = e.code === 'DATA_DIR_LOCKED' ? ' (score a running network with --api <URL> --admin-token <token>)' : '';
      err(`hexlight sim score: ${e.code}: ${e.message}${hint}\n`);
      return INPUT_CODES.has(e.code) ? 2 : 1;
    }
    throw e;
  }
}

/**
 * The run's reports as replay input. The period is the truth's clock, plus one entropy lifespan
 * after its end: the witnesses of its last beacons may be stamped a moment later.
 */
async function loadEvents(truth: Truth, src: { events?: string | undefined; api?: string | undefined; adminToken?: string | undefined; env: NodeJS.ProcessEnv }): Promise<string[]> {
  const fromMs = truth.clock.startMs;
  const toMs = truth.clock.endMs + ENTROPY_LIFESPAN_S * 1000;
  if (src.events) return (await readFile(src.events, 'utf8')).split('\n');
  if (src.api) return fetchReplayEvents({ apiUrl: src.api, adminToken: src.adminToken!, fromMs, toMs });
  const store = await openStore(createLogger('sim-score', 'warn'), src.env);
  try {
    return await exportReplayEvents(store.db, { fromMs, toMs });
  } finally {
    await store.db.close();
  }
}

function progress(ruleset: string, say: (t: string) => void): (p: { lines: number; beacons: number }) => void {
  let last = Date.now();
  return (p) => {
    if (Date.now() - last < 2000) return;
    last = Date.now();
    say(`hexlight sim score: ${ruleset}: ${p.lines.toLocaleString('en')} events read, ${p.beacons.toLocaleString('en')} beacons verified\n`);
  };
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
