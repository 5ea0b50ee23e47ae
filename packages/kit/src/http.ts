import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { HexlightError } from './errors.ts';
import type { Logger } from './logger.ts';
import { createReadiness, type Readiness } from './health.ts';
import type { Metrics } from './metrics.ts';

export interface HttpAppOptions {
  title: string;
  version?: string;
  logger?: Logger | false;
  /** Feature plugins (one per service/feature), registered in order. */
  plugins: FastifyPluginAsync[];
  /** TLS options (cert, key) for HTTPS; plain HTTP when absent. */
  https?: { cert: Buffer; key: Buffer } | undefined;
  /** Served at `/metrics` (Prometheus), and every request's duration observed into it. */
  metrics?: Metrics | undefined;
  /** What `/readyz` checks; without it `/readyz` answers like `/healthz`. */
  readiness?: Readiness | undefined;
}

/**
 * One fastify app with the conventions every Hexlight HTTP surface shares: JSON Schema on
 * every route with unknown fields refused (not silently stripped), OpenAPI at /docs, and error
 * bodies `{code, message, details?}` with stable codes.
 */
export async function buildHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger || undefined,
    // allowUnionTypes: a field may be `type: ['string', 'integer']` (a DevAddr as hex or as a number): a union
    // type is checked without coercion, where anyOf would coerce the value into its first branch.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false, allowUnionTypes: true } },
    bodyLimit: 64 * 1024,
    ...(opts.https ? { https: opts.https } : {}),
  } as FastifyServerOptions) as unknown as FastifyInstance;

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HexlightError) {
      if (err.httpStatus >= 500) req.log.error({ err }, 'http.error');
      return reply.code(err.httpStatus).send({ code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
    }
    const e = err as { validation?: unknown; statusCode?: number; code?: string; message: string };
    if (e.validation) return reply.code(400).send({ code: 'INVALID_REQUEST', message: e.message });
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send({ code: e.code?.startsWith('FST_') ? 'INVALID_REQUEST' : (e.code ?? 'INVALID_REQUEST'), message: e.message });
    }
    req.log.error({ err }, 'http.error');
    return reply.code(500).send({ code: 'INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` }));

  await app.register(swagger, {
    openapi: { info: { title: opts.title, version: opts.version ?? '0.1.0' } },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  const readiness = opts.readiness ?? createReadiness();
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const r = await readiness.report();
    return reply.code(r.status === 'ready' ? 200 : 503).send(r);
  });
  const metrics = opts.metrics;
  if (metrics) {
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      const { contentType, body } = await metrics.scrape();
      return reply.type(contentType).send(body);
    });
    // The route pattern, not the URL: one series per route, whatever the ids in the path.
    app.addHook('onResponse', async (req, reply) => {
      metrics.httpDuration.observe(
        { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  }
  for (const plugin of opts.plugins) await app.register(plugin);
  return app;
}
