import { parseArgs } from 'node:util';
import { DEFAULT_RULESET, RULESET_NAMES, runReplay } from '@hexlight/poc';

const USAGE = `hexlight poc replay --rules <${RULESET_NAMES.join('|')}> --in <events.jsonl> --out <verdicts.jsonl | -> [--explain]

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
