import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, VersionedTransaction } from '@solana/web3.js';
import { ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import {
  associatedTokenAddress,
  buildCreateMint,
  buildMintToEscrow,
  buildPayouts,
  markerAddress,
  PACKET_DATA_SIZE,
  transfersPerTransaction,
  type Payout,
} from './transactions.ts';

const authority = Keypair.fromSeed(new Uint8Array(32).fill(7));
const mint = Keypair.fromSeed(new Uint8Array(32).fill(8)).publicKey;
const blockhash = { blockhash: 'EoFTpfnj9yz1xp2xeQDcPnMRxPiLwhU6H2RtZAJBj3jd', lastValidBlockHeight: 450n };
/** Deterministic owners (hashes, so mostly off-curve: the ATA program does not care). */
const owners = (n: number): Payout[] =>
  Array.from({ length: n }, (_, i) => ({ owner: new PublicKey(createHash('sha256').update(`owner-${i}`).digest()), amount: BigInt(i + 1) }));

function programsOf(bytes: Uint8Array): string[] {
  const { message } = VersionedTransaction.deserialize(bytes);
  return message.compiledInstructions.map((ix) => {
    const p = message.staticAccountKeys[ix.programIdIndex]!;
    return p.equals(TOKEN_PROGRAM_ID) ? 'token' : p.equals(ASSOCIATED_TOKEN_PROGRAM_ID) ? 'ata' : p.equals(SystemProgram.programId) ? 'system' : p.equals(ComputeBudgetProgram.programId) ? 'cu' : p.toBase58();
  });
}

describe('buildPayouts', () => {
  it('fits 10 transfers with ATA creation, 20 without, fewer with compute budget and marker', () => {
    expect(transfersPerTransaction()).toBe(10);
    expect(transfersPerTransaction({ createAtas: false })).toBe(20);
    expect(transfersPerTransaction({ priorityFee: { microLamports: 1 } })).toBe(9);
    expect(transfersPerTransaction({ createAtas: false, priorityFee: { microLamports: 1 } })).toBe(19);
    expect(transfersPerTransaction({ priorityFee: { microLamports: 1 }, marker: (k) => `p:20412:${k}` })).toBe(8);
    expect(transfersPerTransaction({ createAtas: false, priorityFee: { microLamports: 1 }, marker: (k) => `p:20412:${k}` })).toBe(15);
  });

  it('packs greedily: every transaction is full (one more payout would not fit) and order is kept', () => {
    const payouts = owners(95);
    const batches = buildPayouts({ authority, mint, decimals: 8, blockhash, payouts });
    expect(batches.map((b) => b.payouts.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
    expect(batches.flatMap((b) => b.payouts)).toEqual(payouts);
    let at = 0;
    for (const b of batches.slice(0, -1)) {
      expect(b.size).toBeLessThanOrEqual(PACKET_DATA_SIZE);
      expect(b.bytes.length).toBe(b.size);
      at += b.payouts.length;
      const plusOne = buildPayouts({ authority, mint, decimals: 8, blockhash, payouts: [...b.payouts, payouts[at]!] });
      expect(plusOne).toHaveLength(2);
    }
  });

  it('lays out [CU limit, CU price, marker, (create ATA, transfer)×n] signed by the authority alone', () => {
    const [b] = buildPayouts({ authority, mint, decimals: 8, blockhash, payouts: owners(3), priorityFee: { microLamports: 5_000 }, marker: (k) => `p:1:${k}` });
    expect(programsOf(b!.bytes)).toEqual(['cu', 'cu', 'system', 'ata', 'token', 'ata', 'token', 'ata', 'token']);
    const tx = VersionedTransaction.deserialize(b!.bytes);
    expect(tx.message.header.numRequiredSignatures).toBe(1);
    expect(tx.message.staticAccountKeys[0]!.equals(authority.publicKey)).toBe(true);
    expect(tx.message.recentBlockhash).toBe(blockhash.blockhash);
    expect(b!.lastValidBlockHeight).toBe(450n);
    expect(b!.marker).toBe('p:1:0');
    // The limit is estimated from what the transaction holds: 1,000 + 3,000 + 3 × 37,000.
    const limit = tx.message.compiledInstructions[0]!;
    expect(Buffer.from(limit.data).readUInt32LE(1)).toBe(115_000);
    const transfers = buildPayouts({ authority, mint, decimals: 8, blockhash, payouts: owners(2), createAtas: false });
    expect(programsOf(transfers[0]!.bytes)).toEqual(['token', 'token']);
  });

  it('is deterministic: the same inputs give the same bytes and signatures', () => {
    const a = buildPayouts({ authority, mint, decimals: 8, blockhash, payouts: owners(25) });
    const b = buildPayouts({ authority, mint, decimals: 8, blockhash, payouts: owners(25) });
    expect(b.map((t) => t.signature)).toEqual(a.map((t) => t.signature));
    expect(Buffer.concat(b.map((t) => t.bytes))).toEqual(Buffer.concat(a.map((t) => t.bytes)));
  });

  it('refuses bad amounts, duplicate owners, bad decimals, long seeds and a zero cap; builds nothing for nothing', () => {
    const [p] = owners(1);
    const bad = (extra: object) => () => buildPayouts({ authority, mint, decimals: 8, blockhash, payouts: [p!], ...extra });
    for (const amount of [0n, -1n, 2n ** 64n]) {
      expect(bad({ payouts: [{ owner: p!.owner, amount }] })).toThrow(expect.objectContaining({ code: 'CHAIN_INVALID_ARGUMENT' }));
    }
    expect(bad({ payouts: [p!, { ...p!, amount: 5n }] })).toThrow(/appears twice/);
    expect(bad({ decimals: 1.5 })).toThrow(expect.objectContaining({ code: 'CHAIN_INVALID_ARGUMENT' }));
    expect(bad({ marker: () => 'x'.repeat(33) })).toThrow(/1\.\.32 bytes/);
    expect(bad({ maxTransfersPerTransaction: 0 })).toThrow(expect.objectContaining({ code: 'CHAIN_INVALID_ARGUMENT' }));
    expect(buildPayouts({ authority, mint, decimals: 8, blockhash, payouts: [] })).toEqual([]);
    expect(buildPayouts({ authority, mint, decimals: 8, blockhash, payouts: owners(7), maxTransfersPerTransaction: 3 }).map((b) => b.payouts.length)).toEqual([3, 3, 1]);
  });

  it('allows off-curve owners (PDAs)', () => {
    const [pda] = PublicKey.findProgramAddressSync([Buffer.from('vault')], SystemProgram.programId);
    expect(PublicKey.isOnCurve(pda.toBytes())).toBe(false);
    expect(buildPayouts({ authority, mint, decimals: 8, blockhash, payouts: [{ owner: pda, amount: 1n }] })).toHaveLength(1);
  });
});

describe('mint builders and markers', () => {
  it('creates a mint signed by payer and mint key', () => {
    const m = Keypair.generate();
    const tx = buildCreateMint({ payer: authority, mint: m, decimals: 8, blockhash });
    const decoded = VersionedTransaction.deserialize(tx.bytes);
    expect(decoded.message.header.numRequiredSignatures).toBe(2);
    expect(programsOf(tx.bytes)).toEqual(['system', 'token']);
  });

  it('mints into the escrow ATA, with a separate mint authority signing too', () => {
    const cold = Keypair.generate();
    const tx = buildMintToEscrow({ payer: authority, mintAuthority: cold, mint, decimals: 8, amount: 10n ** 18n, blockhash, marker: 'm:20412' });
    const decoded = VersionedTransaction.deserialize(tx.bytes);
    expect(decoded.message.header.numRequiredSignatures).toBe(2);
    expect(programsOf(tx.bytes)).toEqual(['system', 'ata', 'token']);
    expect(decoded.message.staticAccountKeys.some((k) => k.equals(associatedTokenAddress(authority.publicKey, mint)))).toBe(true);
  });

  it('derives marker addresses exactly like PublicKey.createWithSeed', async () => {
    for (const seed of ['m:20412', 'p:20412:0', 'x'.repeat(32)]) {
      expect(markerAddress(authority.publicKey, seed).toBase58()).toBe((await PublicKey.createWithSeed(authority.publicKey, seed, SystemProgram.programId)).toBase58());
    }
  });
});
