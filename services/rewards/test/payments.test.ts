// Card payments of DC through the API on a real store. The Stripe adapter talks to a local HTTP
// server standing in for api.stripe.com (the official package, a real HTTP exchange); webhooks are
// signed with the package's own generateTestHeaderString, as Stripe signs them. The embedded test
// provider's checkout page is driven end to end through createRewards, the service `hexlight up` runs.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { Keypair } from '@solana/web3.js';
import { buildHttpApp, ManualClock, silentLogger } from '@hexlight/kit';
import { createTestDb } from '@hexlight/store';
import { createInProcessChain } from '@hexlight/chain';
import { createRewards, loadRewardsConfig, stripePayments, WEBHOOK_PATH } from '../src/index.ts';
import { accountsWorld, ADMIN, T0, type AccountsWorld } from './accounts-kit.ts';

const SECRET_KEY = 'sk_test_hexlight_local_stand_in';
const WEBHOOK_SECRET = 'whsec_hexlight_payments_suite';

/** A stand-in for api.stripe.com: checks what the SDK sends and answers like Stripe. */
interface StripeRequest { method: string; path: string; headers: IncomingMessage['headers']; form: URLSearchParams }
let stripeApi: Server;
let stripePort = 0;
const seen: StripeRequest[] = [];
let failNext = false;

beforeAll(async () => {
  stripeApi = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      seen.push({ method: req.method!, path: req.url!, headers: req.headers, form });
      res.setHeader('content-type', 'application/json');
      res.setHeader('request-id', `req_${randomBytes(7).toString('hex')}`);
      if (failNext) {
        failNext = false;
        res.statusCode = 400;
        res.end(JSON.stringify({ error: { type: 'invalid_request_error', code: 'amount_too_small', message: 'Amount must be at least $0.50 usd', param: 'line_items[0][price_data][unit_amount]' } }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/checkout/sessions' || req.headers.authorization !== `Bearer ${SECRET_KEY}`) {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${req.url})` } }));
        return;
      }
      const id = `cs_test_a1${randomBytes(20).toString('hex')}`;
      const amount = Number(form.get('line_items[0][price_data][unit_amount]')) * Number(form.get('line_items[0][quantity]'));
      res.end(JSON.stringify({
        id, object: 'checkout.session', adaptive_pricing: { enabled: false }, after_expiration: null, allow_promotion_codes: null,
        amount_subtotal: amount, amount_total: amount, automatic_tax: { enabled: false, liability: null, status: null },
        billing_address_collection: null, cancel_url: form.get('cancel_url'), client_reference_id: form.get('client_reference_id'),
        client_secret: null, consent: null, created: Math.floor(Date.now() / 1000), currency: form.get('line_items[0][price_data][currency]'),
        customer: null, customer_creation: 'if_required', customer_details: null, customer_email: null,
        expires_at: Math.floor(Date.now() / 1000) + 86_400, invoice: null, livemode: false, locale: null,
        metadata: { org_id: form.get('metadata[org_id]'), dc: form.get('metadata[dc]') }, mode: form.get('mode'),
        payment_intent: null, payment_link: null, payment_method_collection: 'if_required', payment_method_types: ['card'],
        payment_status: 'unpaid', status: 'open', submit_type: null, subscription: null, success_url: form.get('success_url'),
        total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 }, ui_mode: 'hosted',
        url: `https://checkout.stripe.com/c/pay/${id}#fidkdWxOYHwnPyd1blpxYHZxWjA0`,
      }));
    });
  });
  await new Promise<void>((resolve) => stripeApi.listen(0, '127.0.0.1', resolve));
  stripePort = (stripeApi.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => stripeApi.close(resolve));
});

const stripe = () => stripePayments({
  secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, api: { host: '127.0.0.1', port: stripePort, protocol: 'http' }, maxNetworkRetries: 0,
});

let w: AccountsWorld;
beforeEach(async () => {
  seen.length = 0;
  w = await accountsWorld({ payments: stripe(), publicUrl: 'https://hexlight.example' });
});
afterEach(async () => {
  await w.close();
});

