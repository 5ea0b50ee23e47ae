import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { buildHttpApp, envBool, envInt, envString, listenWithFallback, type Logger, type Metrics, type Readiness } from '@hexlight/kit';

export interface HttpHandle {
  port: number;
  fellBack: boolean;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the given feature plugins on HTTP_HOST:HTTP_PORT (HTTPS when HTTP_TLS_CERT/KEY are set),
 * with `/healthz`, `/readyz` (the given checks) and `/metrics` (the given registry).
 */
export async function serveHttp(
  plugins: FastifyPluginAsync[], log: Logger, ops: { metrics?: Metrics; readiness?: Readiness } = {}, env = process.env,
): Promise<HttpHandle> {
  const cert = envString(env, 'HTTP_TLS_CERT');
  const key = envString(env, 'HTTP_TLS_KEY');
  const app = await buildHttpApp({
    title: 'Hexlight API', logger: log, plugins, metrics: ops.metrics, readiness: ops.readiness,
    https: cert && key ? { cert: readFileSync(cert), key: readFileSync(key) } : undefined,
  });
  await app.ready();
  const host = envString(env, 'HTTP_HOST', '0.0.0.0');
  const wanted = envInt(env, 'HTTP_PORT', 8080, { min: 0, max: 65535 });
  const { port, fellBack } = await listenWithFallback(app.server, wanted, host, envBool(env, 'HTTP_PORT_FALLBACK', true));
  if (fellBack) log.warn({ wanted, port }, 'http.port-taken');
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { port, fellBack, url: `${cert && key ? 'https' : 'http'}://${shownHost}:${port}`, close: () => app.close() };
}
