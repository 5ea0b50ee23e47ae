/**
 * The RPC adapter: a Solana cluster through `@solana/web3.js` v1's Connection. Sends once per call
 * (`maxRetries: 0`, the caller rebroadcasts), preflight on, history-searching status lookups, and
 * every failure mapped to a coded error with the original as `cause`.
 */
import { Connection, PublicKey, SendTransactionError, SolanaJSONRPCError, VersionedTransaction, type FetchFn } from '@solana/web3.js';
import bs58 from 'bs58';
import { HexlightError, silentLogger, type Logger } from '@hexlight/kit';
import {
  ChainAccountNotFound,
  ChainBlockhashNotFound,
  ChainRpcFailed,
  ChainTxRejected,
  ChainUnavailable,
  describeTransactionError,
} from './errors.ts';
import type { Chain, Commitment, LatestBlockhash, SignatureStatus } from './port.ts';
import { associatedTokenAddress } from './transactions.ts';

export interface RpcChainOptions {
  /** e.g. https://api.mainnet-beta.solana.com; may carry an API key, which is never logged. */
  url: string;
  /** Commitment for reads, blockhashes and preflight (default 'confirmed'). */
  commitment?: Commitment;
  log?: Logger;
  /** Per HTTP request, including reading the body (default 15 s). */
  timeoutMs?: number;
  /** Simulate before sending (default true). */
  preflight?: boolean;
}

/** getSignatureStatuses takes at most 256 signatures per call. */
const STATUS_BATCH = 256;
/** JSON-RPC codes that mean "this node cannot answer now" (unhealthy, behind, slot skipped or not yet available). */
const UNAVAILABLE_RPC_CODES = new Set([-32004, -32005, -32007, -32009, -32014, -32016]);

export function createRpcChain(opts: RpcChainOptions): Chain {
  const commitment = opts.commitment ?? 'confirmed';
  const log = opts.log ?? silentLogger();
  const endpoint = redact(opts.url);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const preflight = opts.preflight ?? true;
  const timedFetch = ((input: Parameters<FetchFn>[0], init?: Parameters<FetchFn>[1]) =>
    fetch(input as string, { ...(init as RequestInit), signal: AbortSignal.timeout(timeoutMs) })) as unknown as FetchFn;
  // web3.js retries 429s itself for up to ~8 s and logs to console; we want the error, now.
  const conn = new Connection(opts.url, { commitment, fetch: timedFetch, disableRetryOnRateLimit: true });
  let closed = false;

  async function call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    if (closed) throw ChainUnavailable('rpc chain is closed', { endpoint });
    try {
      return await fn();
    } catch (err) {
      const mapped = toChainError(err, method, endpoint);
      if (ChainUnavailable.is(mapped)) log.warn({ method, endpoint, err: mapped.message }, 'chain.rpc.unavailable');
      throw mapped;
    }
  }

  async function statuses(signatures: readonly string[]): Promise<SignatureStatus[]> {
    const out: SignatureStatus[] = [];
    for (let i = 0; i < signatures.length; i += STATUS_BATCH) {
      const chunk = signatures.slice(i, i + STATUS_BATCH);
      const res = await call('getSignatureStatuses', () => conn.getSignatureStatuses([...chunk], { searchTransactionHistory: true }));
      for (const s of res.value) {
        if (!s) {
          out.push({ state: 'unknown' });
          continue;
        }
        // Nodes without confirmationStatus report `confirmations: null` for rooted (finalized) slots.
        const level: Commitment = s.confirmationStatus ?? (s.confirmations === null ? 'finalized' : 'confirmed');
        const slot = BigInt(s.slot);
        out.push(s.err ? { state: 'failed', slot, commitment: level, ...describeTransactionError(s.err) } : { state: level, slot });
      }
    }
    return out;
  }

  return {
    kind: 'rpc',

    latestBlockhash: () =>
      call('getLatestBlockhash', async (): Promise<LatestBlockhash> => {
        const res = await conn.getLatestBlockhashAndContext(commitment);
        return { blockhash: res.value.blockhash, lastValidBlockHeight: BigInt(res.value.lastValidBlockHeight), slot: BigInt(res.context.slot) };
      }),

    // Finalized on purpose: "has this blockhash expired for good?" is the question it answers.
    blockHeight: () => call('getBlockHeight', async () => BigInt(await conn.getBlockHeight('finalized'))),

    async sendRawTransaction(bytes) {
      const signature = firstSignature(bytes);
      return call('sendTransaction', async () => {
        try {
          await conn.sendRawTransaction(bytes, { skipPreflight: !preflight, maxRetries: 0, preflightCommitment: commitment });
          log.debug({ signature }, 'chain.tx.sent');
          return signature;
        } catch (err) {
          if (err instanceof SendTransactionError && /already been processed/i.test(err.transactionError.message)) {
            log.debug({ signature }, 'chain.tx.already_processed');
            return signature;
          }
          throw err;
        }
      });
    },

    signatureStatus: async (signature) => (await statuses([signature]))[0]!,
    signatureStatuses: statuses,

    tokenSupply: (mint) =>
      call('getTokenSupply', async () => {
        try {
          return BigInt((await conn.getTokenSupply(mint, commitment)).value.amount);
        } catch (err) {
          if (isMissingAccount(err)) throw ChainAccountNotFound(`mint ${mint.toBase58()} not found`, { address: mint.toBase58() }, err);
          throw err;
        }
      }),

    tokenBalance: (owner, mint) =>
      call('getTokenAccountBalance', async () => {
        try {
          return BigInt((await conn.getTokenAccountBalance(associatedTokenAddress(owner, mint), commitment)).value.amount);
        } catch (err) {
          if (isMissingAccount(err)) return 0n;
          throw err;
        }
      }),

    // The *AndContext variants: getBalance and getAccountInfo rethrow RPC errors as plain Errors, losing the code.
    lamports: (address) => call('getBalance', async () => BigInt((await conn.getBalanceAndContext(address, commitment)).value)),

    accountExists: (address: PublicKey) =>
      call('getAccountInfo', async () => (await conn.getAccountInfoAndContext(address, { commitment, dataSlice: { offset: 0, length: 0 } })).value !== null),

    async close() {
      closed = true;
    },
  };
}

