/**
 * Transaction builders: pure functions that sign with the given keys and never touch the network,
 * so the caller can store the exact bytes (outbox) before the first send. All build legacy
 * transactions with one fee payer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, TransactionMessage, VersionedTransaction, type TransactionInstruction } from '@solana/web3.js';
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createInitializeMint2Instruction,
  createMintToCheckedInstruction,
  createTransferCheckedInstruction,
  getAssociatedTokenAddressSync,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
} from '@solana/spl-token';
import bs58 from 'bs58';
import { ChainInvalidArgument } from './errors.ts';

/** Solana's packet limit: a serialized transaction must not exceed it (1280 IPv6 MTU − 40 − 8). */
export const PACKET_DATA_SIZE = 1232;
/** Account locks per transaction on mainnet; asserted even where a test ledger would allow more. */
export const MAX_TX_ACCOUNTS = 64;
/** Rent-exempt minimum of an 82-byte mint at mainnet rent (3480 lamports/byte-year × 2 years). */
export const MINT_RENT_LAMPORTS = 1_461_600;
/** Rent-exempt minimum of a 0-byte account: the price of one once-only marker. */
export const MARKER_RENT_LAMPORTS = 890_880;
/** Seeds of `createAccountWithSeed` are at most 32 bytes. */
export const MAX_SEED_LENGTH = 32;
const U64_MAX = 2n ** 64n - 1n;

/**
 * Compute units, measured on SPL Token 3.5 / ATA 1.1 (bankrun) and rounded up: creating a new ATA
 * costs ~22–24k CU (more when its bump search takes extra rounds, ~1.5k each), the idempotent
 * create of an existing one ~7.4k, a TransferChecked ~6.2k. Only used to size `SetComputeUnitLimit`
 * when a priority fee is set, because the fee is charged on the limit, not on what the transaction uses.
 */
export const COMPUTE_UNITS = { createAta: 30_000, transferChecked: 7_000, mintToChecked: 6_000, marker: 3_000, base: 1_000 } as const;

export interface RecentBlockhash {
  blockhash: string;
  lastValidBlockHeight: bigint;
}

export interface PriorityFee {
  /** Price per compute unit in micro-lamports. */
  microLamports: number | bigint;
  /** Compute-unit limit; by default estimated from `COMPUTE_UNITS` for what the transaction holds. */
  computeUnits?: number;
}

export interface SignedTransaction {
  /** Exactly what to send (and resend); store it before the first send. */
  bytes: Uint8Array;
  /** Base58 first signature: the transaction id. */
  signature: string;
  blockhash: string;
  lastValidBlockHeight: bigint;
  /** Serialized size in bytes (≤ PACKET_DATA_SIZE). */
  size: number;
}

export interface Payout {
  owner: PublicKey;
  /** Base units (bones); > 0. */
  amount: bigint;
}

export interface PayoutTransaction extends SignedTransaction {
  /** The owners this transaction pays, in input order. */
  payouts: Payout[];
  /** Once-only marker seed, when `marker` was given. */
  marker?: string;
}

/** The escrow (or any owner's) associated token account. Off-curve owners (PDAs) are allowed. */
export function associatedTokenAddress(owner: PublicKey, mint: PublicKey): PublicKey {
  return getAssociatedTokenAddressSync(mint, owner, true);
}

/**
 * Address of the once-only marker `createAccountWithSeed(base, seed)` creates: the same as
 * web3.js's async `PublicKey.createWithSeed(base, seed, SystemProgram.programId)`.
 */
export function markerAddress(base: PublicKey, seed: string): PublicKey {
  checkSeed(seed);
  return new PublicKey(createHash('sha256').update(base.toBytes()).update(seed).update(SystemProgram.programId.toBytes()).digest());
}

/**
 * A 0-byte system account at (payer, seed). A second transaction carrying the same marker fails
 * at this instruction with `Custom(0)` (account already in use) and reverts everything else, even
 * when it was re-signed with a new blockhash, so a batch can execute at most once.
 */
