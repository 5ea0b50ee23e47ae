import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair, SystemProgram, Transaction, type PublicKey } from '@solana/web3.js';
import bs58 from 'bs58';
import {
  associatedTokenAddress,
  buildCreateMint,
  buildMintToEscrow,
  buildPayouts,
  chainContract,
  createInProcessChain,
  markerAddress,
  type InProcessChain,
  type InProcessChainOptions,
  type Payout,
  type SignatureStatus,
} from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'hexlight-chain-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `ledger-${++files}`, 'nested', 'ledger.json');

// The whole port contract again, on a ledger that saves to a state file.
await chainContract('in-process with a state file', () => createInProcessChain({ payer: Keypair.generate(), stateFile: freshFile() }));

const DECIMALS = 6;
const MINTED = 1_000_000_000n;
const owners = (n: number, base = 100): Payout[] => Array.from({ length: n }, (_, i) => ({ owner: Keypair.generate().publicKey, amount: BigInt(base + i) }));

interface SavedFile {
  format: string;
  version: number;
  payer: string;
  blockHeight: string;
  lastValidBlockHeight: string;
  accounts: Record<string, { lamports: string; owner: string; executable: boolean; rentEpoch: string; data: string }>;
  signatures: Record<string, { slot: string; commitment: string; error: string | null }>;
}
const readSaved = (file: string): SavedFile => JSON.parse(readFileSync(file, 'utf8')) as SavedFile;

