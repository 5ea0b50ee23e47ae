import { EpochConfigInvalid } from '../epoch/errors.ts';

/** Epoch n covers [n × length, (n + 1) × length) in ms since the Unix epoch; n = floor(start / length). */
export interface EpochWindow {
  readonly epoch: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly lengthMs: number;
}

export function epochWindow(epoch: number, lengthMs: number): EpochWindow {
  if (!Number.isSafeInteger(lengthMs) || lengthMs <= 0) throw EpochConfigInvalid('epochLengthMs must be a positive integer', { field: 'epochLengthMs' });
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw EpochConfigInvalid('epochNumber must be a non-negative integer', { field: 'epochNumber' });
  const startMs = epoch * lengthMs;
  const endMs = startMs + lengthMs;
  if (!Number.isSafeInteger(endMs)) throw EpochConfigInvalid('epoch end out of range', { field: 'epochNumber' });
  return { epoch, startMs, endMs, lengthMs };
}

/** The epoch containing `ms`. */
export function epochAt(ms: number, lengthMs: number): number {
  return Math.floor(ms / lengthMs);
}
