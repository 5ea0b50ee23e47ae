import type { PublicKey } from '@solana/web3.js';

export type Commitment = 'processed' | 'confirmed' | 'finalized';

export interface LatestBlockhash {
  blockhash: string;
  /** The transaction can land while `blockHeight() <= lastValidBlockHeight`; keep it with the signed bytes. */
  lastValidBlockHeight: bigint;
  slot: bigint;
}

/**
 * What the chain knows about a signature. `unknown` means never seen or dropped; it is final only
 * once `blockHeight()` has passed the transaction's `lastValidBlockHeight`. Book a payout at
 * `finalized`; `failed` transactions executed (fees charged) and reverted every instruction.
 */
export type SignatureStatus =
  | { state: 'unknown' }
  | { state: Commitment; slot: bigint }
  | {
      state: 'failed';
      slot: bigint;
      commitment: Commitment;
      /** Validator display form, e.g. `Error processing Instruction 2: custom program error: 0x0`. */
      error: string;
      instructionIndex?: number;
      customCode?: number;
    };

/**
 * The Chain port: the few Solana reads and the one write the services need. Adapters:
 * `createInProcessChain` (bankrun ledger with the real SPL programs) and `createRpcChain`.
 * Every failure is a coded error (`CHAIN_*`); transient ones are `CHAIN_UNAVAILABLE`.
 */
export interface Chain {
  readonly kind: 'in-process' | 'rpc';
  latestBlockhash(): Promise<LatestBlockhash>;
  /** Finalized block height: the one that decides whether a blockhash has expired for good. */
  blockHeight(): Promise<bigint>;
  /**
   * Sends already-signed transaction bytes; returns the base58 signature (first signature).
   * Never re-signs. Bytes that already landed return their signature and do nothing
   * (idempotent resend). Preflight failures reject with `CHAIN_TX_REJECTED` /
   * `CHAIN_BLOCKHASH_NOT_FOUND` and nothing executes; `CHAIN_UNAVAILABLE` means the outcome is
   * unknown: the transaction may or may not have landed, so ask `signatureStatus`.
   */
  sendRawTransaction(bytes: Uint8Array): Promise<string>;
  /** Searches the whole history, not only the recent status cache. */
  signatureStatus(signature: string): Promise<SignatureStatus>;
  /** Same for many signatures, in order (batched 256 per RPC call). */
  signatureStatuses(signatures: readonly string[]): Promise<SignatureStatus[]>;
  /** Mint supply in base units; `CHAIN_ACCOUNT_NOT_FOUND` when the mint does not exist. */
  tokenSupply(mint: PublicKey): Promise<bigint>;
  /** Balance of `owner`'s associated token account for `mint`; 0n when that account does not exist. */
  tokenBalance(owner: PublicKey, mint: PublicKey): Promise<bigint>;
  /** SOL balance in lamports (fee payer monitoring); 0n for a missing account. */
  lamports(address: PublicKey): Promise<bigint>;
  accountExists(address: PublicKey): Promise<boolean>;
  /** Idempotent; later calls reject with `CHAIN_UNAVAILABLE`. */
  close(): Promise<void>;
}
