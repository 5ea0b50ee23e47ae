// Cost of the in-process ledger's state file: `npx tsx packages/chain/bench/state.ts [owners=2000] [dir=os.tmpdir()]`.
// 1. One save (render the whole snapshot + write + fsync + rename + directory fsync) after one
//    payout transaction's worth of changes, at 100 / 1,000 / 10,000 / 100,000 tracked accounts.
// 2. End to end: paying `owners` new owners in waves, without and with a state file, sequential
//    sends and concurrent ones (coalesced saves).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair, PublicKey } from '@solana/web3.js';
import { buildCreateMint, buildMintToEscrow, buildPayouts, createInProcessChain, type Payout } from '../src/index.ts';
import { StateFile, U64_MAX, type SavedAccount } from '../src/state-file.ts';

const owners = Number(process.argv[2] ?? 2_000);
const dir = mkdtempSync(join(process.argv[3] ?? tmpdir(), 'hexlight-state-bench-'));
const TOKEN = new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');

const tokenAccount = (): SavedAccount => ({ lamports: 2_039_280n, owner: TOKEN, executable: false, rentEpoch: U64_MAX, data: Keypair.generate().secretKey.slice(0, 165) });
const fakeSignature = () => Buffer.from(Keypair.generate().secretKey).toString('hex').slice(0, 88);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  console.log('one save after a payout transaction (22 accounts + 1 signature changed), median of 30:');
  for (const n of [100, 1_000, 10_000, 100_000]) {
    const state = new StateFile(join(dir, `save-${n}.json`), Keypair.generate().publicKey.toBase58());
    const addresses = Array.from({ length: n }, () => Keypair.generate().publicKey.toBase58());
    state.putAccounts(addresses.map((a) => [a, tokenAccount()] as const));
    for (let i = 0; i < n / 10; i++) state.putSignature(fakeSignature(), { slot: 1n, commitment: 'finalized', error: null });
    await state.flush();
    const save: number[] = [];
    const render: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      state.putAccounts(Array.from({ length: Math.min(22, n) }, (_, k) => [addresses[(i * 22 + k) % n]!, tokenAccount()] as const)); // same count: updates
      state.putSignature(fakeSignature(), { slot: 2n, commitment: 'finalized', error: null });
      await state.flush();
      save.push(performance.now() - t0);
      const r0 = performance.now();
      state.render();
      render.push(performance.now() - r0);
    }
    const mb = (state.lastWrite!.bytes / 1e6).toFixed(2);
    console.log(`  ${String(n).padStart(7)} accounts, ${String(n / 10).padStart(6)} signatures: ${median(save).toFixed(2)} ms per save (render ${median(render).toFixed(2)} ms), file ${mb} MB`);
  }

  console.log('\nopening a saved ledger (read + validate + setAccount each + first write), bankrun start included:');
  for (const n of [100, 10_000, 100_000]) {
    const payer = Keypair.generate();
    const path = join(dir, `open-${n}.json`);
    const state = new StateFile(path, payer.publicKey.toBase58());
    state.putAccounts(Array.from({ length: n }, () => [Keypair.generate().publicKey.toBase58(), tokenAccount()] as const));
    for (let i = 0; i < n / 10; i++) state.putSignature(Keypair.generate().publicKey.toBase58() + Keypair.generate().publicKey.toBase58(), { slot: 1n, commitment: 'finalized', error: null });
    state.setHeights({ slot: 10n, blockHeight: 10n, lastValidBlockHeight: 310n });
    await state.cover(310n);
    const t0 = performance.now();
    const chain = await createInProcessChain({ payer, stateFile: path });
    console.log(`  ${String(n).padStart(7)} accounts: ${(performance.now() - t0).toFixed(0)} ms`);
    await chain.close();
  }

  console.log(`\npaying ${owners} new owners, 10 per transaction, waves of 400 owners:`);
  for (const mode of ['memory', 'state file'] as const) {
    for (const concurrent of [false, true]) {
      const payer = Keypair.generate();
      const chain = await createInProcessChain({ payer, ...(mode === 'state file' ? { stateFile: join(dir, `e2e-${concurrent}.json`) } : {}) });
      const mint = Keypair.generate();
      await chain.sendRawTransaction(buildCreateMint({ payer, mint, decimals: 6, blockhash: await chain.latestBlockhash() }).bytes);
      await chain.sendRawTransaction(buildMintToEscrow({ payer, mint: mint.publicKey, decimals: 6, amount: 10n ** 15n, blockhash: await chain.latestBlockhash() }).bytes);
      const payouts: Payout[] = Array.from({ length: owners }, (_, i) => ({ owner: Keypair.generate().publicKey, amount: BigInt(i + 1) }));
      let sendMs = 0;
      let txs = 0;
      for (let i = 0; i < payouts.length; i += 400) {
        const batches = buildPayouts({ authority: payer, mint: mint.publicKey, decimals: 6, blockhash: await chain.latestBlockhash(), payouts: payouts.slice(i, i + 400), maxTransfersPerTransaction: 10 });
        const t0 = performance.now();
        if (concurrent) await Promise.all(batches.map((b) => chain.sendRawTransaction(b.bytes)));
        else for (const b of batches) await chain.sendRawTransaction(b.bytes);
        sendMs += performance.now() - t0;
        txs += batches.length;
      }
      console.log(`  ${mode.padEnd(10)} ${concurrent ? 'concurrent' : 'sequential'}: ${(sendMs / txs).toFixed(2)} ms per transaction (${txs} transactions)${chain.stateFile ? `, ${owners * 2 + 3} tracked accounts` : ''}`);
      await chain.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
