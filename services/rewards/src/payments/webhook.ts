import type { Clock, Logger } from '@hexlight/kit';
import type { Db, Queryable } from '@hexlight/store';
import { applyCredit } from '../accounts/credits.ts';
import { PaymentRefundUnmatched } from './errors.ts';
import type { PaymentEvent, Payments, WebhookHeaders, WebhookOutcome, WebhookOutcomeKind } from './port.ts';

// The webhook handler. A verified event is recorded in payment_events (PK provider + event id)
// and applied in the same transaction: a replayed event finds its row and changes nothing, and a
// second event for the same checkout finds the purchase's ledger row (UNIQUE kind, ref, org) and
// credits nothing more. A refused signature records nothing at all.

export interface WebhookDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly log: Logger;
  readonly payments: Payments;
}

interface Applied {
  outcome: WebhookOutcomeKind;
  orgId: string | null;
  note: string;
}

export async function handlePaymentWebhook(deps: WebhookDeps, rawBody: Buffer, headers: WebhookHeaders): Promise<WebhookOutcome> {
  const event = deps.payments.parseWebhook(rawBody, headers);
  const provider = deps.payments.provider;
  const at = new Date(deps.clock.now());
  const result = await deps.db.transaction(async (tx): Promise<WebhookOutcome> => {
    const fresh = await tx.query(
      `INSERT INTO payment_events (provider, event_id, type, received_at, org_id, outcome) VALUES ($1, $2, $3, $4, NULL, 'ignored')
       ON CONFLICT (provider, event_id) DO NOTHING RETURNING event_id`,
      [provider, event.id, event.type, at],
    );
    if (fresh.rowCount === 0) {
      const seen = await tx.query<{ outcome: WebhookOutcomeKind; org_id: string | null; received_at: Date }>(
        'SELECT outcome, org_id, received_at FROM payment_events WHERE provider = $1 AND event_id = $2', [provider, event.id],
      );
      const s = seen.rows[0]!;
      return { eventId: event.id, duplicate: true, outcome: s.outcome, orgId: s.org_id, note: `event already handled at ${s.received_at.toISOString()}` };
    }
    const applied = await apply(tx, provider, event, at);
    await tx.query('UPDATE payment_events SET outcome = $3, org_id = $4 WHERE provider = $1 AND event_id = $2', [provider, event.id, applied.outcome, applied.orgId]);
    return { eventId: event.id, duplicate: false, ...applied };
  });
  deps.log.info({ provider, event: event.id, type: event.type, outcome: result.outcome, duplicate: result.duplicate, org: result.orgId, note: result.note }, 'rewards.payment.event');
  return result;
}

async function apply(tx: Queryable, provider: string, event: PaymentEvent, at: Date): Promise<Applied> {
  switch (event.kind) {
    case 'checkout_paid': {
      const c = (await tx.query<{ org_id: string; dc: bigint; amount_cents: bigint; currency: string; status: string }>(
        'SELECT org_id, dc, amount_cents, currency, status FROM payment_checkouts WHERE id = $1 AND provider = $2 FOR UPDATE', [event.checkoutId, provider],
      )).rows[0];
      if (!c) return { outcome: 'ignored', orgId: null, note: `checkout ${event.checkoutId} was not started here` };
      if ((event.amountCents !== null && BigInt(event.amountCents) !== c.amount_cents) || (event.currency !== null && event.currency !== c.currency)) {
        // Only this service's price may buy DC; an operator looks and grants by hand if right.
        return {
          outcome: 'ignored', orgId: c.org_id,
          note: `checkout ${event.checkoutId} paid ${event.amountCents} ${event.currency}, expected ${c.amount_cents} ${c.currency}: not credited`,
        };
      }
      if (c.status !== 'paid') await tx.query(`UPDATE payment_checkouts SET status = 'paid', paid_at = $2 WHERE id = $1`, [event.checkoutId, at]);
      const credit = await applyCredit(tx, {
        orgId: c.org_id, kind: 'purchase', ref: event.checkoutId, dc: c.dc, at,
        details: { provider, checkout: event.checkoutId, amount_cents: Number(c.amount_cents), currency: c.currency, payment_intent: event.paymentIntent, event: event.id },
      });
      if (!credit.created) return { outcome: 'ignored', orgId: c.org_id, note: `checkout ${event.checkoutId} was credited already (ledger #${credit.entry.seq})` };
      return {
        outcome: 'credited', orgId: c.org_id,
        note: `${c.dc} DC credited, balance ${credit.entry.balanceAfter}${credit.reenabled ? '; organisation re-enabled' : ''}`,
      };
    }
    case 'checkout_expired': {
      const r = await tx.query<{ org_id: string }>(
        `UPDATE payment_checkouts SET status = 'expired' WHERE id = $1 AND provider = $2 AND status = 'open' RETURNING org_id`, [event.checkoutId, provider],
      );
      return r.rows[0]
        ? { outcome: 'expired', orgId: r.rows[0].org_id, note: `checkout ${event.checkoutId} expired` }
        : { outcome: 'ignored', orgId: null, note: `checkout ${event.checkoutId} is not an open checkout of this service` };
    }
    case 'charge_refunded':
      return refund(tx, event, at);
    case 'other':
      return { outcome: 'ignored', orgId: null, note: event.note };
  }
}