/** A Stripe event as delivered: JSON text and its Stripe-Signature from the official package. */
function stripeEvent(type: string, object: Record<string, unknown>, opts: { id?: string; secret?: string; timestamp?: number } = {}) {
  const payload = JSON.stringify({
    id: opts.id ?? `evt_1${randomBytes(12).toString('hex')}`, object: 'event', api_version: '2026-10-28.endive', created: Math.floor(Date.now() / 1000),
    data: { object }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type,
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? WEBHOOK_SECRET, ...(opts.timestamp ? { timestamp: opts.timestamp } : {}) });
  return { payload, signature };
}

const deliver = (e: { payload: string; signature?: string }) => w.app.inject({
  method: 'POST', url: WEBHOOK_PATH, payload: e.payload,
  headers: { 'content-type': 'application/json; charset=utf-8', ...(e.signature !== undefined ? { 'stripe-signature': e.signature } : {}) },
});

const session = (checkoutId: string, orgId: string, extra: Record<string, unknown> = {}) => ({
  id: checkoutId, object: 'checkout.session', amount_total: 5_000, currency: 'usd', client_reference_id: orgId, metadata: { org_id: orgId, dc: '5000000' },
  mode: 'payment', payment_intent: `pi_3${checkoutId.slice(-12)}`, payment_status: 'paid', status: 'complete', ...extra,
});

const charge = (checkoutId: string, orgId: string, refunded: number) => ({
  id: `ch_3${checkoutId.slice(-12)}`, object: 'charge', amount: 5_000, amount_captured: 5_000, amount_refunded: refunded, currency: 'usd',
  metadata: { org_id: orgId, dc: '5000000' }, paid: true, refunded: refunded === 5_000, payment_intent: `pi_3${checkoutId.slice(-12)}`, status: 'succeeded',
});

/** An org with a $50 (5,000,000 DC) Stripe checkout started through the API. */
async function orgWithCheckout(): Promise<{ id: string; key: string; checkout: string }> {
  const org = await w.signup();
  const res = await w.as(org.key, 'POST', '/v1/orgs/me/purchases', { dc: 5_000_000 });
  expect(res.statusCode).toBe(201);
  return { ...org, checkout: res.json().checkout_id };
}

