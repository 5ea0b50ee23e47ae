import type { FastifyPluginAsync } from 'fastify';
import { PaymentAmountInvalid } from './errors.ts';

// The Payments port: start a card checkout for an amount of DC, and turn a provider's signed
// webhook into a payment event. Adapters: Stripe (stripe.ts) and the embedded test provider
// (test-provider.ts), which signs its events exactly as Stripe does, so both go through the same
// verification and the same event handler.

/** 1 DC = $0.00001, so one US cent buys 1,000 DC. */
export const DC_PER_CENT = 1_000n;
/** Stripe's minimum charge in USD is $0.50: 50,000 DC. */
export const MIN_PURCHASE_DC = 50_000n;
/** $100,000 in one checkout (Stripe's limit for one amount is $999,999.99). */
export const MAX_PURCHASE_DC = 10_000_000_000n;
export const CURRENCY = 'usd';
export const PRODUCT_NAME = 'Hexlight Data Credits';

/** The price of `dc` in cents: exact, so `dc` must be a whole number of cents (a multiple of 1,000). */
export function priceCents(dc: bigint): bigint {
  const details = { dc: dc.toString(), min_dc: Number(MIN_PURCHASE_DC), max_dc: Number(MAX_PURCHASE_DC), step_dc: Number(DC_PER_CENT) };
  if (dc < MIN_PURCHASE_DC) throw PaymentAmountInvalid(`a purchase is at least ${MIN_PURCHASE_DC} DC ($0.50, the card processor's minimum)`, details);
  if (dc > MAX_PURCHASE_DC) throw PaymentAmountInvalid(`a purchase is at most ${MAX_PURCHASE_DC} DC ($100,000)`, details);
  if (dc % DC_PER_CENT !== 0n) throw PaymentAmountInvalid(`DC are sold in whole cents: a multiple of ${DC_PER_CENT} DC`, details);
  return dc / DC_PER_CENT;
}

export type PaymentProvider = 'stripe' | 'test';

export interface CheckoutRequest {
  readonly orgId: string;
  readonly dc: bigint;
  /** Where the payer lands after paying; `{CHECKOUT_SESSION_ID}` is replaced by the checkout id. */
  readonly successUrl: string;
  readonly cancelUrl: string;
}

export interface Checkout {
  /** The provider's checkout id (Stripe: cs_…). */
  readonly id: string;
  /** Where to send the payer. */
  readonly url: string;
  readonly amountCents: bigint;
  readonly currency: string;
}

export type WebhookHeaders = Record<string, string | string[] | undefined>;

interface EventBase {
  /** The provider's event id: the idempotency key (payment_events). */
  readonly id: string;
  readonly type: string;
}

/** What the accounts care about in a provider event. */
export type PaymentEvent = EventBase & (
  | { readonly kind: 'checkout_paid'; readonly checkoutId: string; readonly paymentIntent: string | null; readonly amountCents: number | null; readonly currency: string | null }
  | { readonly kind: 'checkout_expired'; readonly checkoutId: string }
  | {
    readonly kind: 'charge_refunded';
    readonly chargeId: string;
    readonly paymentIntent: string | null;
    /** The charge's amount and the total refunded so far (cumulative), in cents. */
    readonly amountCents: number;
    readonly refundedCents: number;
    /** The charge's metadata names a Hexlight organisation (ours, even if not matched yet). */
    readonly orgId: string | null;
  }
  | { readonly kind: 'other'; readonly note: string }
);

/** What a provider's own pages (the test checkout) may use. */
export interface PaymentPagesContext {
  findCheckout(id: string): Promise<StoredCheckout | null>;
  /** The webhook handler: the same one `POST /v1/payments/stripe/webhook` calls. */
  deliver(rawBody: Buffer, headers: WebhookHeaders): Promise<WebhookOutcome>;
}

export interface StoredCheckout {
  readonly id: string;
  readonly provider: PaymentProvider;
  readonly orgId: string;
  readonly dc: bigint;
  readonly amountCents: bigint;
  readonly currency: string;
  readonly url: string;
  readonly status: 'open' | 'paid' | 'expired';
  readonly createdAt: Date;
  readonly paidAt: Date | null;
}

export type WebhookOutcomeKind = 'credited' | 'refunded' | 'expired' | 'ignored';

export interface WebhookOutcome {
  readonly eventId: string;
  /** The event id was recorded before: nothing was done now. */
  readonly duplicate: boolean;
  readonly outcome: WebhookOutcomeKind;
  readonly orgId: string | null;
  /** Why an event was ignored, or what it changed. */
  readonly note: string;
}

export interface Payments {
  readonly provider: PaymentProvider;
  /** PAYMENT_PROVIDER_FAILED when the provider refuses or cannot be reached. */
  createCheckout(req: CheckoutRequest): Promise<Checkout>;
  /** Verifies the signature over the exact bytes; PAYMENT_WEBHOOK_SIGNATURE otherwise. */
  parseWebhook(rawBody: Buffer, headers: WebhookHeaders): PaymentEvent;
  /** Pages the provider serves from this service (the test checkout); Stripe hosts its own. */
  readonly pages?: (ctx: PaymentPagesContext) => FastifyPluginAsync;
}
