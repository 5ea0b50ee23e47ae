import { parseDec, decToString } from './epoch/index.ts';

/**
 * The Price source port: USD per whole token at a moment, as exact decimal text. The data pool is
 * capped at the dollar value of the DC carried, so the close needs a price. Embedded mode uses a
 * configured fixed price; a production adapter would read an oracle (Pyth, as Helium does) and keep
 * the value it used in the epoch's manifest, which it does already.
 */
export interface PriceSource {
  readonly name: string;
  tokenPriceUsd(atMs: number): Promise<string>;
}

/** A fixed price (REWARDS_TOKEN_PRICE_USD); validated once, at start. */
export function fixedPrice(usd: string): PriceSource {
  const price = decToString(parseDec(usd));
  return { name: `fixed ${price} USD`, tokenPriceUsd: async () => price };
}
