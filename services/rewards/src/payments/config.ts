import { ConfigInvalid, envString } from '@hexlight/kit';
import type { PaymentProvider, Payments } from './port.ts';
import { stripePayments } from './stripe.ts';
import { randomWebhookSecret, testPayments } from './test-provider.ts';

// PAYMENTS_PROVIDER, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, PUBLIC_URL (root README
// "Configuration"). The provider is picked once here; nothing else branches on it.

export interface PaymentsConfig {
  readonly provider: PaymentProvider;
  /** stripe only. */
  readonly stripeSecretKey: string | undefined;
  /** stripe: the endpoint's signing secret; test: the embedded provider's (random when unset). */
  readonly webhookSecret: string | undefined;
  /** This service's public base URL (no trailing slash): checkout return URLs and the test checkout page; unset: taken from each request. */
  readonly publicUrl: string | undefined;
}

type Env = Record<string, string | undefined>;

export function loadPaymentsConfig(env: Env = process.env): PaymentsConfig {
  const secretKey = envString(env, 'STRIPE_SECRET_KEY');
  const webhookSecret = envString(env, 'STRIPE_WEBHOOK_SECRET');
  const provider = envString(env, 'PAYMENTS_PROVIDER', secretKey ? 'stripe' : 'test');
  if (provider !== 'stripe' && provider !== 'test') {
    throw ConfigInvalid(`PAYMENTS_PROVIDER=${JSON.stringify(provider)} is not one of test, stripe`, { setting: 'PAYMENTS_PROVIDER' });
  }
  if (provider === 'stripe') {
    if (!secretKey || !/^(sk|rk)_(test|live)_/.test(secretKey)) {
      throw ConfigInvalid('PAYMENTS_PROVIDER=stripe needs STRIPE_SECRET_KEY (sk_test_… or sk_live_…): no checkout could be created', { setting: 'STRIPE_SECRET_KEY' });
    }
    if (!webhookSecret || !webhookSecret.startsWith('whsec_')) {
      throw ConfigInvalid('PAYMENTS_PROVIDER=stripe needs STRIPE_WEBHOOK_SECRET (whsec_…): without it no payment could be verified and credited', { setting: 'STRIPE_WEBHOOK_SECRET' });
    }
  }
  const publicUrl = envString(env, 'PUBLIC_URL');
  let base: string | undefined;
  if (publicUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(publicUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
      throw ConfigInvalid(`PUBLIC_URL=${JSON.stringify(publicUrl)} is not an http(s) base URL: checkout return links would be broken`, { setting: 'PUBLIC_URL' });
    }
    base = url.toString().replace(/\/+$/, '');
  }
  return { provider, stripeSecretKey: provider === 'stripe' ? secretKey : undefined, webhookSecret, publicUrl: base };
}

/** The adapter the configuration names. */
export function createPayments(config: PaymentsConfig): Payments {
  if (config.provider === 'stripe') return stripePayments({ secretKey: config.stripeSecretKey!, webhookSecret: config.webhookSecret! });
  return testPayments({ webhookSecret: config.webhookSecret ?? randomWebhookSecret(), ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}) });
}
