import { defineError } from '@hexlight/kit';

// Coded errors of card payments (STYLE.md §8). The root README lists every code.

/** The webhook's Stripe-Signature is missing, forged, for another secret or too old; nothing is recorded. */
export const PaymentWebhookSignature = defineError('PAYMENT_WEBHOOK_SIGNATURE', 'webhook signature missing or invalid', { httpStatus: 400 });
/** A correctly signed webhook body that is not a JSON event with an id and a type. */
export const PaymentWebhookMalformed = defineError('PAYMENT_WEBHOOK_MALFORMED', 'webhook body is not a payment event', { httpStatus: 400 });
/** A purchase below the minimum, above the maximum, or not a whole number of cents (details: min_dc, max_dc, step_dc). */
export const PaymentAmountInvalid = defineError('PAYMENT_AMOUNT_INVALID', 'invalid purchase amount', { httpStatus: 400 });
/** The payment provider refused or could not be reached while creating a checkout (details: provider, type). */
export const PaymentProviderFailed = defineError('PAYMENT_PROVIDER_FAILED', 'the payment provider failed', { httpStatus: 502 });
/** No checkout with this id (the test provider's checkout page). */
export const PaymentCheckoutNotFound = defineError('PAYMENT_CHECKOUT_NOT_FOUND', 'no such checkout', { httpStatus: 404 });
/** The test checkout cannot do that in its state: pay an open one, refund a paid one (details: status). */
export const PaymentCheckoutState = defineError('PAYMENT_CHECKOUT_STATE', 'the checkout is not in a state for this action', { httpStatus: 409 });
/**
 * A refund for a Hexlight payment whose purchase has not been credited yet (events can arrive out
 * of order): nothing is recorded and the provider retries the event later.
 */
export const PaymentRefundUnmatched = defineError('PAYMENT_REFUND_UNMATCHED', 'refund for a payment not credited yet; retry later', { httpStatus: 409 });

export const PaymentErrors = {
  PaymentWebhookSignature, PaymentWebhookMalformed, PaymentAmountInvalid, PaymentProviderFailed, PaymentCheckoutNotFound, PaymentCheckoutState, PaymentRefundUnmatched,
} as const;
