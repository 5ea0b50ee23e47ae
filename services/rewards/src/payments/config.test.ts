import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { loadPaymentsConfig } from './config.ts';
import { priceCents } from './port.ts';
import { signStripePayload } from './test-provider.ts';

describe('loadPaymentsConfig', () => {
  it('defaults to the embedded test provider, and to Stripe when a secret key is set', () => {
    expect(loadPaymentsConfig({})).toEqual({ provider: 'test', stripeSecretKey: undefined, webhookSecret: undefined, publicUrl: undefined });
    expect(loadPaymentsConfig({ STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_x', PUBLIC_URL: 'https://dc.example.org/' }))
      .toEqual({ provider: 'stripe', stripeSecretKey: 'sk_live_abc', webhookSecret: 'whsec_x', publicUrl: 'https://dc.example.org' });
    expect(loadPaymentsConfig({ STRIPE_SECRET_KEY: 'sk_test_abc', PAYMENTS_PROVIDER: 'test' }).provider).toBe('test');
  });

  it('names the setting that cannot work', () => {
    const cases: [Record<string, string>, string][] = [
      [{ PAYMENTS_PROVIDER: 'paypal' }, 'PAYMENTS_PROVIDER'],
      [{ PAYMENTS_PROVIDER: 'stripe' }, 'STRIPE_SECRET_KEY'],
      [{ STRIPE_SECRET_KEY: 'pk_test_publishable' }, 'STRIPE_SECRET_KEY'],
      [{ STRIPE_SECRET_KEY: 'sk_test_abc' }, 'STRIPE_WEBHOOK_SECRET'],
      [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
      [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    ];
    for (const [env, setting] of cases) {
      expect(() => loadPaymentsConfig(env)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', details: { setting } }));
    }
  });
});

describe('priceCents', () => {
  it('is exact: 1,000 DC a cent, at least $0.50, whole cents only', () => {
    expect(priceCents(50_000n)).toBe(50n);
    expect(priceCents(3_500_000n)).toBe(3_500n);
    expect(priceCents(10_000_000_000n)).toBe(10_000_000n);
    for (const dc of [49_000n, 50_001n, 10_000_001_000n]) expect(() => priceCents(dc)).toThrow(expect.objectContaining({ code: 'PAYMENT_AMOUNT_INVALID' }));
  });
});

describe('signStripePayload', () => {
  it('makes the header the official package makes, and that it verifies', () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'checkout.session.completed' });
    const t = Math.floor(Date.now() / 1000);
    expect(signStripePayload(payload, 'whsec_abc', t)).toBe(Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_abc', timestamp: t }));
    expect(Stripe.webhooks.constructEvent(payload, signStripePayload(payload, 'whsec_abc', t), 'whsec_abc')).toMatchObject({ id: 'evt_1' });
  });
});
