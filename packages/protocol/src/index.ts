// @hexlight/protocol: the wire contract (spec/wire.md) and region/beacon rules (spec/regions.md).
export * from './errors.ts';
export * from './bytes.ts';
export * from './sign.ts';
export * from './keys.ts';
export * from './key-file.ts';
export * from './solana.ts';
export * from './data-rates.ts';
export * from './entropy.ts';
export * from './messages.ts';
export * from './topics.ts';
export * from './connect-token.ts';
export * from './regions.ts';
export * from './chacha.ts';
export * from './beacon.ts';
export * from './lorawan.ts';
export * from './dc.ts';
export { helium, type FieldSpec, type FieldType } from './proto.ts';
