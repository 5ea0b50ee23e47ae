import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { createLogger, createMetrics, createReadiness, envString } from '@hexlight/kit';
import { createRewards, formatReconcile, loadRewardsConfig, reconcile } from '@hexlight/rewards';
import { onShutdown, openChain, openStore, operatorKeys } from '../runtime.ts';
import { serveHttp } from '../http.ts';
import { serviceClock } from '../network-clock.ts';
import { adminMetrics, addReadiness, rewardsMetrics } from '../observe.ts';

const USAGE = `hexlight rewards             the rewards service alone: closes epochs, mints, pays owners, owner API
                             (DATABASE_URL, SOLANA_RPC_URL or the in-process ledger, REWARDS_* settings)
hexlight rewards reconcile [--json]
                             compare the chain (mint supply, escrow, each owner's token account)
                             with the rewards ledger; prints every difference

  Keys: REWARDS_PAYER_KEYPAIR and REWARDS_MINT_KEYPAIR (solana-keygen JSON; default $DATA_DIR/keys/).
  Exit status of reconcile: 0 zero difference, 1 differences found, 2 bad arguments.`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (sub === undefined || sub === 'serve') return serve();
  if (sub === 'reconcile') return reconcileCommand(rest);
  console.error(`hexlight rewards: unknown subcommand "${sub}"\n\n${USAGE}`);
  return 2;
}

/** The rewards service alone, against shared infrastructure (keys must exist: `hexlight keys operator`). */
async function serve(): Promise<number> {
  const log = createLogger('rewards', envString(process.env, 'LOG_LEVEL', 'info'));
  const config = loadRewardsConfig();
  const store = await openStore(log);
  const keys = await operatorKeys(process.env, { create: !envString(process.env, 'SOLANA_RPC_URL') });
  const chain = await openChain(log, keys.payer);
  const rewards = createRewards({ db: store.db, clock: serviceClock(), log, chain: chain.chain, keys }, config);
  await rewards.start();
  const metrics = createMetrics();
  rewardsMetrics(metrics, rewards);
  adminMetrics(metrics);
  const readiness = createReadiness();
  addReadiness(readiness, store.db);
  const http = await serveHttp([rewards.routes], log, { metrics, readiness });
  // The embedded provider hands out DC without a payment: right for a demo, wrong for a deployment.
  if (rewards.payments.provider === 'test') log.warn({ provider: 'test' }, 'payments.test-provider: anyone can buy DC without paying; set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET for card payments');
  console.log(JSON.stringify({
    event: 'ready', service: 'rewards', http_port: http.port, store: store.description, chain: chain.description,
    mint: keys.mint.publicKey.toBase58(), escrow_owner: keys.payer.publicKey.toBase58(), payments: rewards.payments.provider,
  }));
  await onShutdown(async () => {
    readiness.shutdown();
    await http.close();
    await rewards.stop();
    await chain.close();
    await store.db.close();
  }, log);
  return 0;
}

async function reconcileCommand(argv: string[]): Promise<number> {
  let json = false;
  try {
    json = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } }).values.json ?? false;
  } catch (err) {
    console.error(`hexlight rewards reconcile: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const log = createLogger('reconcile', 'warn');
  const store = await openStore(log);
  const keys = await operatorKeys(process.env, { create: false });
  const chain = await openChain(log, keys.payer);
  const bar = process.stderr.isTTY && !json
    ? new cliProgress.SingleBar({ format: '  owners [{bar}] {value}/{total}', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic)
    : null;
  try {
    let started = false;
    const report = await reconcile(store.db, chain.chain, {
      mint: keys.mint.publicKey,
      escrowOwner: keys.payer.publicKey,
      onProgress: (done, total) => {
        if (!bar) return;
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      },
    });
    bar?.stop();
    if (json) console.log(JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
    else console.log(formatReconcile(report));
    return report.ok ? 0 : 1;
  } finally {
    await chain.close();
    await store.db.close();
  }
}
