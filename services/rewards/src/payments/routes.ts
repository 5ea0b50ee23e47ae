import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Clock, Logger } from '@hexlight/kit';
import type { Db } from '@hexlight/store';
import { orgGuard, requestOrg } from '../accounts/auth.ts';
import { dcNumber, Err } from '../accounts/routes.ts';
import { findCheckout, listCheckouts, startCheckout } from './checkouts.ts';
import { PaymentWebhookMalformed } from './errors.ts';
import type { Payments, StoredCheckout, WebhookHeaders } from './port.ts';
import { handlePaymentWebhook } from './webhook.ts';

// Card purchases of DC: start a checkout, list them, the provider's webhook, and the page the payer
// returns to. The webhook route parses its body as raw bytes (its own content-type parser, in
// its own encapsulated plugin), because the signature covers the exact bytes Stripe sent.

export interface PaymentRoutesDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly log: Logger;
  readonly payments: Payments;
  /** PUBLIC_URL; unset: the base URL of each request (scheme and Host). */
  readonly publicUrl: string | undefined;
}

export const WEBHOOK_PATH = '/v1/payments/stripe/webhook';
const RETURN_PATH = '/v1/payments/return';
/** Stripe events are a few KiB; a checkout session with its line items stays well below this. */
const WEBHOOK_BODY_LIMIT = 512 * 1024;

