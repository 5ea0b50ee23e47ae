import { Keypair, PublicKey, SystemProgram, Transaction } from '@solana/web3.js';
import bs58 from 'bs58';
import type { Chain, LatestBlockhash, SignatureStatus } from './port.ts';
import type { TestLedger } from './in-process.ts';
import { buildCreateMint, buildMintToEscrow, buildPayouts, PACKET_DATA_SIZE, type Payout, type SignedTransaction } from './transactions.ts';

const DECIMALS = 8;
const MINTED = 5_000_000_000_000n;

/** A fresh mint with `MINTED` in the payer's escrow. */
async function setUpMint(ledger: TestLedger): Promise<PublicKey> {
  const mint = Keypair.generate();
  await land(ledger, buildCreateMint({ payer: ledger.payer, mint, decimals: DECIMALS, blockhash: await ledger.latestBlockhash() }));
  await land(ledger, buildMintToEscrow({ payer: ledger.payer, mint: mint.publicKey, decimals: DECIMALS, amount: MINTED, blockhash: await ledger.latestBlockhash() }));
  return mint.publicKey;
}

/** Sends and waits until the status is final (immediate in-process; a real validator takes a moment). */
async function land(chain: Chain, tx: SignedTransaction): Promise<SignatureStatus> {
  const sig = await chain.sendRawTransaction(tx.bytes);
  if (sig !== tx.signature) throw new Error(`sendRawTransaction returned ${sig}, expected ${tx.signature}`);
  return settle(chain, sig);
}

async function settle(chain: Chain, signature: string, timeoutMs = 20_000): Promise<SignatureStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await chain.signatureStatus(signature);
    if (s.state === 'finalized' || s.state === 'failed' || Date.now() > until) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function owners(n: number, seed: number): Payout[] {
  return Array.from({ length: n }, (_, i) => ({ owner: Keypair.generate().publicKey, amount: BigInt(seed + i * 1_000 + 1) }));
}

function lamportTransfer(ledger: TestLedger, blockhash: LatestBlockhash, to = Keypair.generate().publicKey): SignedTransaction & { to: PublicKey } {
  const tx = new Transaction({ feePayer: ledger.payer.publicKey, blockhash: blockhash.blockhash, lastValidBlockHeight: Number(blockhash.lastValidBlockHeight) });
  tx.add(SystemProgram.transfer({ fromPubkey: ledger.payer.publicKey, toPubkey: to, lamports: 1_000_000 }));
  tx.sign(ledger.payer);
  const bytes = tx.serialize();
  return { bytes, signature: bs58.encode(tx.signature!), blockhash: blockhash.blockhash, lastValidBlockHeight: blockhash.lastValidBlockHeight, size: bytes.length, to };
}

/**
 * The Chain port's contract, run against every ledger that offers test controls (`TestLedger`):
 * the in-process adapter here, a solana-test-validator harness wherever one is available. Fault
 * tests run only when the ledger can `inject`. Async because vitest is loaded on call: importing
 * @hexlight/chain in production must never pull in the test runner. Call it with `await` at the
 * top level of a test file; `makeLedger` returns a fresh ledger, the suite closes it.
 */
