import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Fields that hold a secret wherever they sit in a log object (one level deep: `{config: {…}}`),
 * and the request headers that carry credentials, should a request ever be logged with its headers
 * (fastify's default request serializer leaves them out). URLs that can embed credentials are
 * logged through a redacting formatter (packages/cli/src/runtime.ts `redactUrl`), not as fields.
 */
export const REDACT_PATHS = [
  ...['password', 'secret', 'privateKey', 'secretKey', 'token', 'adminToken', 'apiKey', 'webhookSecret', 'databaseUrl', 'brokerUrl', 'rpcUrl', 'serviceUsers']
    .flatMap((k) => [k, `*.${k}`]),
  ...['authorization', 'cookie', 'x-api-key', 'stripe-signature'].flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`, `*.headers["${h}"]`]),
];

/** Structured JSON logs on stderr; secrets are redacted by path wherever they could appear. */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: REDACT_PATHS,
      censor: '[redacted]',
    },
  }, pino.destination({ dest: 2, sync: false })); // stderr: stdout carries the commands' ready lines and summaries
}

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
