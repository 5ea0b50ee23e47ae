import type { FastifyPluginAsync } from 'fastify';
import mqtt, { type MqttClient } from 'mqtt';
import { brokerTlsOptions, type Clock, type Logger, type Service } from '@hexlight/kit';
import type { Db } from '@hexlight/store';
import { recomputeAggregates } from './aggregate.ts';
import type { MapsConfig } from './config.ts';
import type { MapsContext } from './context.ts';
import { createHotspotDirectory } from './directory.ts';
import { refreshEstimates } from './estimate.ts';
import { createMapperIngest, type MapperIngest } from './mappers.ts';
import { createRateLimiter } from './ratelimit.ts';
import { createApiStats, type MapsApiStats } from './billing.ts';
import { carrierRoutes } from './routes/carrier.ts';
import { mapperRoutes } from './routes/mappers.ts';
import { publicRoutes } from './routes/public.ts';
import { webRoutes } from './routes/web.ts';

export interface MapsDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** Overrides MAPS_BROKER_URL (`hexlight up` passes its embedded broker with a service user). */
  brokerUrl?: string;
}

export interface Maps extends Service {
  readonly routes: FastifyPluginAsync;
  readonly ingest: MapperIngest;
  /** Coverage API usage: billed requests and hexes by endpoint, DC billed, rate-limit refusals. */
  apiStats(): MapsApiStats;
  /** Rebuilds the modelled coverage from PoC witness links now (the service also does it on a timer). */
  refreshEstimates(): Promise<number>;
  /** Rebuilds every aggregate from the stored receptions. */
  recompute(): Promise<void>;
  /** Resolves once the MQTT subscription is active (immediately without a broker). */
  subscribed(): Promise<void>;
}

/** Coverage model, carrier API, mapper ingest (MQTT and HTTP) and the web map. */
export function createMaps(deps: MapsDeps, config: Readonly<MapsConfig>): Maps {
  const state = { lastUpdateMs: deps.clock.now() };
  const directory = createHotspotDirectory(deps.db, () => Date.now());
  const ingest = createMapperIngest({ db: deps.db, clock: deps.clock, log: deps.log, config, directory, onRecorded: () => { state.lastUpdateMs = deps.clock.now(); } });
  const ctx: MapsContext = {
    db: deps.db, clock: deps.clock, log: deps.log, config, directory, ingest, state, api: createApiStats(),
    keyLimiter: createRateLimiter(config.ratePerMin, () => deps.clock.now()),
    publicLimiter: createRateLimiter(config.publicRatePerMin, () => deps.clock.now()),
  };
  const brokerUrl = deps.brokerUrl ?? config.brokerUrl;
  let client: MqttClient | undefined;
  let subscribed: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<number> | undefined;

  const refresh = (): Promise<number> => (refreshing ??= refreshEstimates(deps.db, deps.clock.now(), config.estimateDays)
    .then((n) => { state.lastUpdateMs = deps.clock.now(); return n; })
    .finally(() => { refreshing = undefined; }));

  return {
    name: 'maps',
    ingest,
    apiStats: () => ({ ...ctx.api, requests: { ...ctx.api.requests }, hexes: { ...ctx.api.hexes } }),
    routes: async (app) => {
      await app.register(webRoutes());
      await app.register(publicRoutes(ctx));
      await app.register(carrierRoutes(ctx));
      await app.register(mapperRoutes(ctx));
    },
    refreshEstimates: refresh,
    recompute: () => recomputeAggregates(deps.db),
    subscribed: () => subscribed,
    async start() {
      await directory.refresh();
      if (brokerUrl) {
        client = mqtt.connect(brokerUrl, {
          clientId: `maps-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, protocolVersion: 4, reconnectPeriod: 1000, clean: true,
          ...brokerTlsOptions(brokerUrl, config.brokerTls),
        });
        client.on('message', (topic, payload) => ingest.onPacket(topic, payload));
        // A refused TLS handshake arrives here (code e.g. SELF_SIGNED_CERT_IN_CHAIN); mqtt.js keeps retrying.
        client.on('error', (err) => deps.log.warn({ err: err.message, code: (err as { code?: unknown }).code }, 'maps.mqtt.error'));
        subscribed = new Promise((resolve) => {
          client!.on('connect', () => {
            client!.subscribe('hotspot/+/packet', { qos: 1 }, (err) => {
              if (err) deps.log.warn({ err: err.message }, 'maps.mqtt.subscribe_failed');
              else resolve();
            });
          });
        });
      }
      if (config.estimateIntervalMs > 0) {
        const tick = () => {
          refresh().catch((err: Error) => deps.log.warn({ err: err.message }, 'maps.estimates.failed'))
            .finally(() => { timer = setTimeout(tick, config.estimateIntervalMs); timer.unref(); });
        };
        timer = setTimeout(tick, Math.min(5000, config.estimateIntervalMs));
        timer.unref();
      }
    },
    async stop() {
      if (timer) clearTimeout(timer);
      if (client) await client.endAsync().catch(() => undefined);
      await ingest.drain();
      await refreshing?.catch(() => undefined);
    },
  };
}
