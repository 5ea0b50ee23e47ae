import Stripe from 'stripe';
import { PaymentWebhookMalformed, PaymentWebhookSignature } from './errors.ts';
import type { PaymentEvent, WebhookHeaders } from './port.ts';

// Stripe's webhook format, shared by both adapters: the signature is checked by the official
// package (`Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, five
// minutes of tolerance), then the event is reduced to what the accounts need. Fields are read
// defensively: the event's shape follows the API version of the Stripe account's endpoint.

/** The verified event, or PAYMENT_WEBHOOK_SIGNATURE / PAYMENT_WEBHOOK_MALFORMED. */
export function verifyStripeEvent(rawBody: Buffer, headers: WebhookHeaders, secret: string, nowMs?: number): PaymentEvent {
  const header = headers['stripe-signature'];
  if (typeof header !== 'string' || header.trim() === '') throw PaymentWebhookSignature('missing Stripe-Signature header');
  let event: unknown;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, header, secret, undefined, undefined, nowMs);
  } catch (err) {
    if (err instanceof SyntaxError) throw PaymentWebhookMalformed('the signed body is not JSON', undefined, err);
    const first = ((err as Error).message ?? '').split('\n')[0]!.trim();
    throw PaymentWebhookSignature(`webhook signature rejected: ${first}`, undefined, err);
  }
  return toPaymentEvent(event);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
/** An expandable field: the id, or the expanded object's id. */
const idOf = (v: unknown): string | null => str(v) ?? (isObj(v) ? str(v.id) : null);

export function toPaymentEvent(event: unknown): PaymentEvent {
  if (!isObj(event) || !str(event.id) || !str(event.type)) throw PaymentWebhookMalformed('an event needs an id and a type');
  const id = event.id as string;
  const type = event.type as string;
  const object = isObj(event.data) && isObj(event.data.object) ? event.data.object : null;
  const need = <T>(value: T | null, field: string): T => {
    if (value === null) throw PaymentWebhookMalformed(`${type} without data.object.${field}`, { event: id, field });
    return value;
  };
  switch (type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = need(object, 'id');
      const checkoutId = need(str(session.id), 'id');
      // completed with payment_status "unpaid": a delayed method (bank debit); its
      // async_payment_succeeded event pays it later.
      if (session.payment_status !== 'paid') return { id, type, kind: 'other', note: `checkout ${checkoutId} not paid yet (payment_status ${String(session.payment_status)})` };
      return { id, type, kind: 'checkout_paid', checkoutId, paymentIntent: idOf(session.payment_intent), amountCents: int(session.amount_total), currency: str(session.currency) };
    }
    case 'checkout.session.expired': {
      const session = need(object, 'id');
      return { id, type, kind: 'checkout_expired', checkoutId: need(str(session.id), 'id') };
    }
    case 'charge.refunded': {
      const charge = need(object, 'id');
      const metadata = isObj(charge.metadata) ? charge.metadata : {};
      return {
        id, type, kind: 'charge_refunded', chargeId: need(str(charge.id), 'id'), paymentIntent: idOf(charge.payment_intent),
        amountCents: need(int(charge.amount), 'amount'), refundedCents: need(int(charge.amount_refunded), 'amount_refunded'), orgId: str(metadata.org_id),
      };
    }
    default:
      return { id, type, kind: 'other', note: `event type ${type} is not handled` };
  }
}
