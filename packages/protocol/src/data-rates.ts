import { helium } from './proto.ts';

// The `helium.data_rate` enum as plain maps. protobufjs keeps name→number as own keys and
// number→name on the prototype; reading own keys gives exactly the .proto's names.

export const DATA_RATES: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(Object.keys(helium.data_rate).map((name) => [name, (helium.data_rate as unknown as Record<string, number>)[name]!])),
);

const NAMES = new Map<number, string>(Object.entries(DATA_RATES).map(([name, value]) => [value, name]));

/** 'SF12BW125' for 0; undefined for a number outside the enum. */
export function dataRateName(n: number): string | undefined {
  return NAMES.get(n);
}

/** 0 for 'SF12BW125'; undefined for an unknown name. */
export function dataRateValue(name: string): number | undefined {
  return Object.hasOwn(DATA_RATES, name) ? DATA_RATES[name] : undefined;
}