export async function chainContract(name: string, makeLedger: () => Promise<TestLedger>): Promise<void> {
  const { describe, it, expect, beforeEach, afterEach } = await import('vitest');

  describe(`chain contract: ${name}`, () => {
    let ledger: TestLedger;
    beforeEach(async () => {
      ledger = await makeLedger();
    });
    afterEach(async () => {
      await ledger?.close();
    });

    const balances = (ps: Payout[], mint: PublicKey) => Promise.all(ps.map((p) => ledger.tokenBalance(p.owner, mint)));

    describe('reads', () => {
      it('hands out a new blockhash as blocks advance, with heights that move forward', async () => {
        const a = await ledger.latestBlockhash();
        const h0 = await ledger.blockHeight();
        expect(a.lastValidBlockHeight).toBeGreaterThan(h0);
        await ledger.advanceBlocks(3);
        const b = await ledger.latestBlockhash();
        expect(b.blockhash).not.toBe(a.blockhash);
        expect(b.slot).toBeGreaterThan(a.slot);
        expect(await ledger.blockHeight()).toBeGreaterThanOrEqual(h0 + 3n);
        expect(b.lastValidBlockHeight).toBeGreaterThanOrEqual(a.lastValidBlockHeight + 3n);
      });

      it('reads 0n for a missing token account, false for a missing account, and refuses a missing mint', async () => {
        const mint = await setUpMint(ledger);
        const stranger = Keypair.generate().publicKey;
        expect(await ledger.tokenBalance(stranger, mint)).toBe(0n);
        expect(await ledger.accountExists(stranger)).toBe(false);
        expect(await ledger.lamports(stranger)).toBe(0n);
        expect(await ledger.accountExists(mint)).toBe(true);
        expect(await ledger.lamports(ledger.payer.publicKey)).toBeGreaterThan(0n);
        await expect(ledger.tokenSupply(Keypair.generate().publicKey)).rejects.toMatchObject({ code: 'CHAIN_ACCOUNT_NOT_FOUND' });
        expect(await ledger.signatureStatus('1111111111111111111111111111111111111111111111111111111111111111')).toEqual({ state: 'unknown' });
      });
    });

    describe('payouts', () => {
      it('creates a mint, mints to the escrow and pays 50 owners exactly', async () => {
        const mint = await setUpMint(ledger);
        expect(await ledger.tokenSupply(mint)).toBe(MINTED);
        expect(await ledger.tokenBalance(ledger.payer.publicKey, mint)).toBe(MINTED);

        const payouts = owners(50, 7);
        const batches = buildPayouts({ authority: ledger.payer, mint, decimals: DECIMALS, blockhash: await ledger.latestBlockhash(), payouts });
        expect(batches.length).toBeGreaterThan(1);
        expect(batches.flatMap((b) => b.payouts)).toEqual(payouts);
        for (const b of batches) expect(b.size).toBeLessThanOrEqual(PACKET_DATA_SIZE);
        const sent = await Promise.all(batches.map((b) => ledger.sendRawTransaction(b.bytes)));
        expect(sent).toEqual(batches.map((b) => b.signature));

        const statuses = await ledger.signatureStatuses(sent);
        expect(statuses.every((s) => s.state === 'confirmed' || s.state === 'finalized')).toBe(true);
        expect(await balances(payouts, mint)).toEqual(payouts.map((p) => p.amount));
        const paid = payouts.reduce((s, p) => s + p.amount, 0n);
        expect(await ledger.tokenBalance(ledger.payer.publicKey, mint)).toBe(MINTED - paid);
        expect(await ledger.tokenSupply(mint)).toBe(MINTED);
      });

      it('pays owners whose token accounts already exist without creating them again', async () => {
        const mint = await setUpMint(ledger);
        const payouts = owners(12, 3);
        for (const round of [1, 2]) {
          const batches = buildPayouts({ authority: ledger.payer, mint, decimals: DECIMALS, blockhash: await ledger.latestBlockhash(), payouts, createAtas: round === 1 });
          for (const b of batches) expect((await land(ledger, b)).state).toMatch(/confirmed|finalized/);
          await ledger.advanceBlocks(1); // round 2 has identical bytes otherwise
        }
        expect(await balances(payouts, mint)).toEqual(payouts.map((p) => p.amount * 2n));
      });

      it('returns the same signature for a resend of the same bytes and pays once', async () => {
        const mint = await setUpMint(ledger);
        const payouts = owners(3, 11);
        const [batch] = buildPayouts({ authority: ledger.payer, mint, decimals: DECIMALS, blockhash: await ledger.latestBlockhash(), payouts });
        expect(await ledger.sendRawTransaction(batch!.bytes)).toBe(batch!.signature);
        expect(await ledger.sendRawTransaction(batch!.bytes)).toBe(batch!.signature);
        await ledger.advanceBlocks(2);
        expect(await ledger.sendRawTransaction(batch!.bytes)).toBe(batch!.signature);
        expect(await balances(payouts, mint)).toEqual(payouts.map((p) => p.amount));
        expect(await ledger.tokenSupply(mint)).toBe(MINTED);
      });

      it('refuses a transaction that fails preflight, changing nothing', async () => {
        const mint = await setUpMint(ledger);
        const [tooMuch] = buildPayouts({
          authority: ledger.payer, mint, decimals: DECIMALS, blockhash: await ledger.latestBlockhash(), payouts: [{ owner: Keypair.generate().publicKey, amount: MINTED + 1n }],
        });
        const err = await ledger.sendRawTransaction(tooMuch!.bytes).catch((e: unknown) => e);
        // SPL Token error 1 = insufficient funds, at the TransferChecked (instruction 1).
        expect(err).toMatchObject({ code: 'CHAIN_TX_REJECTED', details: { instructionIndex: 1, customCode: 1 } });
        expect(await ledger.signatureStatus(tooMuch!.signature)).toEqual({ state: 'unknown' });
        expect(await ledger.tokenBalance(ledger.payer.publicKey, mint)).toBe(MINTED);
        await expect(ledger.sendRawTransaction(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'CHAIN_TX_REJECTED' });
      });
    });

    describe('expiry', () => {
      it('refuses a transaction whose blockhash expired: it stays unknown and pays nothing', async () => {
        const mint = await setUpMint(ledger);
        const blockhash = await ledger.latestBlockhash();
        const [stale] = buildPayouts({ authority: ledger.payer, mint, decimals: DECIMALS, blockhash, payouts: owners(2, 5) });
        await ledger.expireBlockhash(blockhash.lastValidBlockHeight);
        expect(await ledger.blockHeight()).toBeGreaterThan(blockhash.lastValidBlockHeight);
        await expect(ledger.sendRawTransaction(stale!.bytes)).rejects.toMatchObject({ code: 'CHAIN_BLOCKHASH_NOT_FOUND' });
        expect(await ledger.signatureStatus(stale!.signature)).toEqual({ state: 'unknown' });
        expect(await ledger.tokenBalance(ledger.payer.publicKey, mint)).toBe(MINTED);
      });

      it('keeps reporting a landed transaction after its blockhash expired (history, not the status cache)', async () => {
        const blockhash = await ledger.latestBlockhash();
        const tx = lamportTransfer(ledger, blockhash);
        const sig = await ledger.sendRawTransaction(tx.bytes);
        await ledger.expireBlockhash(blockhash.lastValidBlockHeight);
        expect((await ledger.signatureStatus(sig)).state).toMatch(/confirmed|finalized/);
        // Resending after expiry is refused like any stale transaction, and pays nothing twice.
        await expect(ledger.sendRawTransaction(tx.bytes)).rejects.toMatchObject({ code: 'CHAIN_BLOCKHASH_NOT_FOUND' });
        expect(await ledger.lamports(tx.to)).toBe(1_000_000n);
      });
    });

    describe('faults', () => {
      // The ledger is made per test, so a ledger without `inject` passes these as no-ops.
      const needsFaults = (test: () => Promise<void>) => async () => {
        if (!ledger.inject) return;
        await test();
      };
      const inject = (f: Parameters<NonNullable<TestLedger['inject']>>[0]) => ledger.inject!(f);

      it('fail-before-send: the call fails, nothing executes, the same bytes can be sent later', needsFaults(async () => {
        const mint = await setUpMint(ledger);
        const payouts = owners(2, 9);
        const [b] = buildPayouts({ authority: ledger.payer, mint, decimals: DECIMALS, blockhash: await ledger.latestBlockhash(), payouts });
        inject({ kind: 'fail-before-send' });
        await expect(ledger.sendRawTransaction(b!.bytes)).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
        expect(await ledger.signatureStatus(b!.signature)).toEqual({ state: 'unknown' });
        expect(await balances(payouts, mint)).toEqual([0n, 0n]);
        expect(await ledger.sendRawTransaction(b!.bytes)).toBe(b!.signature);
        expect(await balances(payouts, mint)).toEqual(payouts.map((p) => p.amount));
      }));

      it('lost-response: the call fails but the transaction landed; a resend pays nothing more', needsFaults(async () => {
        const mint = await setUpMint(ledger);
        const payouts = owners(2, 13);
        const [b] = buildPayouts({ authority: ledger.payer, mint, decimals: DECIMALS, blockhash: await ledger.latestBlockhash(), payouts });
        inject({ kind: 'lost-response' });
        await expect(ledger.sendRawTransaction(b!.bytes)).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
        expect((await ledger.signatureStatus(b!.signature)).state).toMatch(/confirmed|finalized/);
        expect(await ledger.sendRawTransaction(b!.bytes)).toBe(b!.signature);
        expect(await balances(payouts, mint)).toEqual(payouts.map((p) => p.amount));
      }));

      it('drop: the call succeeds, the transaction never lands, and after expiry only a re-signed one pays (once)', needsFaults(async () => {
        const mint = await setUpMint(ledger);
        const payouts = owners(2, 17);
        const first = await ledger.latestBlockhash();
        const [b] = buildPayouts({ authority: ledger.payer, mint, decimals: DECIMALS, blockhash: first, payouts });
        inject({ kind: 'drop' });
        expect(await ledger.sendRawTransaction(b!.bytes)).toBe(b!.signature);
        expect(await ledger.signatureStatus(b!.signature)).toEqual({ state: 'unknown' });
        expect(await balances(payouts, mint)).toEqual([0n, 0n]);

        await ledger.expireBlockhash(first.lastValidBlockHeight);
        await expect(ledger.sendRawTransaction(b!.bytes)).rejects.toMatchObject({ code: 'CHAIN_BLOCKHASH_NOT_FOUND' });
        expect(await ledger.signatureStatus(b!.signature)).toEqual({ state: 'unknown' });
        const [again] = buildPayouts({ authority: ledger.payer, mint, decimals: DECIMALS, blockhash: await ledger.latestBlockhash(), payouts });
        expect(again!.signature).not.toBe(b!.signature);
        expect((await land(ledger, again!)).state).toMatch(/confirmed|finalized/);
        expect(await balances(payouts, mint)).toEqual(payouts.map((p) => p.amount));
      }));

      it('delay: the call succeeds, status is unknown until the next block, then it lands', needsFaults(async () => {
        const blockhash = await ledger.latestBlockhash();
        const tx = lamportTransfer(ledger, blockhash);
        inject({ kind: 'delay' });
        const sig = await ledger.sendRawTransaction(tx.bytes);
        expect(await ledger.signatureStatus(sig)).toEqual({ state: 'unknown' });
        expect(await ledger.lamports(tx.to)).toBe(0n);
        await ledger.advanceBlocks(1);
        expect((await ledger.signatureStatus(sig)).state).toMatch(/confirmed|finalized/);
        expect(await ledger.lamports(tx.to)).toBe(1_000_000n);
      }));

      it('outage: the next calls of any method fail, then the chain answers again', needsFaults(async () => {
        inject({ kind: 'outage', calls: 2 });
        await expect(ledger.blockHeight()).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE', httpStatus: 503 });
        await expect(ledger.latestBlockhash()).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
        expect(await ledger.blockHeight()).toBeGreaterThan(0n);
      }));

      it('consumes send faults one per send, in order', needsFaults(async () => {
        const blockhash = await ledger.latestBlockhash();
        const [a, b, c] = [lamportTransfer(ledger, blockhash), lamportTransfer(ledger, blockhash), lamportTransfer(ledger, blockhash)];
        inject({ kind: 'drop' });
        inject({ kind: 'fail-before-send' });
        await ledger.sendRawTransaction(a.bytes);
        await expect(ledger.sendRawTransaction(b.bytes)).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
        await ledger.sendRawTransaction(c.bytes);
        expect([await ledger.lamports(a.to), await ledger.lamports(b.to), await ledger.lamports(c.to)]).toEqual([0n, 0n, 1_000_000n]);
      }));
    });

    it('refuses calls after close', async () => {
      await ledger.close();
      await ledger.close();
      await expect(ledger.blockHeight()).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
    });
  });
}
