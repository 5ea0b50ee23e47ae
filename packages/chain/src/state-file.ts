/**
 * The in-process ledger's state file (`InProcessChainOptions.stateFile`): the accounts our
 * transactions touched, our signature history and the heights, so an embedded network keeps its
 * mints, token accounts and payout markers across restarts.
 *
 * One JSON document, rewritten whole on every save (written aside, fsynced, renamed, directory
 * fsynced), mode 600. Each account and signature is kept pre-serialised, so a save only
 * serialises what changed since the previous one; concurrent saves are coalesced into one write.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PublicKey } from '@solana/web3.js';
import { ChainStateInvalid, ChainUnavailable } from './errors.ts';
import type { Commitment } from './port.ts';

export const STATE_FORMAT = 'hexlight-in-process-ledger';
export const STATE_VERSION = 1;
export const U64_MAX = (1n << 64n) - 1n;

export interface SavedAccount {
  lamports: bigint;
  owner: PublicKey;
  executable: boolean;
  rentEpoch: bigint;
  data: Uint8Array;
}

export interface SavedSignature {
  slot: bigint;
  commitment: Commitment;
  error: string | null;
}

export interface SavedHeights {
  /** Bank slot at the save. */
  slot: bigint;
  /** Block height the ledger reported at the save. */
  blockHeight: bigint;
  /**
   * A bound the ledger stays under until its next save: no block height it reports and no
   * `lastValidBlockHeight` it hands out exceeds it. A restored ledger starts above it.
   */
  lastValidBlockHeight: bigint;
}

export interface SavedState extends SavedHeights {
  payer: string;
  savedAt: string;
  accounts: Map<string, SavedAccount & { address: PublicKey }>;
  signatures: Map<string, SavedSignature>;
}

/** Reads a state file: `undefined` when it does not exist, `CHAIN_STATE_INVALID` when it cannot be used. */
export async function readStateFile(path: string): Promise<SavedState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ChainStateInvalid(`cannot read ledger state file ${path}`, { path }, err);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw ChainStateInvalid(`ledger state file ${path} is not JSON (${text.length} bytes)`, { path }, err);
  }
  return parseState(raw, path);
}

function parseState(raw: unknown, path: string): SavedState {
  const fail = (reason: string) => ChainStateInvalid(`ledger state file ${path} is invalid: ${reason}`, { path, reason });
  if (!isObject(raw)) throw fail('not a JSON object');
  if (raw.format !== STATE_FORMAT) throw fail(`format is not "${STATE_FORMAT}"`);
  if (raw.version !== STATE_VERSION) throw fail(`unsupported version ${JSON.stringify(raw.version)} (expected ${STATE_VERSION})`);
  const u64 = (v: unknown, where: string): bigint => {
    if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(v) || BigInt(v) > U64_MAX) throw fail(`${where} is not a u64 decimal string`);
    return BigInt(v);
  };
  // The PublicKey constructor refuses anything that does not decode to exactly 32 bytes (extra
  // leading '1's decode to more), so a string it accepts is the canonical form.
  const key = (v: unknown, where: string): PublicKey => {
    if (typeof v === 'string' && v.length >= 32 && v.length <= 44) {
      try {
        return new PublicKey(v);
      } catch {
        // reported below
      }
    }
    throw fail(`${where} is not a base58 address`);
  };
  const owners = new Map<string, PublicKey>(); // a handful of distinct owners: parsed once each
  const owner = (v: unknown, where: string): PublicKey => {
    let k = typeof v === 'string' ? owners.get(v) : undefined;
    if (!k) {
      k = key(v, where);
      owners.set(v as string, k);
      ownerNames.set(k, v as string);
    }
    return k;
  };
  const payer = key(raw.payer, 'payer').toBase58();
  const savedAt = typeof raw.savedAt === 'string' ? raw.savedAt : '';
  const heights = { slot: u64(raw.slot, 'slot'), blockHeight: u64(raw.blockHeight, 'blockHeight'), lastValidBlockHeight: u64(raw.lastValidBlockHeight, 'lastValidBlockHeight') };

  if (!isObject(raw.accounts)) throw fail('accounts is not an object');
  const accounts = new Map<string, SavedAccount & { address: PublicKey }>();
  for (const [address, a] of Object.entries(raw.accounts)) {
    const k = key(address, `accounts key ${JSON.stringify(address.slice(0, 60))}`);
    const at = `accounts.${address}`;
    if (!isObject(a)) throw fail(`${at} is not an object`);
    if (typeof a.executable !== 'boolean') throw fail(`${at}.executable is not a boolean`);
    if (typeof a.data !== 'string' || a.data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(a.data)) throw fail(`${at}.data is not base64`);
    accounts.set(address, {
      address: k,
      lamports: u64(a.lamports, `${at}.lamports`),
      owner: owner(a.owner, `${at}.owner`),
      executable: a.executable,
      rentEpoch: u64(a.rentEpoch, `${at}.rentEpoch`),
      data: Buffer.from(a.data, 'base64'),
    });
  }

  if (!isObject(raw.signatures)) throw fail('signatures is not an object');
  const signatures = new Map<string, SavedSignature>();
  for (const [signature, s] of Object.entries(raw.signatures)) {
    const at = `signatures.${signature.slice(0, 90)}`;
    if (!/^[1-9A-HJ-NP-Za-km-z]{64,90}$/.test(signature)) throw fail(`${at}: not a base58 signature`);
    if (!isObject(s)) throw fail(`${at} is not an object`);
    if (s.commitment !== 'processed' && s.commitment !== 'confirmed' && s.commitment !== 'finalized') throw fail(`${at}.commitment is not a commitment`);
    if (s.error !== null && typeof s.error !== 'string') throw fail(`${at}.error is neither null nor a string`);
    signatures.set(signature, { slot: u64(s.slot, `${at}.slot`), commitment: s.commitment, error: s.error });
  }
  return { payer, savedAt, ...heights, accounts, signatures };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Base58 of owner keys parsed from a file (toBase58 is the slow part of re-serialising 100k accounts). */