const PurchaseJson = Type.Object({
  checkout_id: Type.String(), provider: Type.String(), dc: Type.Integer(), amount_cents: Type.Integer({ description: 'US cents' }), currency: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('paid'), Type.Literal('expired')]),
  url: Type.Union([Type.String(), Type.Null()], { description: 'where to pay, while open' }),
  created_at: Type.String(), paid_at: Type.Union([Type.String(), Type.Null()]),
});
const purchaseJson = (c: StoredCheckout): Static<typeof PurchaseJson> => ({
  checkout_id: c.id, provider: c.provider, dc: dcNumber(c.dc), amount_cents: dcNumber(c.amountCents), currency: c.currency, status: c.status,
  url: c.status === 'open' ? c.url : null, created_at: c.createdAt.toISOString(), paid_at: c.paidAt?.toISOString() ?? null,
});

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function paymentRoutes(deps: PaymentRoutesDeps): FastifyPluginAsync {
  const { db, payments } = deps;
  const baseUrl = (req: FastifyRequest) => deps.publicUrl ?? `${req.protocol}://${req.host}`;
  const deliver = (rawBody: Buffer, headers: WebhookHeaders) => handlePaymentWebhook({ db, clock: deps.clock, log: deps.log, payments }, rawBody, headers);
  return async (app) => {
    const auth = orgGuard(db);

    const PurchaseBody = Type.Object({
      dc: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'DC to buy: at least 50,000 ($0.50), a multiple of 1,000 (one cent), at most 10,000,000,000' }),
      success_url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2000, description: 'where the payer lands after paying ({CHECKOUT_SESSION_ID} is replaced)' })),
      cancel_url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2000 })),
    }, { additionalProperties: false });
    app.post('/v1/orgs/me/purchases', {
      onRequest: auth,
      schema: {
        tags: ['organisations'], summary: 'Buy DC with a card: starts a checkout; send the payer to `url`. The DC are credited when the provider confirms the payment',
        body: PurchaseBody,
        response: {
          201: Type.Object({ checkout_id: Type.String(), url: Type.String(), dc: Type.Integer(), amount_cents: Type.Integer(), currency: Type.String() }),
          400: Err, 401: Err, 502: Err,
        },
      },
    }, async (req, reply) => {
      const body = req.body as Static<typeof PurchaseBody>;
      const base = baseUrl(req);
      const back = (result: string) => `${base}${RETURN_PATH}?checkout={CHECKOUT_SESSION_ID}&result=${result}`;
      const c = await startCheckout({ db, payments, clock: deps.clock }, {
        orgId: requestOrg(req), dc: BigInt(body.dc),
        successUrl: body.success_url ?? back('success'), cancelUrl: body.cancel_url ?? back('cancel'),
        resolveUrl: (url) => new URL(url, `${base}/`).toString(),
      });
      return reply.code(201).send({ checkout_id: c.id, url: c.url, dc: dcNumber(c.dc), amount_cents: dcNumber(c.amountCents), currency: c.currency });
    });

    const PurchasesQuery = Type.Object({
      limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
      before: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601: only checkouts started before (the previous page\'s last created_at)' })),
    }, { additionalProperties: false });
    app.get('/v1/orgs/me/purchases', {
      onRequest: auth,
      schema: {
        tags: ['organisations'], summary: 'The organisation\'s checkouts, newest first, with their status (open, paid, expired)',
        querystring: PurchasesQuery, response: { 200: Type.Object({ purchases: Type.Array(PurchaseJson) }), 400: Err, 401: Err },
      },
    }, async (req) => {
      const q = req.query as Static<typeof PurchasesQuery>;
      const before = q.before === undefined ? undefined : new Date(q.before);
      const rows = await listCheckouts(db, requestOrg(req), { limit: q.limit, ...(before && Number.isFinite(before.getTime()) ? { before } : {}) });
      return { purchases: rows.map(purchaseJson) };
    });

    // The webhook: raw bytes in, exactly as signed.
    await app.register(async (hook) => {
      hook.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));
      hook.post(WEBHOOK_PATH, {
        bodyLimit: WEBHOOK_BODY_LIMIT,
        schema: {
          tags: ['payments'],
          summary: 'Payment provider webhook (Stripe format, verified against Stripe-Signature over the raw body): checkout.session.completed, '
            + 'checkout.session.async_payment_succeeded, checkout.session.expired, charge.refunded; other events are recorded as ignored',
          response: {
            200: Type.Object({ received: Type.Boolean(), event_id: Type.String(), duplicate: Type.Boolean(), outcome: Type.String(), note: Type.String() }),
            400: Err, 409: Err,
          },
        },
      }, async (req) => {
        // Another content type went through a parser that did not keep the bytes.
        if (!Buffer.isBuffer(req.body)) throw PaymentWebhookMalformed('a webhook body is application/json');
        const r = await deliver(req.body, req.headers as WebhookHeaders);
        return { received: true, event_id: r.eventId, duplicate: r.duplicate, outcome: r.outcome, note: r.note };
      });
    });

    const ReturnQuery = Type.Object({
      checkout: Type.Optional(Type.String({ maxLength: 200 })),
      result: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('cancel')])),
    }, { additionalProperties: false });
    app.get(RETURN_PATH, {
      schema: {
        tags: ['payments'], summary: 'Where the payer lands after a checkout (HTML): the checkout\'s status',
        querystring: ReturnQuery, response: { 200: Type.String({ description: 'text/html' }), 400: Err },
      },
    }, async (req, reply) => {
      const q = req.query as Static<typeof ReturnQuery>;
      const c = q.checkout ? await findCheckout(db, q.checkout) : null;
      const status = !c ? 'No such checkout.'
        : c.status === 'paid' ? `Paid: ${c.dc} DC were credited to ${c.orgId}.`
        : c.status === 'expired' ? 'This checkout expired or was cancelled; nothing was charged.'
        : q.result === 'cancel' ? 'Cancelled; nothing was charged.'
        : 'Waiting for the payment to be confirmed: the DC are credited within seconds of it. Reload this page.';
      return reply.type('text/html; charset=utf-8').send(
        `<!doctype html><html><head><meta charset="utf-8"><title>Hexlight Data Credits</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto">`
        + `<h1>Hexlight Data Credits</h1><p>${escapeHtml(status)}</p>${c ? `<p><code>${escapeHtml(c.id)}</code></p>` : ''}</body></html>`,
      );
    });

    if (payments.pages) await app.register(payments.pages({ findCheckout: (id) => findCheckout(db, id), deliver }));
  };
}