export function markerInstruction(payer: PublicKey, seed: string): TransactionInstruction {
  return SystemProgram.createAccountWithSeed({
    fromPubkey: payer,
    basePubkey: payer,
    seed,
    newAccountPubkey: markerAddress(payer, seed),
    lamports: MARKER_RENT_LAMPORTS,
    space: 0,
    programId: SystemProgram.programId,
  });
}

export interface CreateMintOptions {
  payer: Keypair;
  /** The new mint's keypair (its address); signs once, then can be thrown away. */
  mint: Keypair;
  decimals: number;
  blockhash: RecentBlockhash;
  /** Defaults to the payer. */
  mintAuthority?: PublicKey;
  rentLamports?: number;
}

/** Creates and initialises a mint (no freeze authority). */
export function buildCreateMint(opts: CreateMintOptions): SignedTransaction {
  checkDecimals(opts.decimals);
  const payer = opts.payer.publicKey;
  const ixs = [
    SystemProgram.createAccount({
      fromPubkey: payer,
      newAccountPubkey: opts.mint.publicKey,
      lamports: opts.rentLamports ?? MINT_RENT_LAMPORTS,
      space: MINT_SIZE,
      programId: TOKEN_PROGRAM_ID,
    }),
    createInitializeMint2Instruction(opts.mint.publicKey, opts.decimals, opts.mintAuthority ?? payer, null),
  ];
  return sign(payer, ixs, [opts.payer, opts.mint], opts.blockhash);
}

export interface MintToEscrowOptions {
  payer: Keypair;
  /** Defaults to the payer. Keep it off the payout hot path when you can. */
  mintAuthority?: Keypair;
  mint: PublicKey;
  decimals: number;
  amount: bigint;
  /** Owner of the escrow token account; defaults to the payer (the key that later signs payouts). */
  escrowOwner?: PublicKey;
  blockhash: RecentBlockhash;
  /** Once-only marker seed, e.g. `m:20412` for epoch 20412. */
  marker?: string;
  priorityFee?: PriorityFee;
}

/** Creates the escrow ATA if needed and mints `amount` into it with MintToChecked. */
export function buildMintToEscrow(opts: MintToEscrowOptions): SignedTransaction {
  checkDecimals(opts.decimals);
  checkAmount(opts.amount);
  const payer = opts.payer.publicKey;
  const authority = opts.mintAuthority ?? opts.payer;
  const escrowOwner = opts.escrowOwner ?? payer;
  const escrow = associatedTokenAddress(escrowOwner, opts.mint);
  const units = COMPUTE_UNITS.base + COMPUTE_UNITS.createAta + COMPUTE_UNITS.mintToChecked + (opts.marker ? COMPUTE_UNITS.marker : 0);
  const ixs = computeBudget(opts.priorityFee, units);
  if (opts.marker !== undefined) ixs.push(markerInstruction(payer, opts.marker));
  ixs.push(
    createAssociatedTokenAccountIdempotentInstruction(payer, escrow, escrowOwner, opts.mint),
    createMintToCheckedInstruction(opts.mint, escrow, authority.publicKey, opts.amount, opts.decimals),
  );
  return sign(payer, ixs, authority === opts.payer ? [opts.payer] : [opts.payer, authority], opts.blockhash);
}

export interface PayoutOptions {
  /** Fee payer and owner of the escrow token account the transfers come from. */
  authority: Keypair;
  mint: PublicKey;
  decimals: number;
  blockhash: RecentBlockhash;
  /** Distinct owners; packed in the given order (sort them for deterministic batches). */
  payouts: readonly Payout[];
  /** Prefix each transfer with an idempotent ATA creation (default true). The payer funds new ATAs' rent. */
  createAtas?: boolean;
  priorityFee?: PriorityFee;
  /** Once-only marker seed per transaction index, e.g. `(k) => \`p:20412:${k}\``. */
  marker?: (index: number) => string;
  /** Cap on transfers per transaction (default: as many as fit). */
  maxTransfersPerTransaction?: number;
}

