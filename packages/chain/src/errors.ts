import { defineError } from '@hexlight/kit';

/** The node cannot be reached, timed out, is rate limiting us or is unhealthy: retry later. */
export const ChainUnavailable = defineError('CHAIN_UNAVAILABLE', 'Solana node unavailable', { httpStatus: 503 });
/**
 * The transaction's blockhash is unknown to the node: expired, or the node is behind. Nothing was
 * executed. Re-sign only after `blockHeight()` has passed the transaction's `lastValidBlockHeight`.
 */
export const ChainBlockhashNotFound = defineError('CHAIN_BLOCKHASH_NOT_FOUND', 'blockhash not found (expired or not yet seen)', {
  httpStatus: 409,
});
/** Preflight (simulation) or sanitising refused the transaction; nothing was executed. */
export const ChainTxRejected = defineError('CHAIN_TX_REJECTED', 'transaction rejected before execution', { httpStatus: 422 });
/** A mint (or other account a read needs) does not exist. */
export const ChainAccountNotFound = defineError('CHAIN_ACCOUNT_NOT_FOUND', 'account not found', { httpStatus: 404 });
/** The node answered with an error that is neither an outage nor about the transaction. */
export const ChainRpcFailed = defineError('CHAIN_RPC_FAILED', 'Solana RPC request failed', { httpStatus: 502 });
/** A builder or adapter was called with values that cannot make a valid transaction. */
export const ChainInvalidArgument = defineError('CHAIN_INVALID_ARGUMENT', 'invalid chain request', { httpStatus: 400 });

/** The in-process ledger's state file (`stateFile`) cannot be read or is not the documented JSON; nothing is started over it. */
export const ChainStateInvalid = defineError('CHAIN_STATE_INVALID', 'in-process ledger state file is unreadable or invalid', { httpStatus: 500 });

export const KeypairNotFound = defineError('KEYPAIR_NOT_FOUND', 'keypair file not found', { httpStatus: 500 });
export const KeypairInvalid = defineError('KEYPAIR_INVALID', 'keypair file is not a solana-keygen keypair', { httpStatus: 500 });
export const KeypairExists = defineError('KEYPAIR_EXISTS', 'keypair file already exists; refusing to overwrite it', { httpStatus: 409 });

export const CHAIN_ERROR_CODES = [
  ChainUnavailable.code,
  ChainBlockhashNotFound.code,
  ChainTxRejected.code,
  ChainAccountNotFound.code,
  ChainRpcFailed.code,
  ChainInvalidArgument.code,
  ChainStateInvalid.code,
  KeypairNotFound.code,
  KeypairInvalid.code,
  KeypairExists.code,
] as const;

/** Where a transaction error points, when it names an instruction (e.g. the once-only marker). */
export interface TransactionErrorInfo {
  /** The error in the validator's display form, e.g. `Error processing Instruction 2: custom program error: 0x0`. */
  error: string;
  instructionIndex?: number;
  /** A program's custom error code (`Custom(n)`): SystemProgram 0 = account already in use, SPL Token 1 = insufficient funds. */
  customCode?: number;
}

/**
 * Normalises a transaction error from either source to one display string plus its instruction
 * and custom code: the RPC's JSON form (`{"InstructionError":[2,{"Custom":0}]}`) and the
 * validator's display form (bankrun, preflight messages) both come out the same.
 */
export function describeTransactionError(err: unknown): TransactionErrorInfo {
  if (typeof err === 'string') {
    const m = /Error processing Instruction (\d+): (?:custom program error: 0x([0-9a-f]+))?/i.exec(err);
    const info: TransactionErrorInfo = { error: err.replace(/^Transaction simulation failed: /, '') };
    if (m) {
      info.instructionIndex = Number(m[1]);
      if (m[2] !== undefined) info.customCode = parseInt(m[2], 16);
    }
    return info;
  }
  const ie = (err as { InstructionError?: unknown } | null)?.InstructionError;
  if (Array.isArray(ie) && typeof ie[0] === 'number') {
    const [index, inner] = ie as [number, unknown];
    const custom = (inner as { Custom?: unknown } | null)?.Custom;
    if (typeof custom === 'number') {
      return { error: `Error processing Instruction ${index}: custom program error: 0x${custom.toString(16)}`, instructionIndex: index, customCode: custom };
    }
    return { error: `Error processing Instruction ${index}: ${typeof inner === 'string' ? inner : JSON.stringify(inner)}`, instructionIndex: index };
  }
  return { error: JSON.stringify(err) };
}