describe('in-process chain with a state file', () => {
  const open: InProcessChain[] = [];
  /** Opens a ledger; `afterEach` closes it (unless the test drops it to simulate a crash). */
  async function openChain(opts: InProcessChainOptions): Promise<InProcessChain> {
    const chain = await createInProcessChain(opts);
    open.push(chain);
    return chain;
  }
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
  });

  async function withMint(c: InProcessChain): Promise<PublicKey> {
    const mint = Keypair.generate();
    await c.sendRawTransaction(buildCreateMint({ payer: c.payer, mint, decimals: DECIMALS, blockhash: await c.latestBlockhash() }).bytes);
    await c.sendRawTransaction(buildMintToEscrow({ payer: c.payer, mint: mint.publicKey, decimals: DECIMALS, amount: MINTED, blockhash: await c.latestBlockhash(), marker: 'm:1' }).bytes);
    return mint.publicKey;
  }
  const balances = (c: InProcessChain, ps: Payout[], mint: PublicKey) => Promise.all(ps.map((p) => c.tokenBalance(p.owner, mint)));

  it('keeps mints, token accounts, lamports, markers and signature history across a restart', async () => {
    const payer = Keypair.generate();
    const stateFile = freshFile();
    const a = await openChain({ payer, stateFile });
    expect(a.stateFile).toBe(stateFile);
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    const mint = await withMint(a);
    const payouts = owners(6);
    const batches = buildPayouts({
      authority: payer, mint, decimals: DECIMALS, blockhash: await a.latestBlockhash(), payouts, marker: (k) => `p:7:${k}`, maxTransfersPerTransaction: 2,
    });
    expect(batches).toHaveLength(3);
    for (const b of batches) expect(await a.sendRawTransaction(b.bytes)).toBe(b.signature);
    const funded = Keypair.generate().publicKey;
    await a.fund(funded, 123_456n);
    await a.advanceBlocks(3);
    // Built and never sent: after the restart its blockhash is gone.
    const unsent = buildPayouts({ authority: payer, mint, decimals: DECIMALS, blockhash: await a.latestBlockhash(), payouts: owners(1, 5) })[0]!;

    const signatures = batches.map((b) => b.signature);
    const before = {
      supply: await a.tokenSupply(mint),
      balances: await balances(a, payouts, mint),
      escrow: await a.tokenBalance(payer.publicKey, mint),
      payer: await a.lamports(payer.publicKey),
      funded: await a.lamports(funded),
      statuses: await a.signatureStatuses(signatures),
      height: await a.blockHeight(),
      lastValid: (await a.latestBlockhash()).lastValidBlockHeight,
    };
    expect(before.statuses.every((s) => s.state === 'finalized')).toBe(true);
    expect(before.escrow).toBe(MINTED - payouts.reduce((s, p) => s + p.amount, 0n));
    await a.close();

    // Only our accounts are saved, never programs or sysvars; rent-exempt accounts keep u64::MAX.
    const saved = readSaved(stateFile);
    expect(saved).toMatchObject({ format: 'hexlight-in-process-ledger', version: 1, payer: payer.publicKey.toBase58() });
    const keys = Object.keys(saved.accounts);
    for (const k of [payer.publicKey, mint, funded, associatedTokenAddress(payer.publicKey, mint), markerAddress(payer.publicKey, 'p:7:2'), ...payouts.map((p) => associatedTokenAddress(p.owner, mint))]) {
      expect(keys).toContain(k.toBase58());
    }
    for (const program of [SystemProgram.programId.toBase58(), 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL']) expect(keys).not.toContain(program);
    expect(keys.filter((k) => k.startsWith('Sysvar'))).toEqual([]);
    expect(saved.accounts[mint.toBase58()]!.rentEpoch).toBe('18446744073709551615');
    expect(Object.keys(saved.signatures)).toEqual(expect.arrayContaining(signatures));

    const b = await openChain({ payer, stateFile });
    expect(await b.tokenSupply(mint)).toBe(before.supply);
    expect(await balances(b, payouts, mint)).toEqual(before.balances);
    expect(await b.tokenBalance(payer.publicKey, mint)).toBe(before.escrow);
    expect(await b.lamports(payer.publicKey)).toBe(before.payer); // not funded again
    expect(await b.lamports(funded)).toBe(before.funded);
    expect(await b.signatureStatuses(signatures)).toEqual(before.statuses);
    // Heights move on past every lastValidBlockHeight handed out before: old transactions are expired for good.
    const height = await b.blockHeight();
    expect(height).toBeGreaterThanOrEqual(before.height);
    expect(height).toBeGreaterThan(before.lastValid);
    expect(height).toBeGreaterThan(unsent.lastValidBlockHeight);
    expect((await b.latestBlockhash()).lastValidBlockHeight).toBeGreaterThan(before.lastValid);

    // Old bytes never execute again: landed ones and never-sent ones alike.
    await expect(b.sendRawTransaction(batches[0]!.bytes)).rejects.toMatchObject({ code: 'CHAIN_BLOCKHASH_NOT_FOUND' });
    await expect(b.sendRawTransaction(unsent.bytes)).rejects.toMatchObject({ code: 'CHAIN_BLOCKHASH_NOT_FOUND' });
    expect(await b.signatureStatus(unsent.signature)).toEqual({ state: 'unknown' });

    // The once-only marker survives: the same batch re-signed with a new blockhash is refused at it.
    const again = buildPayouts({
      authority: payer, mint, decimals: DECIMALS, blockhash: await b.latestBlockhash(), payouts, marker: (k) => `p:7:${k}`, maxTransfersPerTransaction: 2,
    });
    expect(again.map((t) => t.signature)).not.toEqual(signatures);
    for (const t of again) {
      await expect(b.sendRawTransaction(t.bytes)).rejects.toMatchObject({ code: 'CHAIN_TX_REJECTED', details: { instructionIndex: 0, customCode: 0 } });
    }
    const mintAgain = buildMintToEscrow({ payer, mint, decimals: DECIMALS, amount: 5n, blockhash: await b.latestBlockhash(), marker: 'm:1' });
    await expect(b.sendRawTransaction(mintAgain.bytes)).rejects.toMatchObject({ code: 'CHAIN_TX_REJECTED', details: { customCode: 0 } });
    expect(await balances(b, payouts, mint)).toEqual(before.balances);
    expect(await b.tokenSupply(mint)).toBe(before.supply);

    // The restored ledger keeps working and saving; a second restart moves heights on again.
    const more = owners(2, 900);
    const [next] = buildPayouts({ authority: payer, mint, decimals: DECIMALS, blockhash: await b.latestBlockhash(), payouts: [payouts[0]!, ...more], marker: (k) => `p:8:${k}` });
    expect(await b.sendRawTransaction(next!.bytes)).toBe(next!.signature);
    const lastValid = (await b.latestBlockhash()).lastValidBlockHeight;
    await b.close();
    const c = await openChain({ payer, stateFile });
    expect(await c.signatureStatus(next!.signature)).toMatchObject({ state: 'finalized' });
    expect(await balances(c, more, mint)).toEqual(more.map((p) => p.amount));
    expect(await c.tokenBalance(payouts[0]!.owner, mint)).toBe(payouts[0]!.amount * 2n);
    expect(await c.blockHeight()).toBeGreaterThan(lastValid);
  });

  it('keeps failed statuses, and a re-signed marker batch lands as failed without preflight', async () => {
    const payer = Keypair.generate();
    const stateFile = freshFile();
    const a = await openChain({ payer, stateFile, preflight: false });
    const mint = await withMint(a);
    const twice = buildMintToEscrow({ payer, mint, decimals: DECIMALS, amount: 5n, blockhash: await a.latestBlockhash(), marker: 'm:1' });
    await a.sendRawTransaction(twice.bytes);
    const failed = await a.signatureStatus(twice.signature);
    expect(failed).toMatchObject({ state: 'failed', instructionIndex: 0, customCode: 0 });
    await a.close();

    const b = await openChain({ payer, stateFile, preflight: false });
    expect(await b.signatureStatus(twice.signature)).toEqual(failed);
    const payer0 = await b.lamports(payer.publicKey);
    const thrice = buildMintToEscrow({ payer, mint, decimals: DECIMALS, amount: 5n, blockhash: await b.latestBlockhash(), marker: 'm:1' });
    expect(await b.sendRawTransaction(thrice.bytes)).toBe(thrice.signature);
    expect(await b.signatureStatus(thrice.signature)).toMatchObject({ state: 'failed', instructionIndex: 0, customCode: 0 });
    expect(payer0 - (await b.lamports(payer.publicKey))).toBe(5_000n); // the fee, nothing else
    expect(await b.tokenSupply(mint)).toBe(MINTED);
  });

  it('has every landed transaction after a crash without close (saved before send returns)', async () => {
    const payer = Keypair.generate();
    const stateFile = freshFile();
    const a = await createInProcessChain({ payer, stateFile }); // never closed: it "crashes"
    const mint = await withMint(a);
    const payouts = owners(40);
    const batches = buildPayouts({ authority: payer, mint, decimals: DECIMALS, blockhash: await a.latestBlockhash(), payouts, maxTransfersPerTransaction: 4 });
    expect(batches.length).toBe(10);
    // Concurrent sends: each one returns only once a snapshot holding it is on disk.
    const onDisk = await Promise.all(batches.map((t) => a.sendRawTransaction(t.bytes).then((sig) => sig in readSaved(stateFile).signatures)));
    expect(onDisk).toEqual(batches.map(() => true));
    // lost-response: the call fails, but what landed is saved first.
    const [lost] = buildPayouts({ authority: payer, mint, decimals: DECIMALS, blockhash: await a.latestBlockhash(), payouts: owners(1, 77) });
    a.inject({ kind: 'lost-response' });
    await expect(a.sendRawTransaction(lost!.bytes)).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
    expect(readSaved(stateFile).signatures).toHaveProperty(lost!.signature);
    // delay: lands in the closing block and is saved before advanceBlocks returns.
    const [held] = buildPayouts({ authority: payer, mint, decimals: DECIMALS, blockhash: await a.latestBlockhash(), payouts: owners(1, 88) });
    a.inject({ kind: 'delay' });
    await a.sendRawTransaction(held!.bytes);
    expect(readSaved(stateFile).signatures).not.toHaveProperty(held!.signature);
    await a.advanceBlocks(1);
    expect(readSaved(stateFile).signatures).toHaveProperty(held!.signature);
    const height = await a.blockHeight();
    const escrow = await a.tokenBalance(payer.publicKey, mint);
    const payerLamports = await a.lamports(payer.publicKey);

    const b = await openChain({ payer, stateFile });
    const landed = [...batches.map((t) => t.signature), lost!.signature, held!.signature];
    expect((await b.signatureStatuses(landed)).map((s: SignatureStatus) => s.state)).toEqual(landed.map(() => 'finalized'));
    expect(await balances(b, payouts, mint)).toEqual(payouts.map((p) => p.amount));
    expect(await b.tokenBalance(payer.publicKey, mint)).toBe(escrow);
    expect(await b.lamports(payer.publicKey)).toBe(payerLamports);
    expect(await b.blockHeight()).toBeGreaterThan(height);
  });

  it('never reports a height or lastValidBlockHeight after a crash that the restored ledger has not passed, writing once per lifetime only', async () => {
    const payer = Keypair.generate();
    const stateFile = freshFile();
    const a = await createInProcessChain({ payer, stateFile, blockhashLifetime: 5 }); // never closed: it "crashes"
    let maxHeight = 0n;
    let maxValid = 0n;
    const written = new Set<string>();
    for (let i = 0; i < 30; i++) {
      await a.advanceBlocks(1); // no transactions: only heights move
      const h = await a.blockHeight();
      const { lastValidBlockHeight } = await a.latestBlockhash();
      if (h > maxHeight) maxHeight = h;
      if (lastValidBlockHeight > maxValid) maxValid = lastValidBlockHeight;
      written.add(readSaved(stateFile).lastValidBlockHeight);
    }
    // A write every `lifetime` blocks (bound = height + 2 lifetimes), not one per block.
    expect(written.size).toBeGreaterThanOrEqual(4);
    expect(written.size).toBeLessThanOrEqual(8);
    const b = await openChain({ payer, stateFile });
    expect(await b.blockHeight()).toBeGreaterThan(maxHeight);
    expect(await b.blockHeight()).toBeGreaterThan(maxValid);
  });

  it('refuses a corrupt or foreign state file with CHAIN_STATE_INVALID naming it, and leaves it alone', async () => {
    const payer = Keypair.generate();
    const good = freshFile();
    const a = await openChain({ payer, stateFile: good });
    await withMint(a);
    await a.close();
    const text = readFileSync(good, 'utf8');

    const cases: Record<string, string> = {
      truncated: text.slice(0, Math.floor(text.length / 2)),
      empty: '',
      'not an object': '[]',
      'another format': JSON.stringify({ ...JSON.parse(text), format: 'something-else' }),
      'a future version': JSON.stringify({ ...JSON.parse(text), version: 2 }),
      'a bad account': text.replace(/"lamports":"\d+"/, '"lamports":-1'),
      'bad base64': text.replace(/"data":"[^"]*"/, '"data":"not base64!"'),
      'a bad signature entry': JSON.stringify({ ...JSON.parse(text), signatures: { nope: { slot: '1', commitment: 'finalized', error: null } } }),
    };
    for (const [name, content] of Object.entries(cases)) {
      const file = join(dir, `corrupt-${name.replace(/ /g, '-')}.json`);
      writeFileSync(file, content);
      const err = await createInProcessChain({ payer, stateFile: file }).catch((e: unknown) => e);
      expect(err, name).toMatchObject({ code: 'CHAIN_STATE_INVALID', details: { path: file } });
      expect((err as Error).message, name).toContain(file);
      expect(readFileSync(file, 'utf8'), name).toBe(content);
    }
    // A directory where the file should be: unreadable, not "missing".
    await expect(createInProcessChain({ payer, stateFile: dir })).rejects.toMatchObject({ code: 'CHAIN_STATE_INVALID' });
  });

  it('needs the payer with a state file, and the same payer it was written for', async () => {
    await expect(createInProcessChain({ stateFile: freshFile() })).rejects.toMatchObject({ code: 'CHAIN_INVALID_ARGUMENT' });
    await expect(createInProcessChain({ payer: Keypair.generate(), stateFile: '' })).rejects.toMatchObject({ code: 'CHAIN_INVALID_ARGUMENT' });
    const stateFile = freshFile();
    await (await openChain({ payer: Keypair.generate(), stateFile })).close();
    await expect(createInProcessChain({ payer: Keypair.generate(), stateFile })).rejects.toMatchObject({ code: 'CHAIN_INVALID_ARGUMENT' });
  });

  it('funds the payer of a fresh ledger only, and saves fund() and lamport transfers', async () => {
    const payer = Keypair.generate();
    const stateFile = freshFile();
    const a = await createInProcessChain({ payer, stateFile, payerLamports: 7_000_000_000n }); // never closed
    expect(await a.lamports(payer.publicKey)).toBe(7_000_000_000n);
    const to = Keypair.generate().publicKey;
    const blockhash = await a.latestBlockhash();
    const tx = new Transaction({ feePayer: payer.publicKey, blockhash: blockhash.blockhash, lastValidBlockHeight: Number(blockhash.lastValidBlockHeight) });
    tx.add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 1_000_000 }));
    tx.sign(payer);
    expect(await a.sendRawTransaction(tx.serialize())).toBe(bs58.encode(tx.signature!));
    await a.fund(payer.publicKey, 1n); // crash right after: fund() is saved before it returns
    const b = await openChain({ payer, stateFile, payerLamports: 1n });
    expect(await b.lamports(payer.publicKey)).toBe(7_000_000_000n - 1_000_000n - 5_000n + 1n);
    expect(await b.lamports(to)).toBe(1_000_000n);
  });
});
