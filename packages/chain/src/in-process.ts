/**
 * The in-process ledger: solana-bankrun (a Solana 1.18 bank in this process) with the real SPL
 * Token 3.5 and Associated Token Account 1.1 programs it ships, a funded payer, explicit block
 * advancing, and fault injection for the rewards service's crash tests.
 */
import { Keypair, PublicKey, SystemProgram, VersionedTransaction, type AccountInfo } from '@solana/web3.js';
import { unpackAccount, unpackMint } from '@solana/spl-token';
import bs58 from 'bs58';
import type { BanksClient, ProgramTestContext } from 'solana-bankrun';
import { ChainAccountNotFound, ChainBlockhashNotFound, ChainInvalidArgument, ChainTxRejected, ChainUnavailable, describeTransactionError } from './errors.ts';
import type { Chain, Commitment, LatestBlockhash, SignatureStatus } from './port.ts';
import { associatedTokenAddress } from './transactions.ts';

/**
 * One scripted failure. Send faults are consumed by `sendRawTransaction` calls in injection order;
 * an `outage` makes the next `calls` calls of any Chain method fail first.
 */
export type ChainFault =
  /** The call fails (CHAIN_UNAVAILABLE, or `error`) and nothing reaches the ledger. */
  | { kind: 'fail-before-send'; error?: Error }
  /** The ledger executes the transaction, then the call fails with CHAIN_UNAVAILABLE (a timeout). */
  | { kind: 'lost-response' }
  /** The call returns the signature, but the transaction never executes: status stays `unknown`. */
  | { kind: 'drop' }
  /** The call returns the signature; the transaction lands when blocks next advance, `unknown` until then. */
  | { kind: 'delay' }
  /** The next `calls` calls of any Chain method (sends included) fail with CHAIN_UNAVAILABLE. */
  | { kind: 'outage'; calls: number };

/** Test controls a ledger offers besides the port; the contract suite drives these. */
export interface TestLedger extends Chain {
  /** Funded fee payer, mint authority and escrow owner for tests. */
  readonly payer: Keypair;
  /** Produces `n` blocks (one slot each); block height grows by `n`, each block has a new blockhash. */
  advanceBlocks(n?: number): Promise<void>;
  /** Advances blocks until `blockHeight()` passes `lastValidBlockHeight` (default: the current blockhash's). */
  expireBlockhash(lastValidBlockHeight?: bigint): Promise<void>;
  /** Scripts a failure (only ledgers that can: the contract skips fault tests without it). */
  inject?(fault: ChainFault): void;
}

export interface InProcessChain extends TestLedger {
  readonly kind: 'in-process';
  /** Jumps to `slot` (> current). Block height grows by 1–2 whatever the distance: slots are not blocks. */
  warpToSlot(slot: bigint): Promise<void>;
  /** Adds lamports to a system account (creating it). */
  fund(address: PublicKey, lamports: bigint): Promise<void>;
  inject(fault: ChainFault): void;
  clearFaults(): void;
  /** Faults injected and not yet consumed, in order. */
  readonly pendingFaults: readonly ChainFault[];
  /** Transactions held by `delay` faults, landing at the next block. */
  readonly heldTransactions: number;
}

export interface InProcessChainOptions {
  /** Fee payer to fund; default: bankrun's genesis payer (10^15 lamports). */
  payer?: Keypair;
  /** Lamports for `payer` when given (default 1,000 SOL). */
  payerLamports?: bigint;
  /** Simulate before executing, like an RPC node with skipPreflight false (default true). */
  preflight?: boolean;
  /** Blocks a blockhash stays valid for (default 150, as on mainnet; see the README on bankrun's clock). */
  blockhashLifetime?: number;
  /** Let bankrun print program logs to stderr (sets RUST_LOG when unset; default false). */
  programLogs?: boolean;
}

interface Landed {
  slot: bigint;
  commitment: Commitment;
  error: string | null;
}

const SOL = 1_000_000_000n;

export async function createInProcessChain(opts: InProcessChainOptions = {}): Promise<InProcessChain> {
  // bankrun initialises its Rust logger from RUST_LOG on start; unset, it prints every program
  // log line to stderr (10,000 payouts = 100k lines).
  process.env.RUST_LOG ??= opts.programLogs ? 'solana_runtime::message_processor::stable_log=debug' : 'error';
  // Loaded here, not at import: production RPC deployments never load the native module.
  const { start } = await import('solana-bankrun');
  const ctx = await start([], []);
  const ledger = new BankrunLedger(ctx, opts);
  if (opts.payer) await ledger.fund(opts.payer.publicKey, opts.payerLamports ?? 1_000n * SOL);
  return ledger;
}

