import { defineError, HexlightError } from '@hexlight/kit';

export const StoreUnavailable = defineError('STORE_UNAVAILABLE', 'database unavailable', { httpStatus: 503 });
export const StoreQueryFailed = defineError('STORE_QUERY_FAILED', 'database query failed', { httpStatus: 500 });
export const StoreTxClosed = defineError('STORE_TX_CLOSED', 'transaction handle used after its transaction ended', { httpStatus: 500 });
export const StoreReentrant = defineError(
  'STORE_REENTRANT',
  'db.query/db.transaction called inside a transaction on PGlite, which has a single connection: use the tx handle',
  { httpStatus: 500 },
);

/** SQLSTATE classes and codes that mean "the database is not there for us", not "this SQL is wrong". */
const UNAVAILABLE_STATES = /^(08...|57P0[1-3]|53300|3D000|28...)$/;
/** Socket and client-state failures, which carry no SQLSTATE (Node's ERR_* codes are bugs, not outages). */
const UNAVAILABLE_MESSAGES =
  /connection terminated|terminating connection|timeout exceeded when trying to connect|not queryable|after calling end on the pool|connection error|PGlite is closed|database is closed/i;

interface SqlErrorLike {
  code?: unknown;
  severity?: unknown;
  message?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  detail?: unknown;
}

function isSqlState(code: unknown): code is string {
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Maps a driver error to a coded store error. SQL errors keep their SQLSTATE in
 * `details.sqlState` (and the driver error as `cause`) so callers can spot 23505 and friends;
 * anything that is neither an SQL error nor a connection failure is a programming error and
 * passes through untouched.
 */
export function toStoreError(err: unknown): unknown {
  if (err instanceof HexlightError) return err;
  const e = (err ?? {}) as SqlErrorLike;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (isSqlState(e.code) && e.severity !== undefined) {
    if (UNAVAILABLE_STATES.test(e.code)) return StoreUnavailable(`database unavailable: ${message}`, { sqlState: e.code }, err);
    const details: Record<string, unknown> = { sqlState: e.code };
    for (const k of ['constraint', 'table', 'column', 'detail'] as const) if (typeof e[k] === 'string') details[k] = e[k];
    return StoreQueryFailed(message, details, err);
  }
  if ((typeof e.code === 'string' && /^E(?!RR_)[A-Z_]+$/.test(e.code)) || UNAVAILABLE_MESSAGES.test(message)) {
    return StoreUnavailable(`database unavailable: ${message}`, typeof e.code === 'string' ? { errno: e.code } : undefined, err);
  }
  return err;
}

/** The SQLSTATE behind a store error (or a raw driver error), e.g. '23505'; undefined otherwise. */
export function sqlStateOf(err: unknown): string | undefined {
  if (err instanceof HexlightError) {
    const s = err.details?.sqlState;
    return isSqlState(s) ? s : sqlStateOf(err.cause);
  }
  const code = (err as SqlErrorLike | undefined)?.code;
  return isSqlState(code) ? code : undefined;
}

/** True for a unique-constraint violation: the natural-id idempotency check every consumer uses. */
export function isUniqueViolation(err: unknown): boolean {
  return sqlStateOf(err) === '23505';
}
