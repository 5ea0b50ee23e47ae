import { createReadStream } from 'node:fs';
import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseEvent } from './replay/events.ts';
import { ReplayScheduler } from './replay/scheduler.ts';
import type { Ruleset } from './verifier/checks.ts';
import { ReplayInputError, UnknownRuleset } from './verifier/errors.ts';
import { InMemoryPocState } from './verifier/memory-state.ts';
import { rulesetByName } from './verifier/rulesets.ts';
import type { PocFeed, PocState } from './verifier/state.ts';

// `hexlight poc replay` (spec/poc-replay.md): a recorded event stream in, one verdict line per
// beacon and per orphan witness out. The whole input is read and judged before a byte is
// written, and the output file appears by rename, so unusable input leaves no output at all and
// no reader ever sees a partial line.

export interface ReplayProgress {
  lines: number;
  beacons: number;
}

export interface ReplayLinesOptions {
  rules: Ruleset;
  explain?: boolean;
  /** Default: a fresh in-memory state. */
  state?: PocState & PocFeed;
  warn?: (message: string) => void;
  onProgress?: (p: ReplayProgress) => void;
  /** How often onProgress is called, in input lines. */
  progressEveryLines?: number;
}

/** Replays JSONL event lines; resolves to the output lines (without newlines). Throws POC_REPLAY_INPUT. */
export async function replayLines(input: AsyncIterable<string> | Iterable<string>, options: ReplayLinesOptions): Promise<string[]> {
  const scheduler = new ReplayScheduler({
    state: options.state ?? new InMemoryPocState(),
    rules: options.rules,
    explain: options.explain ?? false,
    ...(options.warn ? { warn: options.warn } : {}),
  });
  const every = options.progressEveryLines ?? 10_000;
  let line = 0;
  for await (const text of input) {
    line++;
    // A blank line (typically the last one) carries no event.
    if (text.trim() === '') continue;
    await scheduler.push(parseEvent(text, line));
    if (options.onProgress && line % every === 0) options.onProgress({ lines: line, beacons: scheduler.verified });
  }
  const out = await scheduler.finish();
  options.onProgress?.({ lines: line, beacons: scheduler.verified });
  return out.map((l) => l.json);
}

export interface RunReplayOptions {
  /** Ruleset name (`helium`, `hexlight`) or a ruleset. */
  rules: string | Ruleset;
  inPath: string;
  /** A file, or `-` for stdout. */
  outPath: string;
  explain?: boolean;
  /** Where messages go (the CLI passes stderr). */
  stderr?: (text: string) => void;
  /** Print progress every this many ms once a replay runs that long; 0 = never. */
  progressIntervalMs?: number;
}

/** The command: returns the exit code (0 done, 2 unusable input or arguments). */
export async function runReplay(options: RunReplayOptions): Promise<number> {
  const say = options.stderr ?? ((t: string) => process.stderr.write(t));
  let rules: Ruleset;
  try {
    rules = typeof options.rules === 'string' ? rulesetByName(options.rules) : options.rules;
  } catch (err) {
    if (UnknownRuleset.is(err)) {
      say(`hexlight poc replay: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  try {
    if (!(await stat(options.inPath)).isFile()) throw new Error('not a file');
  } catch (err) {
    say(`hexlight poc replay: cannot read ${options.inPath}: ${(err as Error).message}\n`);
    return 2;
  }

  const started = Date.now();
  const interval = options.progressIntervalMs ?? 2000;
  let lastReport = started;
  const onProgress = (p: ReplayProgress): void => {
    const now = Date.now();
    if (interval <= 0 || now - lastReport < interval) return;
    lastReport = now;
    say(`hexlight poc replay: ${p.lines.toLocaleString('en')} lines read, ${p.beacons.toLocaleString('en')} beacons verified\n`);
  };

  const input = createInterface({ input: createReadStream(options.inPath, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let lines: string[];
  try {
    lines = await replayLines(input, { rules, explain: options.explain ?? false, warn: (m) => say(`hexlight poc replay: ${options.inPath}: ${m}\n`), onProgress, progressEveryLines: 5000 });
  } catch (err) {
    if (ReplayInputError.is(err)) {
      say(`hexlight poc replay: ${options.inPath}: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    input.close();
  }

  const body = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  if (options.outPath === '-') {
    await new Promise<void>((resolve, reject) => process.stdout.write(body, (err) => (err ? reject(err) : resolve())));
  } else {
    const tmp = join(dirname(options.outPath), `.${basename(options.outPath)}.${process.pid}.tmp`);
    try {
      await writeFile(tmp, body);
      await rename(tmp, options.outPath);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }
  if (interval > 0 && Date.now() - started >= interval) say(`hexlight poc replay: done, ${lines.length.toLocaleString('en')} lines written\n`);
  return 0;
}