/**
 * Packs `[CU limit, CU price]? [marker]? ([create ATA idempotent]? TransferChecked)×n` greedily:
 * each transaction takes as many payouts as fit in PACKET_DATA_SIZE bytes and MAX_TX_ACCOUNTS
 * accounts (counted exactly as instructions are added, then checked against the serialized
 * bytes), then is signed by the authority.
 */
export function buildPayouts(opts: PayoutOptions): PayoutTransaction[] {
  checkDecimals(opts.decimals);
  const createAtas = opts.createAtas ?? true;
  const cap = opts.maxTransfersPerTransaction ?? Number.POSITIVE_INFINITY;
  if (!(cap >= 1)) throw ChainInvalidArgument('maxTransfersPerTransaction must be at least 1');
  const seen = new Set<string>();
  for (const p of opts.payouts) {
    checkAmount(p.amount);
    const key = p.owner.toBase58();
    if (seen.has(key)) throw ChainInvalidArgument(`owner ${key} appears twice in one payout run`, { owner: key });
    seen.add(key);
  }

  const payer = opts.authority.publicKey;
  const escrow = associatedTokenAddress(payer, opts.mint);
  const perTransfer = COMPUTE_UNITS.transferChecked + (createAtas ? COMPUTE_UNITS.createAta : 0);
  const out: PayoutTransaction[] = [];
  let next = 0;
  while (next < opts.payouts.length) {
    const index = out.length;
    const seed = opts.marker?.(index);
    // Placeholder limit: its size does not depend on the value, which is set once the count is known.
    const ixs = computeBudget(opts.priorityFee, 0);
    if (seed !== undefined) ixs.push(markerInstruction(payer, seed));
    const size = new LegacySize(payer, ixs);
    const batch: Payout[] = [];
    while (next + batch.length < opts.payouts.length && batch.length < cap) {
      const p = opts.payouts[next + batch.length]!;
      const ata = associatedTokenAddress(p.owner, opts.mint);
      const pair = [createTransferCheckedInstruction(escrow, opts.mint, ata, payer, p.amount, opts.decimals)];
      if (createAtas) pair.unshift(createAssociatedTokenAccountIdempotentInstruction(payer, ata, p.owner, opts.mint));
      const undo = size.add(pair);
      if (size.bytes > PACKET_DATA_SIZE || size.accounts > MAX_TX_ACCOUNTS) {
        undo();
        break;
      }
      ixs.push(...pair);
      batch.push({ owner: p.owner, amount: p.amount });
    }
    if (batch.length === 0) throw ChainInvalidArgument('a single payout does not fit in one transaction', { instructions: ixs.length });
    if (opts.priorityFee && opts.priorityFee.computeUnits === undefined) {
      const units = COMPUTE_UNITS.base + (seed !== undefined ? COMPUTE_UNITS.marker : 0) + perTransfer * batch.length;
      ixs[0] = ComputeBudgetProgram.setComputeUnitLimit({ units });
    }
    next += batch.length;
    const signed: PayoutTransaction = { ...sign(payer, ixs, [opts.authority], opts.blockhash), payouts: batch };
    // The running count is only a fast way to pack; the serialized bytes are the truth.
    if (signed.size !== size.bytes) throw new Error(`payout packing: counted ${size.bytes} bytes, serialized ${signed.size}`);
    if (seed !== undefined) signed.marker = seed;
    out.push(signed);
  }
  return out;
}

/**
 * Exact size of a legacy transaction signed by the fee payer alone, kept as instructions are added
 * (compiling the message after every addition costs ~1.5 ms, too slow for 10,000 owners):
 * signatures + header + account keys + blockhash + instructions (1-byte account indexes).
 */
class LegacySize {
  private readonly keys = new Set<string>();
  private instructions = 0;
  private instructionBytes = 0;

  constructor(payer: PublicKey, initial: readonly TransactionInstruction[]) {
    this.keys.add(payer.toBase58());
    this.add(initial);
  }

  get accounts(): number {
    return this.keys.size;
  }

