export * from './errors.ts';
export {
  priceCents, CURRENCY, DC_PER_CENT, MAX_PURCHASE_DC, MIN_PURCHASE_DC, PRODUCT_NAME,
  type Checkout, type CheckoutRequest, type PaymentEvent, type PaymentPagesContext, type PaymentProvider, type Payments, type StoredCheckout,
  type WebhookHeaders, type WebhookOutcome, type WebhookOutcomeKind,
} from './port.ts';
export { stripePayments, type StripePaymentsOptions } from './stripe.ts';
export { testPayments, signStripePayload, randomWebhookSecret, TEST_CHECKOUT_PATH, type TestPaymentsOptions } from './test-provider.ts';
export { verifyStripeEvent, toPaymentEvent } from './stripe-events.ts';
export { handlePaymentWebhook, type WebhookDeps } from './webhook.ts';
export { startCheckout, findCheckout, listCheckouts } from './checkouts.ts';
export { loadPaymentsConfig, createPayments, type PaymentsConfig } from './config.ts';
export { paymentRoutes, WEBHOOK_PATH, type PaymentRoutesDeps } from './routes.ts';
