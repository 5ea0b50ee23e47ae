import type { Clock } from '@hexlight/kit';
import type { Db, Queryable } from '@hexlight/store';
import type { Payments, StoredCheckout } from './port.ts';

// Checkouts started through the Payments port (payment_checkouts). The row is written after the
// provider created the session and before the payer gets its URL; a session whose row failed to
// commit is never shown to anyone and simply expires at the provider.

interface CheckoutRow {
  id: string; provider: 'stripe' | 'test'; org_id: string; dc: bigint; amount_cents: bigint; currency: string; url: string;
  status: 'open' | 'paid' | 'expired'; created_at: Date; paid_at: Date | null;
}
const COLUMNS = 'id, provider, org_id, dc, amount_cents, currency, url, status, created_at, paid_at';
const checkoutOf = (r: CheckoutRow): StoredCheckout => ({
  id: r.id, provider: r.provider, orgId: r.org_id, dc: r.dc, amountCents: r.amount_cents, currency: r.currency, url: r.url,
  status: r.status, createdAt: r.created_at, paidAt: r.paid_at,
});

/**
 * Starts a checkout for `dc`. `resolveUrl` turns a provider's relative URL (the test provider's
 * page on this service) into an absolute one.
 */
export async function startCheckout(
  deps: { db: Db; payments: Payments; clock: Clock },
  req: { orgId: string; dc: bigint; successUrl: string; cancelUrl: string; resolveUrl?: (url: string) => string },
): Promise<StoredCheckout> {
  const created = await deps.payments.createCheckout({ orgId: req.orgId, dc: req.dc, successUrl: req.successUrl, cancelUrl: req.cancelUrl });
  const url = req.resolveUrl ? req.resolveUrl(created.url) : created.url;
  const r = await deps.db.query<CheckoutRow>(
    `INSERT INTO payment_checkouts (id, provider, org_id, dc, amount_cents, currency, url, status, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8) RETURNING ${COLUMNS}`,
    [created.id, deps.payments.provider, req.orgId, req.dc, created.amountCents, created.currency, url, new Date(deps.clock.now())],
  );
  return checkoutOf(r.rows[0]!);
}

export async function findCheckout(q: Queryable, id: string): Promise<StoredCheckout | null> {
  const r = await q.query<CheckoutRow>(`SELECT ${COLUMNS} FROM payment_checkouts WHERE id = $1`, [id]);
  return r.rows[0] ? checkoutOf(r.rows[0]) : null;
}

/** Newest first; `before` = a created_at from the previous page. */
export async function listCheckouts(q: Queryable, orgId: string, opts: { before?: Date; limit: number }): Promise<StoredCheckout[]> {
  const r = await q.query<CheckoutRow>(
    `SELECT ${COLUMNS} FROM payment_checkouts WHERE org_id = $1 AND ($2::timestamptz IS NULL OR created_at < $2) ORDER BY created_at DESC, id LIMIT $3`,
    [orgId, opts.before ?? null, opts.limit],
  );
  return r.rows.map(checkoutOf);
}
