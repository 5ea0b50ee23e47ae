/**
 * The in-process ledger: solana-bankrun (a Solana 1.18 bank in this process) with the real SPL
 * Token 3.5 and Associated Token Account 1.1 programs it ships, a funded payer, explicit block
 * advancing, and fault injection for the rewards service's crash tests.
 */
import { resolve } from 'node:path';
import { Keypair, PublicKey, SystemProgram, VersionedTransaction, type AccountInfo } from '@solana/web3.js';
import { unpackAccount, unpackMint } from '@solana/spl-token';
import bs58 from 'bs58';
import type { AccountInfoBytes, BanksClient, ProgramTestContext } from 'solana-bankrun';
import { ChainAccountNotFound, ChainBlockhashNotFound, ChainInvalidArgument, ChainTxRejected, ChainUnavailable, describeTransactionError } from './errors.ts';
import type { Chain, Commitment, LatestBlockhash, SignatureStatus } from './port.ts';
import { readStateFile, StateFile, U64_MAX, type SavedAccount, type SavedState } from './state-file.ts';
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
  /** The state file (absolute path) when the ledger persists, else undefined. */
  readonly stateFile: string | undefined;
}

export interface InProcessChainOptions {
  /** Fee payer to fund; default: bankrun's genesis payer (10^15 lamports). Required with `stateFile`. */
  payer?: Keypair;
  /** Lamports for `payer` when given (default 1,000 SOL). */
  payerLamports?: bigint;
  /** Simulate before executing, like an RPC node with skipPreflight false (default true). */
  preflight?: boolean;
  /** Blocks a blockhash stays valid for (default 150, as on mainnet; see the README on bankrun's clock). */
  blockhashLifetime?: number;
  /** Let bankrun print program logs to stderr (sets RUST_LOG when unset; default false). */
  programLogs?: boolean;
  /**
   * Keep the ledger in this file across restarts (default: memory only). Needs `payer` (bankrun's
   * genesis payer is new on every start). A missing file starts a fresh ledger (and funds `payer`);
   * an unreadable or invalid one fails with CHAIN_STATE_INVALID. See the README.
   */
  stateFile?: string;
}

interface Landed {
  slot: bigint;
  commitment: Commitment;
  error: string | null;
  /** Landed before a restart (restored from the state file): its blockhash is gone. */
  restored?: true;
}

const SOL = 1_000_000_000n;

export async function createInProcessChain(opts: InProcessChainOptions = {}): Promise<InProcessChain> {
  // bankrun initialises its Rust logger from RUST_LOG on start; unset, it prints every program
  // log line to stderr (10,000 payouts = 100k lines).
  process.env.RUST_LOG ??= opts.programLogs ? 'solana_runtime::message_processor::stable_log=debug' : 'error';
  let state: StateFile | undefined;
  let saved: SavedState | undefined;
  if (opts.stateFile !== undefined) {
    if (typeof opts.stateFile !== 'string' || opts.stateFile === '') throw ChainInvalidArgument('stateFile must be a non-empty path');
    if (!opts.payer) {
      throw ChainInvalidArgument("stateFile needs payer (the operator's keypair): bankrun's genesis payer is a new key on every start", { stateFile: opts.stateFile });
    }
    const path = resolve(opts.stateFile);
    const payer = opts.payer.publicKey.toBase58();
    saved = await readStateFile(path);
    if (saved && saved.payer !== payer) {
      throw ChainInvalidArgument(`ledger state file ${path} belongs to payer ${saved.payer}, not ${payer}`, { stateFile: path, saved: saved.payer, payer });
    }
    state = new StateFile(path, payer, saved);
  }
  // Loaded here, not at import: production RPC deployments never load the native module.
  const { start } = await import('solana-bankrun');
  const ctx = await start([], []);
  const ledger = new BankrunLedger(ctx, opts, state);
  const lamports = opts.payerLamports ?? 1_000n * SOL;
  if (state) await ledger.open(saved, lamports);
  else if (opts.payer) await ledger.fund(opts.payer.publicKey, lamports);
  return ledger;
}

