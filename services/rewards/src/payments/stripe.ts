import Stripe from 'stripe';
import { PaymentProviderFailed } from './errors.ts';
import { CURRENCY, priceCents, PRODUCT_NAME, type Payments } from './port.ts';
import { verifyStripeEvent } from './stripe-events.ts';

// The Stripe adapter: a Checkout Session in payment mode for the DC's price, and webhooks
// verified with the endpoint's signing secret. The org and the DC travel in the session's
// client_reference_id and metadata, and in the PaymentIntent's metadata, which Stripe copies to
// its Charge, so a refund (charge.refunded) names the organisation it belongs to.

export interface StripePaymentsOptions {
  /** sk_live_… / sk_test_… (STRIPE_SECRET_KEY). */
  readonly secretKey: string;
  /** whsec_… of the webhook endpoint (STRIPE_WEBHOOK_SECRET). */
  readonly webhookSecret: string;
  /** Where the Stripe API is: tests point it at a local stand-in for api.stripe.com. */
  readonly api?: { host: string; port: number; protocol: 'http' | 'https' };
  readonly timeoutMs?: number;
  readonly maxNetworkRetries?: number;
}

export function stripePayments(opts: StripePaymentsOptions): Payments {
  // The package sends an idempotency key with every POST, so its retries never create two sessions.
  const stripe = new Stripe(opts.secretKey, {
    ...(opts.api ? { host: opts.api.host, port: opts.api.port, protocol: opts.api.protocol } : {}),
    timeout: opts.timeoutMs ?? 20_000,
    maxNetworkRetries: opts.maxNetworkRetries ?? 2,
    appInfo: { name: 'hexlight' },
  });
  return {
    provider: 'stripe',
    async createCheckout(req) {
      const cents = priceCents(req.dc);
      const metadata = { org_id: req.orgId, dc: req.dc.toString() };
      let session: Stripe.Checkout.Session;
      try {
        session = await stripe.checkout.sessions.create({
          mode: 'payment',
          line_items: [{
            quantity: 1,
            price_data: { currency: CURRENCY, unit_amount: Number(cents), product_data: { name: PRODUCT_NAME, description: `${req.dc} DC` } },
          }],
          client_reference_id: req.orgId,
          metadata,
          payment_intent_data: { metadata },
          success_url: req.successUrl,
          cancel_url: req.cancelUrl,
        });
      } catch (err) {
        const e = err as { message?: string; type?: string; statusCode?: number };
        throw PaymentProviderFailed(`Stripe did not create the checkout: ${e.message ?? String(err)}`, { provider: 'stripe', type: e.type ?? null, status: e.statusCode ?? null }, err);
      }
      if (!session.url) throw PaymentProviderFailed('Stripe returned a checkout session without a url', { provider: 'stripe', session: session.id });
      return { id: session.id, url: session.url, amountCents: cents, currency: CURRENCY };
    },
    parseWebhook: (rawBody, headers) => verifyStripeEvent(rawBody, headers, opts.webhookSecret),
  };
}
