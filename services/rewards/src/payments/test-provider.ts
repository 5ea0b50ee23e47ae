import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { PaymentCheckoutNotFound, PaymentCheckoutState } from './errors.ts';
import { CURRENCY, priceCents, PRODUCT_NAME, type Payments, type PaymentPagesContext, type StoredCheckout } from './port.ts';
import { verifyStripeEvent } from './stripe-events.ts';

// The embedded payment provider (no STRIPE_SECRET_KEY): its checkout is a page this service
// serves, with buttons that pay, cancel or refund. Each button makes the event Stripe would send,
// signs it in Stripe's scheme with the provider's secret and hands it to the webhook handler, which
// verifies it with the official package like any Stripe event. No card is charged.

export interface TestPaymentsOptions {
  /** Signs and verifies the events (STRIPE_WEBHOOK_SECRET, else random per process). */
  readonly webhookSecret: string;
  /** Base of the checkout page's URL; unset: the URL is a path the caller resolves against its own base. */
  readonly publicUrl?: string;
}

export const TEST_CHECKOUT_PATH = '/v1/payments/test/checkout';

/** `Stripe-Signature` for `payload`: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>. */
export function signStripePayload(payload: string, secret: string, timestampS = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${timestampS}.${payload}`, 'utf8').digest('hex');
  return `t=${timestampS},v1=${v1}`;
}

/** A webhook secret in Stripe's format, for a process that was given none. */
export function randomWebhookSecret(): string {
  return `whsec_test_${randomBytes(24).toString('base64url')}`;
}

const MAX_REMEMBERED = 10_000;

export function testPayments(opts: TestPaymentsOptions): Payments {
  // Where to send the payer afterwards; lost on restart (the page then shows the result itself).
  const returnUrls = new Map<string, { successUrl: string; cancelUrl: string }>();
  return {
    provider: 'test',
    async createCheckout(req) {
      const cents = priceCents(req.dc);
      const id = `cs_test_hxl_${randomBytes(12).toString('hex')}`;
      if (returnUrls.size >= MAX_REMEMBERED) returnUrls.delete(returnUrls.keys().next().value!);
      returnUrls.set(id, { successUrl: req.successUrl, cancelUrl: req.cancelUrl });
      return { id, url: `${opts.publicUrl ?? ''}${TEST_CHECKOUT_PATH}/${id}`, amountCents: cents, currency: CURRENCY };
    },
    parseWebhook: (rawBody, headers) => verifyStripeEvent(rawBody, headers, opts.webhookSecret),
    pages: (ctx) => testCheckoutPages(ctx, opts.webhookSecret, (id) => returnUrls.get(id)),
  };
}

type Action = 'pay' | 'cancel' | 'refund';

/** The event Stripe would send for `action` on this checkout (API objects trimmed to what matters). */
function eventFor(action: Action, c: StoredCheckout): { type: string; object: Record<string, unknown> } {
  const suffix = c.id.replace(/^cs_test_hxl_/, '');
  const metadata = { org_id: c.orgId, dc: c.dc.toString() };
  const amount = Number(c.amountCents);
  const session = {
    id: c.id, object: 'checkout.session', mode: 'payment', client_reference_id: c.orgId, metadata, amount_total: amount, currency: c.currency,
    livemode: false, payment_intent: `pi_test_hxl_${suffix}`,
  };
  if (action === 'pay') return { type: 'checkout.session.completed', object: { ...session, status: 'complete', payment_status: 'paid' } };
  if (action === 'cancel') return { type: 'checkout.session.expired', object: { ...session, status: 'expired', payment_status: 'unpaid', payment_intent: null } };
  return {
    type: 'charge.refunded',
    object: {
      id: `ch_test_hxl_${suffix}`, object: 'charge', amount, amount_captured: amount, amount_refunded: amount, currency: c.currency,
      metadata, paid: true, refunded: true, status: 'succeeded', payment_intent: `pi_test_hxl_${suffix}`, livemode: false,
    },
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const dollars = (cents: bigint) => `$${(Number(cents) / 100).toFixed(2)}`;

function page(c: StoredCheckout, note?: string): string {
  const id = escapeHtml(c.id);
  const button = (action: Action, label: string) =>
    `<form method="post" action="${TEST_CHECKOUT_PATH}/${id}"><input type="hidden" name="action" value="${action}"><button>${label}</button></form>`;
  const buttons = c.status === 'open' ? button('pay', `Pay ${dollars(c.amountCents)}`) + button('cancel', 'Cancel')
    : c.status === 'paid' ? button('refund', 'Refund in full') : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${PRODUCT_NAME} — test checkout</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}form{display:inline-block;margin-right:.5rem}button{font-size:1rem;padding:.5rem 1rem}</style></head>
<body><h1>${PRODUCT_NAME}</h1>
<p><strong>Test checkout</strong>: this network runs the embedded payment provider; no card is charged.</p>
<table><tr><td>Checkout</td><td><code>${id}</code></td></tr><tr><td>Organisation</td><td><code>${escapeHtml(c.orgId)}</code></td></tr>
<tr><td>Data Credits</td><td>${c.dc.toString()} DC</td></tr><tr><td>Price</td><td>${dollars(c.amountCents)} (${escapeHtml(c.currency.toUpperCase())})</td></tr>
<tr><td>Status</td><td>${escapeHtml(c.status)}</td></tr></table>
${note ? `<p>${escapeHtml(note)}</p>` : ''}${buttons}</body></html>`;
}

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_]+$' }) }, { additionalProperties: false });
const Body = Type.Object({ action: Type.Union([Type.Literal('pay'), Type.Literal('cancel'), Type.Literal('refund')]) }, { additionalProperties: false });
const Err = Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });

