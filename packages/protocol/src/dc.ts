// Data Credits (DC): what carrying a device's uplink costs its organisation. Helium's rule
// (reference/helium-poc.md §14; oracles iot_packet_verifier `BYTES_PER_DC`): one DC per 24 bytes of
// PHYPayload, rounded up, at least one — a 0-byte and a 24-byte frame both cost 1 DC, 25 bytes 2.

/** Bytes of PHYPayload one DC pays for. */
export const BYTES_PER_DC = 24;

/**
 * The fixed price of one DC in US dollars ($0.00001, i.e. 100,000 DC per dollar), as on Helium
 * (HIP-86, which would have raised it, was closed). Amounts of DC are whole numbers.
 */
export const DC_USD = 0.00001;

/** DC a copy of a `bytes`-long PHYPayload costs: ceil(max(bytes, 24) / 24). */
export function dcForPayload(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`payload size must be a non-negative integer, got ${bytes}`);
  return Math.ceil(Math.max(bytes, BYTES_PER_DC) / BYTES_PER_DC);
}
