// The payout half of `npm run bench -- rewards`: an epoch closed for N owners (one hotspot each)
// on a real store, then the payout engine mints and pays every owner on the in-process ledger with
// the full exactly-once machinery (outbox rows before send, status settlement, markers). The
// baseline in the same run: the same transfers signed and sent straight to a fresh ledger, with no
// store, no outbox and no markers — the chain's own cost.
import cliProgress from 'cli-progress';
import { Keypair, PublicKey } from '@solana/web3.js';
import { buildCreateMint, buildMintToEscrow, buildPayouts, createInProcessChain, type Payout } from '@hexlight/chain';
import { ManualClock, silentLogger } from '@hexlight/kit';
import { closeEpoch, createPayoutEngine, DAY_MS, reconcile } from '@hexlight/rewards';
import { openBenchStore } from './store.ts';

export interface PayoutBenchResult {
  owners: number;
  seconds: number;
  transactions: { mint: number; payout: number };
  transfersPerTransaction: number;
  baselineSeconds: number;
  baselineTransactions: number;
  reconcileOk: boolean;
}

const DECIMALS = 6;

export async function benchPayouts(opts: { owners: number; store: 'pg' | 'pglite' }): Promise<PayoutBenchResult> {
  const n = opts.owners;
  console.log(`\npayouts: ${n.toLocaleString('en')} owners on the in-process ledger (store ${opts.store})`);
  const { db, cleanup } = await openBenchStore(opts.store, 'payouts');
  const chain = await createInProcessChain();
  try {
    // ---- set-up (not measured): one closed epoch, one hotspot per owner ----
    let t = performance.now();
    const owners = Array.from({ length: n }, () => Keypair.generate().publicKey.toBase58());
    const epoch = 20_400;
    const at = new Date(epoch * DAY_MS + 1000);
    const hotspots = owners.map((_, i) => `bench-hotspot-${i}`);
    for (let i = 0; i < n; i += 5000) {
      const h = hotspots.slice(i, i + 5000);
      await db.query(
        `INSERT INTO hotspots (address, key_binary, owner, onboarded_at)
         SELECT a, sha256(convert_to(a, 'UTF8')), o, $3 FROM unnest($1::text[], $2::text[]) AS u(a, o)`,
        [h, owners.slice(i, i + 5000), at],
      );
      await db.query(
        `INSERT INTO poc_reward_shares (poc_id, hotspot, role, reward_at, hex_scale, reward_unit, shares)
         SELECT sha256(convert_to(a, 'UTF8')), a, 'witness', $2, 1, 1, 1 + (ord % 7) FROM unnest($1::text[]) WITH ORDINALITY AS u(a, ord)`,
        [h, at],
      );
    }
    const clock = new ManualClock((epoch + 1) * DAY_MS + 1);
    await closeEpoch(db, {
      epochNumber: epoch, epochLengthMs: DAY_MS, clock, decimals: DECIMALS, tokenPriceUsd: '0.0004',
      schedule: { dailyEmission: 44_520_000n * 10n ** BigInt(DECIMALS), startMs: Date.UTC(2025, 7, 1), halvingIntervalDays: 730 },
    });
    console.log(`  set-up: ${n.toLocaleString('en')} owners rewarded in a closed epoch in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // ---- measured: the engine, from the closed epoch to every owner paid and booked ----
    const mint = Keypair.generate();
    const engine = createPayoutEngine({ db, chain, clock, log: silentLogger(), keys: { payer: chain.payer, mint } }, { decimals: DECIMALS, wave: 50 });
    await engine.ensureMint();
    const bar = new cliProgress.SingleBar({ format: '  paying [{bar}] {value}/{total} owners booked · {rate} owners/s', hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(n, 0, { rate: '0' });
    t = performance.now();
    for (let pass = 0; pass < 1000; pass++) {
      const r = await engine.pass();
      const paid = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM payout_items i JOIN payout_jobs j ON j.job = i.job WHERE j.state = 'done'`);
      const booked = Number(paid.rows[0]!.n);
      bar.update(booked, { rate: Math.round(booked / ((performance.now() - t) / 1000)).toLocaleString('en') });
      if (r.pending === 0 && r.signed === 0 && booked === n) break;
      if (r.stuck > 0) throw new Error(`payout jobs stuck: ${JSON.stringify(await engine.status())}`);
    }
    const seconds = (performance.now() - t) / 1000;
    bar.stop();
    const tx = await db.query<{ kind: string; n: string }>(`SELECT j.kind, count(*)::text AS n FROM chain_transactions t JOIN payout_jobs j ON j.job = t.job WHERE t.state = 'landed' GROUP BY j.kind`);
    const count = (k: string) => Number(tx.rows.find((r) => r.kind === k)?.n ?? 0);
    const transactions = { mint: count('mint'), payout: count('payout') };
    const report = await reconcile(db, chain, { mint: mint.publicKey, escrowOwner: chain.payer.publicKey });

    // ---- baseline: the same transfers straight to a fresh ledger ----
    const baseline = await sendDirect(owners.map((o) => new PublicKey(o)));

    const perTx = n / transactions.payout;
    console.log('');
    console.log('  | what | owners | transactions | transfers/tx | seconds | owners/s |');
    console.log('  |---|---|---|---|---|---|');
    console.log(`  | payout engine (outbox, markers, status, booking) | ${n} | ${transactions.mint} mint + ${transactions.payout} payout | ${perTx.toFixed(1)} | ${seconds.toFixed(1)} | ${Math.round(n / seconds)} |`);
    console.log(`  | baseline: raw signed transfers, no store, no markers | ${n} | ${baseline.transactions} | ${(n / baseline.transactions).toFixed(1)} | ${baseline.seconds.toFixed(1)} | ${Math.round(n / baseline.seconds)} |`);
    console.log(`  reconcile after the run: ${report.ok ? 'zero difference' : 'DIFFERENCES FOUND'} (${report.owners.checked} owners checked, supply ${report.supply.chain})`);
    if (!report.ok) throw new Error('reconcile found differences after the payout bench');
    return { owners: n, seconds, transactions, transfersPerTransaction: perTx, baselineSeconds: baseline.seconds, baselineTransactions: baseline.transactions, reconcileOk: report.ok };
  } finally {
    await chain.close();
    await cleanup();
  }
}

/** Mint and pay `owners` 1 base unit each, in waves of 50 transactions per fresh blockhash. */
async function sendDirect(owners: PublicKey[]): Promise<{ seconds: number; transactions: number }> {
  const chain = await createInProcessChain();
  try {
    const payer = chain.payer;
    const mint = Keypair.generate();
    await chain.sendRawTransaction(buildCreateMint({ payer, mint, decimals: DECIMALS, blockhash: await chain.latestBlockhash() }).bytes);
    const t = performance.now();
    await chain.sendRawTransaction(buildMintToEscrow({ payer, mint: mint.publicKey, decimals: DECIMALS, amount: BigInt(owners.length), blockhash: await chain.latestBlockhash() }).bytes);
    const payouts: Payout[] = owners.map((owner) => ({ owner, amount: 1n }));
    let transactions = 1;
    const perWave = 500; // owners per blockhash
    for (let i = 0; i < payouts.length; i += perWave) {
      const txs = buildPayouts({ authority: payer, mint: mint.publicKey, decimals: DECIMALS, blockhash: await chain.latestBlockhash(), payouts: payouts.slice(i, i + perWave) });
      for (const tx of txs) await chain.sendRawTransaction(tx.bytes);
      transactions += txs.length;
    }
    return { seconds: (performance.now() - t) / 1000, transactions };
  } finally {
    await chain.close();
  }
}