const ownerNames = new WeakMap<PublicKey, string>();

function accountFragment(address: string, a: SavedAccount): string {
  return `${JSON.stringify(address)}:${JSON.stringify({
    lamports: a.lamports.toString(),
    owner: ownerNames.get(a.owner) ?? a.owner.toBase58(),
    executable: a.executable,
    rentEpoch: a.rentEpoch.toString(),
    data: Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).toString('base64'),
  })}`;
}

function signatureFragment(signature: string, s: SavedSignature): string {
  return `${JSON.stringify(signature)}:${JSON.stringify({ slot: s.slot.toString(), commitment: s.commitment, error: s.error })}`;
}

/**
 * The in-memory snapshot and its writer. Callers change it synchronously (`putAccounts`,
 * `putSignature`, `setHeights`), then `flush()` resolves once a write that includes every change
 * made before the call is on disk. A write renders the snapshot synchronously, so it never holds
 * half of one change.
 */
export class StateFile {
  private readonly accounts = new Map<string, string>();
  private readonly signatures = new Map<string, string>();
  private heights: SavedHeights = { slot: 0n, blockHeight: 0n, lastValidBlockHeight: 0n };
  /** Changes made so far / included in the last completed write. */
  private changes = 0;
  private written = -1;
  private writing: Promise<void> | undefined;
  private dirReady = false;
  /** `lastValidBlockHeight` of the snapshot on disk (-1 before the first write). */
  durableLimit = -1n;
  /** The last write: milliseconds (render + write + fsync + rename) and bytes. */
  lastWrite: { ms: number; bytes: number } | undefined;

  constructor(
    readonly path: string,
    private readonly payer: string,
    saved?: SavedState,
  ) {
    if (!saved) return;
    for (const [address, a] of saved.accounts) this.accounts.set(address, accountFragment(address, a));
    for (const [signature, s] of saved.signatures) this.signatures.set(signature, signatureFragment(signature, s));
    this.heights = { slot: saved.slot, blockHeight: saved.blockHeight, lastValidBlockHeight: saved.lastValidBlockHeight };
    this.durableLimit = saved.lastValidBlockHeight;
  }

  get trackedAccounts(): number {
    return this.accounts.size;
  }

  /** Records accounts as they are now (`null`: the account no longer exists). */
  putAccounts(entries: Iterable<readonly [string, SavedAccount | null]>): void {
    for (const [address, a] of entries) {
      if (a) this.accounts.set(address, accountFragment(address, a));
      else this.accounts.delete(address);
    }
    this.changes++;
  }

  putSignature(signature: string, s: SavedSignature): void {
    this.signatures.set(signature, signatureFragment(signature, s));
    this.changes++;
  }

  /** For the next write (heights only move forward); heights alone do not make a write: see `cover`. */
  setHeights(h: SavedHeights): void {
    const max = (a: bigint, b: bigint) => (a > b ? a : b);
    this.heights = {
      slot: max(this.heights.slot, h.slot),
      blockHeight: max(this.heights.blockHeight, h.blockHeight),
      lastValidBlockHeight: max(this.heights.lastValidBlockHeight, h.lastValidBlockHeight),
    };
  }

  /** Resolves once the file on disk holds a `lastValidBlockHeight` of at least `limit` (set by `setHeights` first). */
  async cover(limit: bigint): Promise<void> {
    if (this.durableLimit >= limit) return;
    if (this.heights.lastValidBlockHeight < limit) throw new Error(`state file: cover(${limit}) above the heights set (${this.heights.lastValidBlockHeight})`);
    this.changes++;
    await this.flush();
  }

  /** Resolves once every change made before the call is on disk; `CHAIN_UNAVAILABLE` when the write fails. */
  async flush(): Promise<void> {
    const target = this.changes;
    while (this.written < target) {
      this.writing ??= this.write().finally(() => {
        this.writing = undefined;
      });
      await this.writing;
    }
  }

  /** The whole document, as it is now. */
  render(): string {
    const head = JSON.stringify({
      format: STATE_FORMAT,
      version: STATE_VERSION,
      payer: this.payer,
      savedAt: new Date().toISOString(),
      slot: this.heights.slot.toString(),
      blockHeight: this.heights.blockHeight.toString(),
      lastValidBlockHeight: this.heights.lastValidBlockHeight.toString(),
    });
    return `${head.slice(0, -1)},"accounts":{${[...this.accounts.values()].join(',')}},"signatures":{${[...this.signatures.values()].join(',')}}}\n`;
  }

  private async write(): Promise<void> {
    const t0 = performance.now();
    const changes = this.changes;
    const limit = this.heights.lastValidBlockHeight;
    const text = this.render();
    try {
      if (!this.dirReady) {
        await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
        this.dirReady = true;
      }
      await writeAtomically(this.path, text);
    } catch (err) {
      throw ChainUnavailable(`could not save the ledger state file ${this.path}`, { path: this.path }, err);
    }
    this.written = Math.max(this.written, changes);
    if (limit > this.durableLimit) this.durableLimit = limit;
    this.lastWrite = { ms: performance.now() - t0, bytes: Buffer.byteLength(text) };
  }
}

/** `path.tmp`, fsynced, renamed over `path`, then the directory fsynced: the file is the old or the new one, whole. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  // A leftover from a crash may have another mode or owner: start afresh (and never follow a link).
  await unlink(tmp).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  const file = await open(tmp, 'wx', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