function firstSignature(bytes: Uint8Array): string {
  try {
    const sig = VersionedTransaction.deserialize(bytes).signatures[0];
    if (!sig) throw new Error('no signatures');
    return bs58.encode(sig);
  } catch (err) {
    throw ChainTxRejected('not a serialized transaction', { reason: String(err) }, err);
  }
}

function isMissingAccount(err: unknown): boolean {
  return err instanceof SolanaJSONRPCError && /could not find account|account not found/i.test(err.message);
}

/** Maps whatever web3.js or fetch threw to a coded error; the original stays as `cause`. */
export function toChainError(err: unknown, method: string, endpoint: string): HexlightError {
  if (err instanceof HexlightError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const details: Record<string, unknown> = { method, endpoint };

  if (err instanceof SendTransactionError) {
    const { message: txMessage, logs } = err.transactionError;
    if (/blockhash not found/i.test(txMessage)) return ChainBlockhashNotFound(txMessage, details, err);
    const info = describeTransactionError(txMessage);
    return ChainTxRejected(info.error, { ...details, ...info, ...(logs ? { logs } : {}) }, err);
  }
  if (err instanceof SolanaJSONRPCError) {
    const code = typeof err.code === 'number' ? err.code : undefined;
    details.rpcCode = err.code;
    if (code !== undefined && UNAVAILABLE_RPC_CODES.has(code)) return ChainUnavailable(`${method}: ${message}`, details, err);
    return ChainRpcFailed(`${method}: ${message}`, details, err);
  }
  const name = (err as { name?: unknown } | null)?.name;
  const causeCode = ((err as { cause?: { code?: unknown } } | null)?.cause?.code ?? (err as { code?: unknown } | null)?.code) as unknown;
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    (typeof causeCode === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(causeCode)) ||
    /fetch failed|socket hang up|network|timed? ?out/i.test(message) ||
    /^(408|425|429|5\d\d) /.test(message)
  ) {
    if (typeof causeCode === 'string') details.errno = causeCode;
    return ChainUnavailable(`${method}: ${redactText(message)}`, details, err);
  }
  return ChainRpcFailed(`${method}: ${redactText(message)}`, details, err);
}

/** Origin and path only: API keys live in query strings or user info. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : '/…'}`;
  } catch {
    return '[invalid url]';
  }
}

function redactText(text: string): string {
  return text.replace(/(https?:\/\/)[^\s'"]+/g, (m) => redact(m));
}
