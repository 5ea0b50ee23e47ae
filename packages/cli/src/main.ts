import { parseArgs } from 'node:util';
import { HexlightError, resolveSecretFiles } from '@hexlight/kit';

const USAGE = `hexlight <command> [options]

  up                 the whole network in one process (embedded store, broker, services, demo fleet)
  ingest             the MQTT edge and hotspot registry alone
  migrate            apply database migrations and exit
  keys               generate a hotspot key, print its address (and save it with --out FILE)
  keys operator      create the operator's Solana payer and mint keypair files if missing
  sim                run a fleet of simulated hotspots against a running network
  sim --scenario S   run a scenario (city-dense, rural, city-mixed or a JSON file) and write its ground truth
  sim score          score a run: cheaters caught and honest hotspots wrongly invalidated, per ruleset (table + SVG)
  sim load           push a pre-signed corpus at maximum rate (load mode)
  bench <name>       run a benchmark (ingest, packets, poc, rewards, maps)
  poc                the PoC service alone (entropy, verifier, owner API)
  poc replay         verify a recorded PoC event stream offline (--rules, --in, --out)
  poc export         write a stored period as replay input (--from, --to, --out)
  rewards            the rewards service alone (epochs, mint, payouts, owner API)
  rewards reconcile  compare on-chain supply and balances with the rewards ledger
  maps               the coverage service alone (web map at /, carrier coverage API, mapper ingest)

Configuration comes from environment variables (secrets also as <NAME>_FILE); see the README's configuration table.`;

const commands: Record<string, () => Promise<{ run(argv: string[]): Promise<number | void> }>> = {
  up: () => import('./commands/up.ts'),
  ingest: () => import('./commands/ingest.ts'),
  migrate: () => import('./commands/migrate.ts'),
  keys: () => import('./commands/keys.ts'),
  sim: () => import('./commands/sim.ts'),
  bench: () => import('./commands/bench.ts'),
  poc: () => import('./commands/poc.ts'),
  rewards: () => import('./commands/rewards.ts'),
  maps: () => import('./commands/maps.ts'),
};

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  // Secrets given as <NAME>_FILE become ordinary variables before any command reads its config.
  resolveSecretFiles(process.env);
  const load = commands[name];
  if (!load) {
    console.error(`hexlight: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const command = await load();
  return (await command.run(rest)) ?? 0;
}

main().then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof HexlightError) console.error(`hexlight: ${err.code}: ${err.message}`);
    else console.error('hexlight:', err instanceof Error ? err.stack ?? err.message : err);
    process.exitCode = 1;
  },
);

export { parseArgs };