describe('Stripe adapter: checkout against a local stand-in for api.stripe.com', () => {
  it('sends the Checkout Session Stripe expects and stores the open checkout', async () => {
    const org = await w.signup();
    const res = await w.as(org.key, 'POST', '/v1/orgs/me/purchases', { dc: 2_500_000 });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ dc: 2_500_000, amount_cents: 2_500, currency: 'usd' });
    expect(body.url).toBe(`https://checkout.stripe.com/c/pay/${body.checkout_id}#fidkdWxOYHwnPyd1blpxYHZxWjA0`);

    expect(seen).toHaveLength(1);
    const r = seen[0]!;
    expect([r.method, r.path]).toEqual(['POST', '/v1/checkout/sessions']);
    expect(r.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(r.headers['idempotency-key']).toMatch(/^\S{16,}$/); // the SDK's retry-safe key on every POST
    expect(r.headers['stripe-version']).toBe('2026-10-28.endive');
    expect(Object.fromEntries(r.form)).toEqual({
      mode: 'payment',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][unit_amount]': '2500',
      'line_items[0][price_data][product_data][name]': 'Hexlight Data Credits',
      'line_items[0][price_data][product_data][description]': '2500000 DC',
      client_reference_id: org.id,
      'metadata[org_id]': org.id,
      'metadata[dc]': '2500000',
      'payment_intent_data[metadata][org_id]': org.id,
      'payment_intent_data[metadata][dc]': '2500000',
      success_url: 'https://hexlight.example/v1/payments/return?checkout={CHECKOUT_SESSION_ID}&result=success',
      cancel_url: 'https://hexlight.example/v1/payments/return?checkout={CHECKOUT_SESSION_ID}&result=cancel',
    });
    const stored = await w.db.query<{ provider: string; org_id: string; dc: bigint; amount_cents: bigint; status: string; url: string }>(
      'SELECT provider, org_id, dc, amount_cents, status, url FROM payment_checkouts WHERE id = $1', [body.checkout_id],
    );
    expect(stored.rows).toEqual([{ provider: 'stripe', org_id: org.id, dc: 2_500_000n, amount_cents: 2_500n, status: 'open', url: body.url }]);
    const list = (await w.as(org.key, 'GET', '/v1/orgs/me/purchases')).json();
    expect(list.purchases).toMatchObject([{ checkout_id: body.checkout_id, status: 'open', dc: 2_500_000, amount_cents: 2_500, url: body.url, paid_at: null }]);
  });

  it('refuses amounts it cannot sell and a provider failure, storing nothing', async () => {
    const org = await w.signup();
    for (const dc of [49_000, 50_500, 10_000_001_000, 0]) {
      const res = await w.as(org.key, 'POST', '/v1/orgs/me/purchases', { dc });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe(dc === 0 ? 'INVALID_REQUEST' : 'PAYMENT_AMOUNT_INVALID');
    }
    expect(seen).toHaveLength(0);
    failNext = true;
    const failed = await w.as(org.key, 'POST', '/v1/orgs/me/purchases', { dc: 50_000 });
    expect([failed.statusCode, failed.json().code]).toEqual([502, 'PAYMENT_PROVIDER_FAILED']);
    expect(failed.json().details).toMatchObject({ provider: 'stripe', type: 'StripeInvalidRequestError', status: 400 });
    expect(await w.count('payment_checkouts')).toBe(0);
    expect((await w.app.inject({ method: 'POST', url: '/v1/orgs/me/purchases', payload: { dc: 50_000 } })).json().code).toBe('ORG_KEY_INVALID');
  });
});