/** Never saved nor restored: builtin and genesis programs, sysvars. Checked again by owner at capture. */
const BUILTIN_KEYS = new Set([
  SystemProgram.programId.toBase58(),
  'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
  'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb',
  'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL',
  'ComputeBudget111111111111111111111111111111',
  'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr',
  'Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo',
]);
/** Owners of runtime accounts (sysvars, loaders' programs); executable accounts are skipped too. */
const RUNTIME_OWNERS = new Set([
  'Sysvar1111111111111111111111111111111111111',
  'NativeLoader1111111111111111111111111111111',
  'BPFLoader1111111111111111111111111111111111',
  'BPFLoader2111111111111111111111111111111111',
  'BPFLoaderUpgradeab1e11111111111111111111111',
  'LoaderV411111111111111111111111111111111111',
]);

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
  /**
   * Added to bankrun's block height in everything we report: a restored ledger starts past every
   * height (and `lastValidBlockHeight`) it reported before the restart, without producing them.
   */
  private heightOffset = 0n;

  constructor(
    private readonly ctx: ProgramTestContext,
    opts: InProcessChainOptions,
    private readonly state?: StateFile,
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

  get stateFile(): string | undefined {
    return this.state?.path;
  }

  /**
   * With a state file, before first use: restores `saved` (or funds the payer of a fresh ledger),
   * then writes the file, so the heights it now reports survive the next restart.
   */
  async open(saved: SavedState | undefined, payerLamports: bigint): Promise<void> {
    const state = this.state!;
    if (!saved) {
      await this.credit(this.payer.publicKey, payerLamports);
    } else {
      if (saved.slot + 1n > (await this.client.getSlot())) this.ctx.warpToSlot(saved.slot + 1n);
      for (const a of saved.accounts.values()) this.ctx.setAccount(a.address, toAccountInfoBytes(a));
      for (const [signature, s] of saved.signatures) this.landed.set(signature, { ...s, restored: true });
      // Past every height reported and lastValidBlockHeight handed out before: the new bank knows
      // none of those blockhashes, so every old transaction is expired for good, and reads as such.
      const target = (saved.lastValidBlockHeight > saved.blockHeight ? saved.lastValidBlockHeight : saved.blockHeight) + 1n;
      const bank = await this.client.getBlockHeight();
      if (target > bank) this.heightOffset = target - bank;
    }
    await this.cover(await this.height());
    await state.flush();
  }

  /**
   * Before reporting `height` or handing out a blockhash born at it: makes sure the file's bound
   * covers it, writing a new one (`height` + 2 lifetimes) when it does not. With blocks every
   * 400 ms that is one write a minute, whatever else happens.
   */
  private async cover(height: bigint): Promise<void> {
    const state = this.state;
    if (!state || height + this.lifetime <= state.durableLimit) return;
    state.setHeights({ slot: await this.client.getSlot(), blockHeight: height, lastValidBlockHeight: height + 2n * this.lifetime });
    await state.cover(height + this.lifetime);
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
    const height = await this.height();
    const slot = await this.client.getSlot();
    const blockhash = latest[0];
    // bankrun registers a new blockhash every few ms of wall-clock time without producing a block,
    // so "born" is the current height; its own lastValidBlockHeight (height + 300) is not used.
    let born = this.born.get(blockhash);
    if (born === undefined) {
      born = height;
      this.born.set(blockhash, born);
    }
    await this.cover(born);
    return { blockhash, lastValidBlockHeight: born + this.lifetime, slot };
  }

  async blockHeight(): Promise<bigint> {
    this.enter();
    const height = await this.height();
    await this.cover(height);
    return height;
  }

  async sendRawTransaction(bytes: Uint8Array): Promise<string> {
    this.enter();
    if (!this.state) return this.serial(() => this.send(bytes));
    try {
      return await this.serial(() => this.send(bytes));
    } finally {
      // Whatever the outcome, what landed is on disk before the caller hears of it.
      await this.state.flush();
    }
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
    const landed = this.landed.get(signature);
    if (landed?.restored) {
      // Its blockhash died with the previous bank, and the restored height is past its expiry.
      throw ChainBlockhashNotFound('blockhash expired (the transaction landed before the ledger restarted)', { signature, blockhash: tx.message.recentBlockhash });
    }
    if (landed) return signature;
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
    const status = this.status(signature);
    // A status is what callers book on: report a landing only once it is on disk.
    if (this.state) await this.state.flush();
    return status;
  }

  async signatureStatuses(signatures: readonly string[]): Promise<SignatureStatus[]> {
    this.enter();
    const statuses = signatures.map((s) => this.status(s));
    if (this.state) await this.state.flush();
    return statuses;
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
    if (this.state) {
      await this.tail; // sends already queued land and are saved
      await this.state.flush();
    }
  }

  async advanceBlocks(n = 1): Promise<void> {
    this.live();
    if (!Number.isInteger(n) || n < 0) throw ChainInvalidArgument(`advanceBlocks needs a non-negative integer, got ${n}`);
    for (let i = 0; i < n; i++) await this.serial(async () => this.warp((await this.client.getSlot()) + 1n));
    if (this.state) await this.afterWarp();
  }

  /** Held transactions that landed in the closing block are saved; the new height is covered. */
  private async afterWarp(): Promise<void> {
    await this.state!.flush();
    await this.cover(await this.height());
  }

  async warpToSlot(slot: bigint): Promise<void> {
    this.live();
    const current = await this.client.getSlot();
    if (slot <= current) throw ChainInvalidArgument(`warpToSlot(${slot}) must move forward from slot ${current}`);
    await this.serial(() => this.warp(slot));
    if (this.state) await this.afterWarp();
  }

  async expireBlockhash(lastValidBlockHeight?: bigint): Promise<void> {
    this.live();
    const target = lastValidBlockHeight ?? (await this.currentBlockhash()).lastValidBlockHeight;
    const height = await this.height();
    if (height > target) return;
    await this.advanceBlocks(Number(target - height + 1n));
  }

  async fund(address: PublicKey, lamports: bigint): Promise<void> {
    this.live();
    if (!this.state) return this.credit(address, lamports);
    await this.serial(() => this.credit(address, lamports)); // no transaction runs between the change and its capture
    await this.state.flush();
  }

  private async credit(address: PublicKey, lamports: bigint): Promise<void> {
    const existing = await this.client.getAccount(address);
    if (existing && (!existing.owner.equals(SystemProgram.programId) || existing.data.length > 0)) {
      throw ChainInvalidArgument(`fund: ${address.toBase58()} is not a plain system account`);
    }
    const total = BigInt(existing?.lamports ?? 0) + lamports;
    if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw ChainInvalidArgument('fund: balance would exceed 2^53 lamports');
    this.ctx.setAccount(address, { lamports: Number(total), data: new Uint8Array(0), owner: SystemProgram.programId, executable: false });
    if (this.state) this.state.putAccounts(await this.capture([address]));
  }

  private async height(): Promise<bigint> {
    return (await this.client.getBlockHeight()) + this.heightOffset;
  }

  /**
   * Reads accounts as they are now, for the state file; builtin programs and sysvars are left out.
   * Runs inside `serial` (no transaction executes meanwhile); the caller applies the result in one
   * synchronous step, so a save never holds half of a transaction.
   */
  private async capture(keys: readonly PublicKey[]): Promise<Array<readonly [string, SavedAccount | null]>> {
    const wanted = new Map<string, PublicKey>();
    for (const key of keys) {
      const address = key.toBase58();
      if (!BUILTIN_KEYS.has(address) && !address.startsWith('Sysvar')) wanted.set(address, key);
    }
    const entries = [...wanted];
    const infos = await Promise.all(entries.map(([, key]) => this.client.getAccount(key)));
    const out: Array<readonly [string, SavedAccount | null]> = [];
    for (let i = 0; i < entries.length; i++) {
      const [address, key] = entries[i]!;
      const info = infos[i];
      if (!info) {
        out.push([address, null]);
        continue;
      }
      if (info.executable || RUNTIME_OWNERS.has(info.owner.toBase58())) continue;
      out.push([
        address,
        {
          // bankrun hands both out as JS numbers: exact lamports come from getBalance, and a rent
          // epoch that rounded to 2^64 is u64::MAX (rent-exempt accounts).
          lamports: Number.isSafeInteger(info.lamports) ? BigInt(info.lamports) : await this.client.getBalance(key),
          owner: info.owner,
          executable: info.executable,
          rentEpoch: info.rentEpoch === undefined ? 0n : info.rentEpoch >= 2 ** 64 ? U64_MAX : BigInt(info.rentEpoch),
          data: info.data,
        },
      ]);
    }
    return out;
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
    const height = await this.height();
    if (latest) this.born.set(latest[0], height);
    for (const [hash, born] of this.born) if (born + 2n * this.lifetime < height) this.born.delete(hash);
    this.state?.setHeights({ slot, blockHeight: height, lastValidBlockHeight: height + this.lifetime });
  }

  private async checkBlockhash(tx: VersionedTransaction): Promise<void> {
    const born = this.born.get(tx.message.recentBlockhash);
    if (born === undefined) return; // never handed out: bankrun decides
    const height = await this.height();
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
      const landed: Landed = { slot: status.slot, commitment: commitmentOf(status.confirmationStatus), error: status.err };
      if (this.state) {
        const accounts = await this.capture(tx.message.staticAccountKeys);
        this.state.putAccounts(accounts);
        this.state.putSignature(signature, landed);
      }
      this.landed.set(signature, landed);
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

/**
 * bankrun's setAccount converts lamports and rentEpoch with BigInt(), so bigints pass through
 * exactly (u64::MAX rent epochs, balances over 2^53) although its type says number.
 */
function toAccountInfoBytes(a: SavedAccount): AccountInfoBytes {
  return { lamports: a.lamports as unknown as number, rentEpoch: a.rentEpoch as unknown as number, data: a.data, owner: a.owner, executable: a.executable };
}

function asBuffer(info: AccountInfo<Uint8Array>): AccountInfo<Buffer> {
  return { ...info, data: Buffer.from(info.data) };
}
