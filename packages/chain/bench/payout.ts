// Payout packing and throughput on the in-process ledger: `npx tsx packages/chain/bench/payout.ts [owners] [ownersPerWave]`.
// Prints transfers per transaction for each layout, then pays `owners` (default 10,000) twice:
// first run creates every ATA, second pays existing ATAs. Sends in waves with a fresh blockhash
// each, as a real sender must (and bankrun refuses blockhashes older than ~1 s of wall clock).
import { randomBytes } from 'node:crypto';
import { Keypair, PublicKey } from '@solana/web3.js';
import {
  buildCreateMint,
  buildMintToEscrow,
  buildPayouts,
  createInProcessChain,
  transfersPerTransaction,
  type InProcessChain,
  type Payout,
  type PayoutOptions,
} from '../src/index.ts';

const owners = Number(process.argv[2] ?? 10_000);
const wave = Number(process.argv[3] ?? 400);
const DECIMALS = 8;

console.log('transfers per transaction (legacy, 1,232 bytes, fee payer = escrow owner):');
const marker = (k: number) => `p:20412:${k}`;
for (const createAtas of [true, false]) {
  const row = [
    ['plain', {}],
    ['+CU', { priorityFee: { microLamports: 1 } }],
    ['+CU +marker', { priorityFee: { microLamports: 1 }, marker }],
  ] as const;
  const cells = row.map(([label, o]) => `${label} ${transfersPerTransaction({ createAtas, ...(o as Partial<PayoutOptions>) })}`);
  console.log(`  ${createAtas ? 'create ATA + TransferChecked' : 'TransferChecked only       '}  ${cells.join('  ')}`);
}

async function payAll(chain: InProcessChain, mint: PublicKey, payouts: Payout[], createAtas: boolean): Promise<void> {
  let buildMs = 0;
  let sendMs = 0;
  let txs = 0;
  const t0 = performance.now();
  for (let i = 0; i < payouts.length; i += wave) {
    const b0 = performance.now();
    const batches = buildPayouts({ authority: chain.payer, mint, decimals: DECIMALS, blockhash: await chain.latestBlockhash(), payouts: payouts.slice(i, i + wave), createAtas });
    const s0 = performance.now();
    for (const b of batches) await chain.sendRawTransaction(b.bytes);
    const statuses = await chain.signatureStatuses(batches.map((b) => b.signature));
    if (statuses.some((s) => s.state !== 'finalized')) throw new Error(`a batch did not land: ${JSON.stringify(statuses.find((s) => s.state !== 'finalized'), (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    buildMs += s0 - b0;
    sendMs += performance.now() - s0;
    txs += batches.length;
    await chain.advanceBlocks(1);
  }
  const total = performance.now() - t0;
  console.log(
    `${createAtas ? 'new ATAs     ' : 'existing ATAs'}  ${payouts.length} owners in ${txs} txs: ${(total / 1000).toFixed(2)} s ` +
      `(build+sign ${(buildMs / 1000).toFixed(2)} s, send+status ${(sendMs / 1000).toFixed(2)} s, ${(sendMs / txs).toFixed(2)} ms/tx), ${Math.round((payouts.length / total) * 1000)} owners/s`,
  );
}

const chain = await createInProcessChain();
try {
  const mint = Keypair.generate();
  await chain.sendRawTransaction(buildCreateMint({ payer: chain.payer, mint, decimals: DECIMALS, blockhash: await chain.latestBlockhash() }).bytes);
  const payouts = Array.from({ length: owners }, (_, i) => ({ owner: new PublicKey(randomBytes(32)), amount: BigInt(1_000_000 + i) }));
  const perRun = payouts.reduce((s, p) => s + p.amount, 0n);
  await chain.sendRawTransaction(buildMintToEscrow({ payer: chain.payer, mint: mint.publicKey, decimals: DECIMALS, amount: 2n * perRun, blockhash: await chain.latestBlockhash() }).bytes);
  const lamports0 = await chain.lamports(chain.payer.publicKey);

  await payAll(chain, mint.publicKey, payouts, true);
  const lamports1 = await chain.lamports(chain.payer.publicKey);
  await payAll(chain, mint.publicKey, payouts, false);

  const balances = await Promise.all(payouts.map((p) => chain.tokenBalance(p.owner, mint.publicKey)));
  const wrong = balances.filter((b, i) => b !== 2n * payouts[i]!.amount).length;
  const escrow = await chain.tokenBalance(chain.payer.publicKey, mint.publicKey);
  console.log(`check: ${wrong} wrong balances, escrow left ${escrow}, supply ${await chain.tokenSupply(mint.publicKey)} = minted ${2n * perRun}`);
  console.log(`SOL spent on the first run (fees + ATA rent): ${Number(lamports0 - lamports1) / 1e9} SOL`);
  if (wrong !== 0 || escrow !== 0n) process.exitCode = 1;
} finally {
  await chain.close();
}