describe('Stripe webhooks', () => {
  it('credits a paid checkout exactly once: a replayed event and a second event for the checkout credit nothing more', async () => {
    const { id, key, checkout } = await orgWithCheckout();
    const completed = stripeEvent('checkout.session.completed', session(checkout, id));
    const first = await deliver(completed);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ received: true, duplicate: false, outcome: 'credited' });
    expect(await w.balance(id)).toBe(5_000_000n);

    const replay = await deliver(completed);
    expect(replay.json()).toMatchObject({ duplicate: true, outcome: 'credited' });
    const second = await deliver(stripeEvent('checkout.session.async_payment_succeeded', session(checkout, id)));
    expect(second.json()).toMatchObject({ duplicate: false, outcome: 'ignored' });
    expect(await w.balance(id)).toBe(5_000_000n);

    const ledger = (await w.as(key, 'GET', '/v1/orgs/me/ledger')).json().entries;
    expect(ledger).toMatchObject([{
      kind: 'purchase', amount: 5_000_000, balance_after: 5_000_000, ref: checkout,
      details: { provider: 'stripe', amount_cents: 5_000, currency: 'usd', payment_intent: `pi_3${checkout.slice(-12)}` },
    }]);
    expect(await w.count('payment_events')).toBe(2);
    expect(await w.count('payment_events', `outcome = 'credited' AND org_id = $1`, [id])).toBe(1);
    const purchase = (await w.as(key, 'GET', '/v1/orgs/me/purchases')).json().purchases[0];
    expect(purchase).toMatchObject({ status: 'paid', url: null, paid_at: new Date(T0).toISOString() });
  });

  it('concurrent deliveries of one event and of a second event for the checkout credit once', async () => {
    const { id, checkout } = await orgWithCheckout();
    const completed = stripeEvent('checkout.session.completed', session(checkout, id));
    const async = stripeEvent('checkout.session.async_payment_succeeded', session(checkout, id));
    const results = await Promise.all([deliver(completed), deliver(completed), deliver(async), deliver(completed)]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(results.filter((r) => r.json().outcome === 'credited' && !r.json().duplicate)).toHaveLength(1);
    expect(await w.balance(id)).toBe(5_000_000n);
    expect(await w.count('dc_ledger')).toBe(1);
    expect(await w.count('payment_events')).toBe(2);
  });

  it('refuses a forged, absent, stale or tampered signature with PAYMENT_WEBHOOK_SIGNATURE and changes nothing', async () => {
    const { id, checkout } = await orgWithCheckout();
    const good = stripeEvent('checkout.session.completed', session(checkout, id));
    const cases = [
      stripeEvent('checkout.session.completed', session(checkout, id), { secret: 'whsec_someone_else' }),
      { payload: good.payload },
      { payload: good.payload, signature: '' },
      stripeEvent('checkout.session.completed', session(checkout, id), { timestamp: Math.floor(Date.now() / 1000) - 3_600 }),
      { payload: good.payload.replace('"amount_total":5000', '"amount_total":5001'), signature: good.signature },
      { payload: good.payload, signature: 't=123,v0=abc' },
    ];
    for (const c of cases) {
      const res = await deliver(c);
      expect([res.statusCode, res.json().code]).toEqual([400, 'PAYMENT_WEBHOOK_SIGNATURE']);
    }
    const notJson = await w.app.inject({ method: 'POST', url: WEBHOOK_PATH, payload: good.payload, headers: { 'content-type': 'text/plain', 'stripe-signature': good.signature } });
    expect([notJson.statusCode, notJson.json().code]).toEqual([400, 'PAYMENT_WEBHOOK_MALFORMED']);
    expect(await w.count('payment_events')).toBe(0);
    expect(await w.count('dc_ledger')).toBe(0);
    expect(await w.balance(id)).toBe(0n);
    expect((await w.db.query<{ status: string }>('SELECT status FROM payment_checkouts WHERE id = $1', [checkout])).rows[0]!.status).toBe('open');
    // The genuine event still works afterwards.
    expect((await deliver(good)).json().outcome).toBe('credited');
  });

  it('a correctly signed body that is not an event is refused with PAYMENT_WEBHOOK_MALFORMED', async () => {
    const payload = JSON.stringify({ hello: 'world' });
    const res = await deliver({ payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) });
    expect([res.statusCode, res.json().code]).toEqual([400, 'PAYMENT_WEBHOOK_MALFORMED']);
    expect(await w.count('payment_events')).toBe(0);
  });

  it('refunds take back DC in proportion, at most the balance, once per refund state', async () => {
    const { id, key, checkout } = await orgWithCheckout();
    await deliver(stripeEvent('checkout.session.completed', session(checkout, id)));
    const half = stripeEvent('charge.refunded', charge(checkout, id, 2_500));
    expect((await deliver(half)).json()).toMatchObject({ outcome: 'refunded' });
    expect(await w.balance(id)).toBe(2_500_000n);
    expect((await deliver(half)).json().duplicate).toBe(true);
    // A later event repeating the same cumulative amount takes nothing more.
    expect((await deliver(stripeEvent('charge.refunded', charge(checkout, id, 2_500)))).json().outcome).toBe('ignored');
    expect(await w.balance(id)).toBe(2_500_000n);

    // The organisation spent most of what is left before the rest was refunded.
    await w.db.query('UPDATE organisations SET dc_balance = 1000000 WHERE id = $1', [id]);
    await w.db.query(`INSERT INTO dc_ledger (org_id, at, kind, amount, balance_after, ref) VALUES ($1, $2, 'burn', -1500000, 1000000, 'b:1')`, [id, new Date(T0)]);
    const full = await deliver(stripeEvent('charge.refunded', charge(checkout, id, 5_000)));
    expect(full.json().outcome).toBe('refunded');
    expect(await w.balance(id)).toBe(0n);
    const entries = (await w.as(key, 'GET', '/v1/orgs/me/ledger')).json().entries;
    expect(entries.map((e: { kind: string; amount: number; balance_after: number }) => [e.kind, e.amount, e.balance_after])).toEqual([
      ['refund', -1_000_000, 0], ['burn', -1_500_000, 1_000_000], ['refund', -2_500_000, 2_500_000], ['purchase', 5_000_000, 5_000_000],
    ]);
    expect(entries[0].details).toMatchObject({ checkout, refunded_cents: 5_000, requested: 2_500_000, shortfall: 1_500_000 });
    expect(entries[0].ref).toBe(`ch_3${checkout.slice(-12)}:5000`);
  });

  it('a refund that arrives before its purchase is refused for a retry; unrelated charges are ignored', async () => {
    const { id, checkout } = await orgWithCheckout();
    const early = stripeEvent('charge.refunded', charge(checkout, id, 5_000));
    const refused = await deliver(early);
    expect([refused.statusCode, refused.json().code]).toEqual([409, 'PAYMENT_REFUND_UNMATCHED']);
    expect(await w.count('payment_events')).toBe(0);

    await deliver(stripeEvent('checkout.session.completed', session(checkout, id)));
    expect((await deliver(early)).json()).toMatchObject({ outcome: 'refunded', duplicate: false });
    expect(await w.balance(id)).toBe(0n);

    const foreign = { ...charge('cs_other_shop_000000000', id, 100), metadata: {}, payment_intent: 'pi_not_ours' };
    expect((await deliver(stripeEvent('charge.refunded', foreign))).json()).toMatchObject({ outcome: 'ignored' });
    expect((await deliver(stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }))).json()).toMatchObject({ outcome: 'ignored', note: 'event type customer.created is not handled' });
    expect(await w.count('payment_events', `outcome = 'ignored'`)).toBe(2);
  });

  it('expires checkouts, waits for delayed payments, and credits only the price it asked for', async () => {
    const { id, key, checkout } = await orgWithCheckout();
    expect((await deliver(stripeEvent('checkout.session.completed', session(checkout, id, { payment_status: 'unpaid' })))).json().outcome).toBe('ignored');
    expect(await w.balance(id)).toBe(0n);
    expect((await deliver(stripeEvent('checkout.session.completed', session(checkout, id, { amount_total: 50 })))).json().outcome).toBe('ignored');
    expect(await w.balance(id)).toBe(0n);
    expect((await deliver(stripeEvent('checkout.session.async_payment_succeeded', session(checkout, id)))).json().outcome).toBe('credited');
    expect(await w.balance(id)).toBe(5_000_000n);

    const other = (await w.as(key, 'POST', '/v1/orgs/me/purchases', { dc: 100_000 })).json().checkout_id;
    expect((await deliver(stripeEvent('checkout.session.expired', session(other, id, { status: 'expired', payment_status: 'unpaid' })))).json().outcome).toBe('expired');
    const purchases = (await w.as(key, 'GET', '/v1/orgs/me/purchases')).json().purchases;
    expect(purchases.map((p: { checkout_id: string; status: string }) => [p.checkout_id, p.status]).sort()).toEqual([[checkout, 'paid'], [other, 'expired']].sort());
  });

  it('a purchase re-enables an organisation disabled for insufficient balance', async () => {
    const { id, key, checkout } = await orgWithCheckout();
    await w.db.query(`UPDATE organisations SET disabled = true, disabled_reason = 'insufficient_balance', disabled_at = $2 WHERE id = $1`, [id, new Date(T0)]);
    expect((await w.as(key, 'GET', '/v1/orgs/me')).json().disabled_reason).toBe('insufficient_balance: top up to resume');
    expect((await deliver(stripeEvent('checkout.session.completed', session(checkout, id)))).json().note).toContain('re-enabled');
    expect((await w.as(key, 'GET', '/v1/orgs/me')).json()).toMatchObject({ disabled: false, disabled_reason: null, dc_balance: 5_000_000 });
    const entry = (await w.as(key, 'GET', '/v1/orgs/me/ledger')).json().entries[0];
    expect(entry.details).toMatchObject({ reenabled: true });
  });
});

