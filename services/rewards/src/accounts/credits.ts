import type { Db, Queryable } from '@hexlight/store';
import { OrgCreditConflict, OrgNotFound } from './errors.ts';

// Every change of a balance is one dc_ledger row and the matching organisations.dc_balance
// update, in one transaction, under a row lock on the organisation (ingest's burns take the same
// lock), so balance_after is always the balance the row left. (kind, ref, org_id) is unique: a
// replayed purchase, grant or refund finds its row and changes nothing.

export type LedgerKind = 'purchase' | 'burn' | 'refund' | 'grant';
export type CreditKind = 'purchase' | 'grant' | 'refund';

export interface LedgerEntry {
  readonly seq: bigint;
  readonly orgId: string;
  readonly at: Date;
  readonly kind: LedgerKind;
  /** Signed DC. */
  readonly amount: bigint;
  readonly balanceAfter: bigint;
  readonly ref: string;
  readonly details: Record<string, unknown> | null;
}

export interface CreditRequest {
  readonly orgId: string;
  readonly kind: CreditKind;
  /** purchase: the checkout id; grant: the operator's ref; refund: the provider's refund ref. */
  readonly ref: string;
  /**
   * DC, > 0. purchase and grant add it; refund takes it back, but at most the current balance
   * (a balance never goes below zero): the rest is recorded as `shortfall` in details.
   */
  readonly dc: bigint;
  readonly at: Date;
  /** Stored with the row (JSON: no bigint values). */
  readonly details?: Record<string, unknown>;
}

export interface CreditResult {
  /** false: (kind, ref, org) had its row already; `entry` is that row and nothing changed. */
  readonly created: boolean;
  readonly entry: LedgerEntry;
  /** The credit lifted an `insufficient_balance` disable (in the same transaction). */
  readonly reenabled: boolean;
  /** refund: DC that could not be taken back because the balance was lower. */
  readonly shortfall: bigint;
}

interface LedgerRow {
  seq: bigint; org_id: string; at: Date; kind: LedgerKind; amount: bigint; balance_after: bigint; ref: string; details: Record<string, unknown> | null;
}

const LEDGER_COLUMNS = 'seq, org_id, at, kind, amount, balance_after, ref, details';

const entryOf = (r: LedgerRow): LedgerEntry => ({
  seq: r.seq, orgId: r.org_id, at: r.at, kind: r.kind, amount: r.amount, balanceAfter: r.balance_after, ref: r.ref, details: r.details,
});

/** What a stored row asked for: the amount, plus a refund's shortfall. */
function requestedOf(e: LedgerEntry): bigint {
  if (e.kind !== 'refund') return e.amount;
  const shortfall = e.details?.shortfall;
  return -e.amount + BigInt(typeof shortfall === 'number' || typeof shortfall === 'string' ? shortfall : 0);
}

/**
 * One credit operation inside the caller's transaction (the webhook handler records its
 * payment event in the same one). ORG_NOT_FOUND for an unknown organisation; ORG_CREDIT_CONFLICT
 * when the ref was used for another amount.
 */
export async function applyCredit(tx: Queryable, req: CreditRequest): Promise<CreditResult> {
  if (req.dc <= 0n) throw new RangeError(`credit of ${req.dc} DC: must be positive`);
  const org = await tx.query<{ dc_balance: bigint; disabled: boolean; disabled_reason: string | null }>(
    'SELECT dc_balance, disabled, disabled_reason FROM organisations WHERE id = $1 FOR UPDATE',
    [req.orgId],
  );
  const o = org.rows[0];
  if (!o) throw OrgNotFound(undefined, { org: req.orgId });

  const existing = await tx.query<LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM dc_ledger WHERE kind = $1 AND ref = $2 AND org_id = $3`, [req.kind, req.ref, req.orgId]);
  if (existing.rows[0]) {
    const entry = entryOf(existing.rows[0]);
    if (requestedOf(entry) !== req.dc) {
      throw OrgCreditConflict(undefined, { kind: req.kind, ref: req.ref, dc: req.dc.toString(), existing: requestedOf(entry).toString() });
    }
    return { created: false, entry, reenabled: false, shortfall: 0n };
  }

  const taken = req.kind === 'refund' ? (req.dc < o.dc_balance ? req.dc : o.dc_balance) : req.dc;
  const amount = req.kind === 'refund' ? -taken : taken;
  const shortfall = req.dc - taken;
  const balanceAfter = o.dc_balance + amount;
  const reenabled = amount > 0n && o.disabled && o.disabled_reason === 'insufficient_balance' && balanceAfter > 0n;
  const details = {
    ...req.details,
    ...(shortfall > 0n ? { requested: Number(req.dc), shortfall: Number(shortfall) } : {}),
    ...(reenabled ? { reenabled: true } : {}),
  };
  const inserted = await tx.query<LedgerRow>(
    `INSERT INTO dc_ledger (org_id, at, kind, amount, balance_after, ref, details) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
     RETURNING ${LEDGER_COLUMNS}`,
    [req.orgId, req.at, req.kind, amount, balanceAfter, req.ref, Object.keys(details).length > 0 ? JSON.stringify(details) : null],
  );
  await tx.query(
    `UPDATE organisations SET dc_balance = $2,
       disabled = CASE WHEN $3::boolean THEN false ELSE disabled END,
       disabled_reason = CASE WHEN $3::boolean THEN NULL ELSE disabled_reason END,
       disabled_at = CASE WHEN $3::boolean THEN NULL ELSE disabled_at END
     WHERE id = $1`,
    [req.orgId, balanceAfter, reenabled],
  );
  return { created: true, entry: entryOf(inserted.rows[0]!), reenabled, shortfall };
}

/** An operator's grant, in its own transaction. */
export function grantCredit(db: Db, req: Omit<CreditRequest, 'kind'>): Promise<CreditResult> {
  return db.transaction((tx) => applyCredit(tx, { ...req, kind: 'grant' }));
}

/** Newest first; `before` = a seq from the previous page. */
export async function ledgerPage(q: Queryable, orgId: string, opts: { before?: bigint; limit: number }): Promise<LedgerEntry[]> {
  const r = await q.query<LedgerRow>(
    `SELECT ${LEDGER_COLUMNS} FROM dc_ledger WHERE org_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3`,
    [orgId, opts.before ?? null, opts.limit],
  );
  return r.rows.map(entryOf);
}