  get bytes(): number {
    const n = this.keys.size;
    return shortVecLength(1) + 64 + 3 + shortVecLength(n) + 32 * n + 32 + shortVecLength(this.instructions) + this.instructionBytes;
  }

  /** Counts `ixs` in; returns the function that takes them out again. */
  add(ixs: readonly TransactionInstruction[]): () => void {
    const added: string[] = [];
    let bytes = 0;
    for (const ix of ixs) {
      for (const k of [ix.programId, ...ix.keys.map((m) => m.pubkey)]) {
        const key = k.toBase58();
        if (!this.keys.has(key)) {
          this.keys.add(key);
          added.push(key);
        }
      }
      bytes += 1 + shortVecLength(ix.keys.length) + ix.keys.length + shortVecLength(ix.data.length) + ix.data.length;
    }
    this.instructions += ixs.length;
    this.instructionBytes += bytes;
    return () => {
      for (const key of added) this.keys.delete(key);
      this.instructions -= ixs.length;
      this.instructionBytes -= bytes;
    };
  }
}

/** How many payouts fit in one transaction with these options (measured by packing dummies). */
export function transfersPerTransaction(opts: Pick<PayoutOptions, 'createAtas' | 'priorityFee' | 'marker'> = {}): number {
  // Any 32 bytes do: sizes do not depend on the key values (nor on owners being on the curve).
  const key = () => new PublicKey(randomBytes(32));
  const payouts = Array.from({ length: MAX_TX_ACCOUNTS }, () => ({ owner: key(), amount: U64_MAX }));
  const [first] = buildPayouts({
    ...opts,
    authority: Keypair.generate(),
    mint: key(),
    decimals: 8,
    blockhash: { blockhash: PublicKey.default.toBase58(), lastValidBlockHeight: 0n },
    payouts,
  });
  return first!.payouts.length;
}

function computeBudget(fee: PriorityFee | undefined, estimatedUnits: number): TransactionInstruction[] {
  if (!fee) return [];
  return [
    ComputeBudgetProgram.setComputeUnitLimit({ units: fee.computeUnits ?? estimatedUnits }),
    ComputeBudgetProgram.setComputeUnitPrice({ microLamports: fee.microLamports }),
  ];
}

function sign(payer: PublicKey, instructions: TransactionInstruction[], signers: Keypair[], blockhash: RecentBlockhash): SignedTransaction {
  // TransactionMessage compiles ~3× faster than Transaction.compileMessage (no locale-aware key sort).
  const message = new TransactionMessage({ payerKey: payer, recentBlockhash: blockhash.blockhash, instructions }).compileToLegacyMessage();
  const signed = new VersionedTransaction(message);
  signed.sign(signers);
  if (signed.signatures.some((sig) => sig.every((b) => b === 0))) throw ChainInvalidArgument('a required signer is missing');
  const bytes = signed.serialize();
  if (bytes.length > PACKET_DATA_SIZE) throw ChainInvalidArgument(`transaction too large: ${bytes.length} > ${PACKET_DATA_SIZE} bytes`);
  return {
    bytes,
    signature: bs58.encode(signed.signatures[0]!),
    blockhash: blockhash.blockhash,
    lastValidBlockHeight: blockhash.lastValidBlockHeight,
    size: bytes.length,
  };
}

function shortVecLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : 3;
}

function checkAmount(amount: bigint): void {
  if (typeof amount !== 'bigint' || amount <= 0n || amount > U64_MAX) {
    throw ChainInvalidArgument(`amount must be a bigint in 1..2^64-1, got ${String(amount)}`);
  }
}

function checkDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255) throw ChainInvalidArgument(`decimals must be an integer 0..255, got ${decimals}`);
}

function checkSeed(seed: string): void {
  if (Buffer.byteLength(seed) > MAX_SEED_LENGTH || seed.length === 0) {
    throw ChainInvalidArgument(`marker seed must be 1..${MAX_SEED_LENGTH} bytes: ${JSON.stringify(seed)}`);
  }
}