describe('embedded test provider through the rewards service', () => {
  it('checkout page → Pay → the signed event goes through the webhook handler → DC credited; refund and state errors', async () => {
    const db = await createTestDb();
    const chain = await createInProcessChain();
    const clock = new ManualClock(T0);
    const rewards = createRewards(
      { db, clock, log: silentLogger(), chain, keys: { payer: chain.payer, mint: Keypair.generate() } },
      loadRewardsConfig({ ADMIN_TOKEN: ADMIN, REWARDS_PAYOUTS: 'false' }),
    );
    const app = await buildHttpApp({ title: 'rewards', logger: false, plugins: [rewards.routes] });
    try {
      expect(rewards.payments.provider).toBe('test');
      const signup = (await app.inject({ method: 'POST', url: '/v1/orgs', payload: { name: 'embedded' } })).json();
      const auth = { authorization: `Bearer ${signup.api_key}` };
      const started = await app.inject({ method: 'POST', url: '/v1/orgs/me/purchases', headers: { ...auth, host: 'hexlight.local:8080' }, payload: { dc: 100_000 } });
      expect(started.statusCode).toBe(201);
      const { checkout_id: id, url } = started.json();
      expect(url).toBe(`http://hexlight.local:8080/v1/payments/test/checkout/${id}`);

      const page = await app.inject({ method: 'GET', url: new URL(url).pathname });
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('100000 DC');
      expect(page.body).toContain('Pay $1.00');

      const paid = await app.inject({ method: 'POST', url: new URL(url).pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'action=pay' });
      expect(paid.statusCode).toBe(303);
      expect(paid.headers.location).toBe(`http://hexlight.local:8080/v1/payments/return?checkout=${id}&result=success`);
      const me = (await app.inject({ method: 'GET', url: '/v1/orgs/me', headers: auth })).json();
      expect(me.dc_balance).toBe(100_000);
      const events = await db.query<{ provider: string; type: string; outcome: string; org_id: string }>('SELECT provider, type, outcome, org_id FROM payment_events');
      expect(events.rows).toEqual([{ provider: 'test', type: 'checkout.session.completed', outcome: 'credited', org_id: signup.org.id }]);
      const back = await app.inject({ method: 'GET', url: `/v1/payments/return?checkout=${id}&result=success` });
      expect(back.body).toContain('Paid: 100000 DC were credited');

      const again = await app.inject({ method: 'POST', url: new URL(url).pathname, payload: { action: 'pay' } });
      expect([again.statusCode, again.json().code]).toEqual([409, 'PAYMENT_CHECKOUT_STATE']);
      const refund = await app.inject({ method: 'POST', url: new URL(url).pathname, payload: { action: 'refund' } });
      expect(refund.json()).toMatchObject({ action: 'refund', outcome: 'refunded', duplicate: false, status: 'paid' });
      expect((await app.inject({ method: 'GET', url: '/v1/orgs/me', headers: auth })).json().dc_balance).toBe(0);

      // Events the test provider did not sign are refused like forged Stripe events.
      const forged = await app.inject({
        method: 'POST', url: WEBHOOK_PATH, headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' }, payload: '{"id":"evt_x","type":"checkout.session.completed"}',
      });
      expect(forged.json().code).toBe('PAYMENT_WEBHOOK_SIGNATURE');
      expect((await app.inject({ method: 'GET', url: '/v1/payments/test/checkout/cs_nope' })).json().code).toBe('PAYMENT_CHECKOUT_NOT_FOUND');
      const grant = await app.inject({ method: 'POST', url: `/v1/admin/orgs/${signup.org.id}/grants`, headers: { authorization: `Bearer ${ADMIN}` }, payload: { dc: 5, ref: 'r' } });
      expect(grant.statusCode).toBe(201);
      const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
        '/v1/orgs', '/v1/orgs/me', '/v1/orgs/me/ranges', '/v1/orgs/me/devices/{devEui}', '/v1/orgs/me/purchases', '/v1/payments/stripe/webhook',
        '/v1/payments/test/checkout/{id}', '/v1/admin/orgs/{id}/grants', '/v1/epochs/{n}',
      ]));
    } finally {
      await app.close();
      await rewards.stop();
      await chain.close();
      await db.close();
    }
  });
});