class BankrunLedger implements InProcessChain {
  readonly kind = 'in-process' as const;
  readonly payer: Keypair;
  private readonly client: BanksClient;
  private readonly preflight: boolean;
  private readonly lifetime: bigint;
  private readonly faults: ChainFault[] = [];
  private readonly held: VersionedTransaction[] = [];
  /** Our own transaction history (what `searchTransactionHistory` reads on a real node). */
  private readonly landed = new Map<string, Landed>();
  /** Block height at which each blockhash we handed out became the latest one. */
  private readonly born = new Map<string, bigint>();
  private closed = false;
  /** bankrun executes concurrent transactions in parallel and fails lock conflicts with AccountInUse; a validator would queue them. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: ProgramTestContext,
    opts: InProcessChainOptions,
  ) {
    this.client = ctx.banksClient;
    this.payer = opts.payer ?? ctx.payer;
    this.preflight = opts.preflight ?? true;
    const lifetime = opts.blockhashLifetime ?? 150;
    if (!Number.isInteger(lifetime) || lifetime < 1) throw ChainInvalidArgument(`blockhashLifetime must be a positive integer, got ${lifetime}`);
    this.lifetime = BigInt(lifetime);
  }

  get pendingFaults(): readonly ChainFault[] {
    return [...this.faults];
  }

  get heldTransactions(): number {
    return this.held.length;
  }

  inject(fault: ChainFault): void {
    if (fault.kind === 'outage' && !(Number.isInteger(fault.calls) && fault.calls > 0)) {
      throw ChainInvalidArgument(`outage.calls must be a positive integer, got ${fault.calls}`);
    }
    this.faults.push({ ...fault }); // copied: an outage counts down in place
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  async latestBlockhash(): Promise<LatestBlockhash> {
    this.enter();
    return this.currentBlockhash();
  }

  private async currentBlockhash(): Promise<LatestBlockhash> {
    const latest = await this.client.getLatestBlockhash();
    if (!latest) throw ChainUnavailable('bankrun returned no blockhash');
    const height = await this.client.getBlockHeight();
    const slot = await this.client.getSlot();
    const blockhash = latest[0];
    // bankrun registers a new blockhash every few ms of wall-clock time without producing a block,
    // so "born" is the current height; its own lastValidBlockHeight (height + 300) is not used.
    let born = this.born.get(blockhash);
    if (born === undefined) {
      born = height;
      this.born.set(blockhash, born);
    }
    return { blockhash, lastValidBlockHeight: born + this.lifetime, slot };
  }

  async blockHeight(): Promise<bigint> {
    this.enter();
    return this.client.getBlockHeight();
  }

  async sendRawTransaction(bytes: Uint8Array): Promise<string> {
    this.enter();
    return this.serial(() => this.send(bytes));
  }

  private async send(bytes: Uint8Array): Promise<string> {
    const tx = parse(bytes);
    const signature = bs58.encode(tx.signatures[0]!);
    const fault = this.faults.findIndex((f) => f.kind !== 'outage');
    const injected = fault >= 0 ? this.faults.splice(fault, 1)[0]! : undefined;
    if (injected?.kind === 'fail-before-send') {
      throw injected.error ?? ChainUnavailable('send failed before reaching the ledger (injected)', { injected: injected.kind });
    }

    // Same order as a validator: an expired blockhash is refused before the duplicate check.
    await this.checkBlockhash(tx);
    if (this.landed.has(signature)) return signature;
    if (this.preflight) await this.simulate(tx, signature);

    switch (injected?.kind) {
      case 'drop':
        return signature;
      case 'delay':
        this.held.push(tx);
        return signature;
      case 'lost-response':
        await this.execute(tx, signature);
        throw ChainUnavailable('the transaction was sent but the response was lost (injected)', { injected: injected.kind, signature });
      default:
        await this.execute(tx, signature);
        return signature;
    }
  }

  async signatureStatus(signature: string): Promise<SignatureStatus> {
    this.enter();
    return this.status(signature);
  }

  async signatureStatuses(signatures: readonly string[]): Promise<SignatureStatus[]> {
    this.enter();
    return signatures.map((s) => this.status(s));
  }

  async tokenSupply(mint: PublicKey): Promise<bigint> {
    this.enter();
    const info = await this.client.getAccount(mint);
    if (!info) throw ChainAccountNotFound(`mint ${mint.toBase58()} not found`, { address: mint.toBase58() });
    return unpackMint(mint, asBuffer(info), info.owner).supply;
  }

  async tokenBalance(owner: PublicKey, mint: PublicKey): Promise<bigint> {
    this.enter();
    const ata = associatedTokenAddress(owner, mint);
    const info = await this.client.getAccount(ata);
    return info ? unpackAccount(ata, asBuffer(info), info.owner).amount : 0n;
  }

  async lamports(address: PublicKey): Promise<bigint> {
    this.enter();
    return this.client.getBalance(address);
  }

  async accountExists(address: PublicKey): Promise<boolean> {
    this.enter();
    return (await this.client.getAccount(address)) !== null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.held.length = 0;
  }

  async advanceBlocks(n = 1): Promise<void> {
    this.live();
    if (!Number.isInteger(n) || n < 0) throw ChainInvalidArgument(`advanceBlocks needs a non-negative integer, got ${n}`);
    for (let i = 0; i < n; i++) await this.serial(async () => this.warp((await this.client.getSlot()) + 1n));
  }

  async warpToSlot(slot: bigint): Promise<void> {
    this.live();
    const current = await this.client.getSlot();
    if (slot <= current) throw ChainInvalidArgument(`warpToSlot(${slot}) must move forward from slot ${current}`);
    await this.serial(() => this.warp(slot));
  }

  async expireBlockhash(lastValidBlockHeight?: bigint): Promise<void> {
    this.live();
    const target = lastValidBlockHeight ?? (await this.currentBlockhash()).lastValidBlockHeight;
    const height = await this.client.getBlockHeight();
    if (height > target) return;
    await this.advanceBlocks(Number(target - height + 1n));
  }

  async fund(address: PublicKey, lamports: bigint): Promise<void> {
    this.live();
    const existing = await this.client.getAccount(address);
    if (existing && (!existing.owner.equals(SystemProgram.programId) || existing.data.length > 0)) {
      throw ChainInvalidArgument(`fund: ${address.toBase58()} is not a plain system account`);
    }
    const total = BigInt(existing?.lamports ?? 0) + lamports;
    if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw ChainInvalidArgument('fund: balance would exceed 2^53 lamports');
    this.ctx.setAccount(address, { lamports: Number(total), data: new Uint8Array(0), owner: SystemProgram.programId, executable: false });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Delivers held transactions into the closing block, then moves to `slot`. */
  private async warp(slot: bigint): Promise<void> {
    for (const tx of this.held.splice(0)) {
      const signature = bs58.encode(tx.signatures[0]!);
      // A held transaction whose blockhash bankrun no longer knows is simply never executed.
      await this.execute(tx, signature).catch(() => undefined);
    }
    this.ctx.warpToSlot(slot);
    const latest = await this.client.getLatestBlockhash();
    const height = await this.client.getBlockHeight();
    if (latest) this.born.set(latest[0], height);
    for (const [hash, born] of this.born) if (born + 2n * this.lifetime < height) this.born.delete(hash);
  }