/**
 * charge.refunded carries the cumulative refunded amount. The DC to take back in total is the
 * purchase's DC in proportion (all of it for a full refund); this event takes what earlier
 * refunds of the same payment did not, at most the balance, and records any shortfall.
 */
async function refund(tx: Queryable, event: Extract<PaymentEvent, { kind: 'charge_refunded' }>, at: Date): Promise<Applied> {
  const purchase = event.paymentIntent === null ? undefined : (await tx.query<{ org_id: string; ref: string; amount: bigint }>(
    `SELECT org_id, ref, amount FROM dc_ledger WHERE kind = 'purchase' AND details->>'payment_intent' = $1 ORDER BY seq LIMIT 1`, [event.paymentIntent],
  )).rows[0];
  if (!purchase) {
    if (event.orgId !== null) throw PaymentRefundUnmatched(undefined, { charge: event.chargeId, payment_intent: event.paymentIntent, org: event.orgId });
    return { outcome: 'ignored', orgId: null, note: `charge ${event.chargeId} is not a Hexlight purchase` };
  }
  const org = purchase.org_id;
  const checkout = purchase.ref;
  // The org's row lock orders concurrent refunds of one payment: the sum below sees the other's row.
  await tx.query('SELECT 1 FROM organisations WHERE id = $1 FOR UPDATE', [org]);
  if (event.amountCents <= 0) return { outcome: 'ignored', orgId: org, note: `charge ${event.chargeId} has no amount` };
  const refundedCents = BigInt(Math.min(event.refundedCents, event.amountCents));
  const target = (purchase.amount * refundedCents) / BigInt(event.amountCents);
  const done = await tx.query<{ dc: string }>(
    `SELECT coalesce(sum(-amount + coalesce((details->>'shortfall')::bigint, 0)), 0)::text AS dc FROM dc_ledger
     WHERE kind = 'refund' AND org_id = $1 AND details->>'checkout' = $2`, [org, checkout],
  );
  const due = target - BigInt(done.rows[0]!.dc);
  if (due <= 0n) return { outcome: 'ignored', orgId: org, note: `checkout ${checkout}: nothing more to take back for ${refundedCents} cents refunded` };
  const credit = await applyCredit(tx, {
    orgId: org, kind: 'refund', ref: `${event.chargeId}:${refundedCents}`, dc: due, at,
    details: { checkout, charge: event.chargeId, payment_intent: event.paymentIntent, refunded_cents: Number(refundedCents), event: event.id },
  });
  return {
    outcome: 'refunded', orgId: org,
    note: `${-credit.entry.amount} DC taken back for checkout ${checkout}${credit.shortfall > 0n ? ` (${credit.shortfall} DC short: already spent)` : ''}, balance ${credit.entry.balanceAfter}`,
  };
}
