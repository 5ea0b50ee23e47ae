export type { Chain, Commitment, LatestBlockhash, SignatureStatus } from './port.ts';
export {
  ChainUnavailable,
  ChainBlockhashNotFound,
  ChainTxRejected,
  ChainAccountNotFound,
  ChainRpcFailed,
  ChainInvalidArgument,
  ChainStateInvalid,
  KeypairNotFound,
  KeypairInvalid,
  KeypairExists,
  CHAIN_ERROR_CODES,
  describeTransactionError,
  type TransactionErrorInfo,
} from './errors.ts';
export {
  PACKET_DATA_SIZE,
  MAX_TX_ACCOUNTS,
  MINT_RENT_LAMPORTS,
  MARKER_RENT_LAMPORTS,
  MAX_SEED_LENGTH,
  COMPUTE_UNITS,
  associatedTokenAddress,
  markerAddress,
  markerInstruction,
  buildCreateMint,
  buildMintToEscrow,
  buildPayouts,
  transfersPerTransaction,
  type RecentBlockhash,
  type PriorityFee,
  type SignedTransaction,
  type Payout,
  type PayoutTransaction,
  type CreateMintOptions,
  type MintToEscrowOptions,
  type PayoutOptions,
} from './transactions.ts';
export { loadKeypair, saveKeypair, ensureKeypair } from './keypair.ts';
export { createInProcessChain, type InProcessChain, type InProcessChainOptions, type ChainFault, type TestLedger } from './in-process.ts';
export { createRpcChain, type RpcChainOptions } from './rpc.ts';
export { chainContract } from './contract.ts';
