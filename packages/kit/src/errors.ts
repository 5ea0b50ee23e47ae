/**
 * Errors with stable codes. A code is part of the public contract: HTTP bodies, MQTT rejections
 * and CLI messages carry it, and the README lists every one.
 */
export interface ErrorSpec {
  /** HTTP status when the error crosses an HTTP boundary. */
  httpStatus?: number;
}

export class HexlightError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, httpStatus = 500, details?: Record<string, unknown>, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'HexlightError';
    this.code = code;
    this.httpStatus = httpStatus;
    this.details = details;
  }
}

export interface ErrorFactory {
  (message?: string, details?: Record<string, unknown>, cause?: unknown): HexlightError;
  readonly code: string;
  readonly httpStatus: number;
  /** True when `err` was made by this factory. */
  is(err: unknown): err is HexlightError;
}

const registry = new Map<string, { defaultMessage: string; httpStatus: number }>();

/** Declares a coded error near its use; the registry feeds the docs test. */
export function defineError(code: string, defaultMessage: string, spec: ErrorSpec = {}): ErrorFactory {
  const httpStatus = spec.httpStatus ?? 500;
  const existing = registry.get(code);
  if (existing && (existing.httpStatus !== httpStatus)) {
    throw new Error(`error code ${code} defined twice with different statuses`);
  }
  registry.set(code, { defaultMessage, httpStatus });
  const make = ((message?: string, details?: Record<string, unknown>, cause?: unknown) =>
    new HexlightError(code, message ?? defaultMessage, httpStatus, details, cause)) as ErrorFactory;
  Object.defineProperty(make, 'code', { value: code });
  Object.defineProperty(make, 'httpStatus', { value: httpStatus });
  Object.defineProperty(make, 'is', { value: (err: unknown) => err instanceof HexlightError && err.code === code });
  return make;
}

/** Every code defined so far (the docs test compares it with the README). */
export function definedErrorCodes(): ReadonlyMap<string, { defaultMessage: string; httpStatus: number }> {
  return registry;
}