function testCheckoutPages(
  ctx: PaymentPagesContext, secret: string, returnUrlsOf: (id: string) => { successUrl: string; cancelUrl: string } | undefined,
): FastifyPluginAsync {
  return async (app) => {
    // The page's buttons are plain HTML forms.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    async function load(id: string): Promise<StoredCheckout> {
      const c = await ctx.findCheckout(id);
      if (!c || c.provider !== 'test') throw PaymentCheckoutNotFound(undefined, { checkout: id });
      return c;
    }

    app.get(`${TEST_CHECKOUT_PATH}/:id`, {
      schema: {
        tags: ['payments'], summary: 'The embedded provider\'s checkout page (HTML): pay, cancel, or refund a paid one',
        params: Params, response: { 200: Type.String({ description: 'text/html' }), 404: Err },
      },
    }, async (req, reply) => {
      const c = await load((req.params as Static<typeof Params>).id);
      return reply.type('text/html; charset=utf-8').send(page(c));
    });

    app.post(`${TEST_CHECKOUT_PATH}/:id`, {
      schema: {
        tags: ['payments'],
        summary: 'Completes a test checkout: the signed Stripe-format event goes through the webhook handler (a form post is redirected to the return URL)',
        params: Params, body: Body,
        response: {
          200: Type.Object({
            checkout_id: Type.String(), action: Type.String(), event_id: Type.String(), outcome: Type.String(), duplicate: Type.Boolean(), note: Type.String(),
            status: Type.String(),
          }),
          303: Type.Null(), 400: Err, 404: Err, 409: Err,
        },
      },
    }, async (req: FastifyRequest, reply: FastifyReply) => {
      const { id } = req.params as Static<typeof Params>;
      const { action } = req.body as Static<typeof Body>;
      const c = await load(id);
      const allowed = action === 'refund' ? c.status === 'paid' : c.status === 'open';
      if (!allowed) throw PaymentCheckoutState(`cannot ${action} a checkout that is ${c.status}`, { checkout: id, status: c.status, action });
      const { type, object } = eventFor(action, c);
      const payload = JSON.stringify({
        id: `evt_test_hxl_${randomBytes(12).toString('hex')}`, object: 'event', api_version: null, created: Math.floor(Date.now() / 1000),
        type, livemode: false, pending_webhooks: 1, data: { object },
      });
      const result = await ctx.deliver(Buffer.from(payload, 'utf8'), { 'content-type': 'application/json', 'stripe-signature': signStripePayload(payload, secret) });
      const after = await load(id);
      if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        const urls = returnUrlsOf(id);
        const target = action === 'refund' || !urls ? `${TEST_CHECKOUT_PATH}/${id}` : (action === 'pay' ? urls.successUrl : urls.cancelUrl);
        return reply.code(303).header('location', target.replaceAll('{CHECKOUT_SESSION_ID}', id)).send();
      }
      return {
        checkout_id: id, action, event_id: result.eventId, outcome: result.outcome, duplicate: result.duplicate, note: result.note, status: after.status,
      };
    });
  };
}