  private async checkBlockhash(tx: VersionedTransaction): Promise<void> {
    const born = this.born.get(tx.message.recentBlockhash);
    if (born === undefined) return; // never handed out: bankrun decides
    const height = await this.client.getBlockHeight();
    if (height > born + this.lifetime) {
      throw ChainBlockhashNotFound('blockhash expired', { blockhash: tx.message.recentBlockhash, lastValidBlockHeight: born + this.lifetime, blockHeight: height });
    }
  }

  private async simulate(tx: VersionedTransaction, signature: string): Promise<void> {
    const sim = await this.client.simulateTransaction(tx);
    if (sim.result === null) return;
    throw refusal(sim.result, signature, sim.meta?.logMessages);
  }

  /** Executes in the working bank and records the outcome; throws when it did not land at all. */
  private async execute(tx: VersionedTransaction, signature: string): Promise<void> {
    const res = await this.client.tryProcessTransaction(tx);
    const status = await this.client.getTransactionStatus(signature);
    if (status) {
      this.landed.set(signature, { slot: status.slot, commitment: commitmentOf(status.confirmationStatus), error: status.err });
      return;
    }
    if (res.result !== null && !/already been processed/i.test(res.result)) throw refusal(res.result, signature, res.meta?.logMessages);
  }

  private status(signature: string): SignatureStatus {
    const landed = this.landed.get(signature);
    if (!landed) return { state: 'unknown' };
    if (landed.error === null) return { state: landed.commitment, slot: landed.slot };
    return { state: 'failed', slot: landed.slot, commitment: landed.commitment, ...describeTransactionError(landed.error) };
  }

  /** Every port call: refuse after close, and let a scripted outage fail it. */
  private enter(): void {
    this.live();
    const outage = this.faults.findIndex((f) => f.kind === 'outage');
    if (outage < 0) return;
    const fault = this.faults[outage] as { kind: 'outage'; calls: number };
    if (--fault.calls <= 0) this.faults.splice(outage, 1);
    throw ChainUnavailable('Solana node unavailable (injected outage)', { injected: 'outage' });
  }

  private live(): void {
    if (this.closed) throw ChainUnavailable('in-process chain is closed');
  }
}

function parse(bytes: Uint8Array): VersionedTransaction {
  try {
    const tx = VersionedTransaction.deserialize(bytes);
    if (tx.signatures.length === 0) throw new Error('no signatures');
    return tx;
  } catch (err) {
    throw ChainTxRejected('not a serialized transaction', { reason: String(err) }, err);
  }
}

function refusal(result: string, signature: string, logs: string[] | undefined) {
  if (/blockhash not found/i.test(result)) return ChainBlockhashNotFound(result, { signature });
  const info = describeTransactionError(result);
  return ChainTxRejected(info.error, { signature, ...info, ...(logs ? { logs } : {}) });
}

/** bankrun 0.4 reports the status JSON-encoded: `"finalized"` with the quotes. */
function commitmentOf(raw: string | null): Commitment {
  const s = raw?.replace(/"/g, '');
  return s === 'processed' || s === 'confirmed' ? s : 'finalized';
}

function asBuffer(info: AccountInfo<Uint8Array>): AccountInfo<Buffer> {
  return { ...info, data: Buffer.from(info.data) };
}
