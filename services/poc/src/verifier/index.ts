// The PoC verifier core: pure rules over a state port. No I/O, no clock.
export * from './types.ts';
export * from './state.ts';
export * from './checks.ts';
export * from './constants.ts';
export * from './errors.ts';
export * from './report.ts';
export * from './rulesets.ts';
export * from './verify.ts';
export * from './selection.ts';
export * from './units.ts';
export * from './hex-density.ts';
export * from './geometry.ts';
export * from './memory-state.ts';
export * from './beacon-checks.ts';
export * from './witness-checks.ts';
export * from './hexlight-checks.ts';
export * as decimal from './decimal.ts';
export type { Dec } from './decimal.ts';
