import { availableParallelism, hostname } from 'node:os';
import { brokerTlsOptions, envBool, type BrokerTlsOptions, envInt, envString, freezeDeep, loadBrokerTls, ConfigInvalid } from '@hexlight/kit';

export interface IngestConfig {
  /** `embedded` = aedes in this process; `external` = consume from an MQTT 5 broker's shared subscription. */
  mode: 'embedded' | 'external';
  mqtt: { host: string; port: number; portFallback: boolean; tls?: { port: number; certFile: string; keyFile: string } | undefined };
  external: {
    url: string; username?: string | undefined; password?: string | undefined; receiveMaximum: number; clientIdPrefix: string; shareGroup: string;
    /** Persistent broker sessions the group consists of, split between its live workers. */
    sessions: number;
    sessionExpirySeconds: number;
    /** How often a worker looks for unclaimed sessions and its fair share (ms). */
    sessionCheckMs: number;
    /** `mqtts://` URLs: TLS options from BROKER_TLS_* (kit `loadBrokerTls`); verification always on. */
    tls?: BrokerTlsOptions | undefined;
  };
  verifyWorkers: number;
  writer: { maxBatch: number; maxDelayMs: number; maxPending: number; concurrency: number };
  serviceUsers: Record<string, string>;
  /** Bearer token an external broker's HTTP auth hooks must send; undefined = the hook routes are off. */
  brokerHookToken: string | undefined;
  /** How long report ids are kept for dedup (the raw tables' retention). */
  dedupRetentionDays: number;
  packets: {
    /** Copies of one PHYPayload received within this many ms of the group's first copy form one group. */
    dedupWindowMs: number;
    /** Full reload of the DevAddr range table (ms). */
    routesRefreshMs: number;
    /** Least time between two reloads of the range table caused by unknown DevAddrs (ms). */
    routesMissIntervalMs: number;
    /** Metering transactions in flight. */
    writeConcurrency: number;
  };
}

/**
 * Helium's packet router counts the copies of a frame it bought per (PHYPayload hash, LNS) in an
 * ETS table whose entries live 30 minutes from the first copy (helium/helium-packet-router
 * src/hpr_multi_buy.erl, `CLEANUP_TIME, timer:minutes(30)`): a copy of the same frame within
 * 30 minutes is never bought beyond the route's `max_copies`. (Its LNS-facing hold windows are
 * shorter, 200–250 ms, but those only delay delivery.) We use the same span.
 */
export const DEFAULT_PACKET_DEDUP_WINDOW_MS = 30 * 60_000;

type Env = Record<string, string | undefined>;

/** Reads ingest settings from the environment (README "Configuration"), validated and frozen. */
export function loadIngestConfig(env: Env = process.env, overrides: { dbKind?: 'pg' | 'pglite' } = {}): Readonly<IngestConfig> {
  const brokerUrl = envString(env, 'INGEST_BROKER_URL');
  const tlsCert = envString(env, 'INGEST_MQTT_TLS_CERT');
  const tlsKey = envString(env, 'INGEST_MQTT_TLS_KEY');
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw ConfigInvalid('INGEST_MQTT_TLS_CERT and INGEST_MQTT_TLS_KEY must be set together (TLS needs both)');
  const serviceUsers: Record<string, string> = {};
  for (const pair of (envString(env, 'INGEST_SERVICE_USERS') ?? '').split(',').filter(Boolean)) {
    const i = pair.indexOf(':');
    if (i <= 0) throw ConfigInvalid('INGEST_SERVICE_USERS must be user:password pairs separated by commas');
    serviceUsers[pair.slice(0, i)] = pair.slice(i + 1);
  }
  let url: URL | undefined;
  if (brokerUrl) {
    try {
      url = new URL(brokerUrl);
    } catch {
      // Not the value: the URL may carry the broker password.
      throw ConfigInvalid('INGEST_BROKER_URL is not a URL (expected mqtt://user:pass@host:port)', { setting: 'INGEST_BROKER_URL' });
    }
    // The consumer speaks MQTT over TCP or TLS only (no WebSocket).
    if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') throw ConfigInvalid(`INGEST_BROKER_URL must be mqtt://… or mqtts://… (got ${url.protocol}//)`, { setting: 'INGEST_BROKER_URL' });
  }
  // Read (and the files checked) only when there is an external broker to use them on.
  const brokerTls = brokerUrl ? brokerTlsOptions(brokerUrl, loadBrokerTls(env)) : undefined;
  return freezeDeep({
    mode: brokerUrl ? 'external' : 'embedded',
    mqtt: {
      host: envString(env, 'INGEST_MQTT_HOST', '0.0.0.0'),
      port: envInt(env, 'INGEST_MQTT_PORT', 1883, { min: 0, max: 65535 }),
      portFallback: envBool(env, 'INGEST_MQTT_PORT_FALLBACK', true),
      tls: tlsCert && tlsKey ? { port: envInt(env, 'INGEST_MQTT_TLS_PORT', 8883, { min: 0, max: 65535 }), certFile: tlsCert, keyFile: tlsKey } : undefined,
    },
    external: {
      url: brokerUrl ?? '',
      username: url?.username ? decodeURIComponent(url.username) : envString(env, 'INGEST_BROKER_USERNAME'),
      password: url?.password ? decodeURIComponent(url.password) : envString(env, 'INGEST_BROKER_PASSWORD'),
      sessions: envInt(env, 'INGEST_SESSIONS', 8, { min: 1, max: 256, what: 'broker sessions in the share group, split between its workers' }),
      sessionExpirySeconds: envInt(env, 'INGEST_SESSION_EXPIRY_S', 86_400, { min: 60, max: 4_294_967, what: 'how long the broker keeps an unheld session and its queued reports' }),
      sessionCheckMs: envInt(env, 'INGEST_SESSION_CHECK_MS', 1000, { min: 50, max: 60_000 }),
      receiveMaximum: envInt(env, 'INGEST_RECEIVE_MAXIMUM', 200, { min: 1, max: 65535 }),
      clientIdPrefix: envString(env, 'INGEST_CLIENT_ID', `ingest-${hostname()}`),
      shareGroup: envString(env, 'INGEST_SHARE_GROUP', 'ingest'),
      tls: brokerTls,
    },
    verifyWorkers: envInt(env, 'INGEST_VERIFY_WORKERS', availableParallelism(), { min: 0, max: 64, what: 'signature-check threads; 0 = inline' }),
    writer: {
      maxBatch: envInt(env, 'INGEST_BATCH_MAX', 2000, { min: 1, max: 50_000 }),
      maxDelayMs: envInt(env, 'INGEST_BATCH_DELAY_MS', 10, { min: 0, max: 10_000 }),
      maxPending: envInt(env, 'INGEST_MAX_PENDING', 20_000, { min: 1, what: 'reports admitted but not yet committed' }),
      concurrency: envInt(env, 'INGEST_WRITE_CONCURRENCY', overrides.dbKind === 'pg' ? 2 : 1, { min: 1, max: 16 }),
    },
    serviceUsers,
    brokerHookToken: envString(env, 'INGEST_BROKER_HOOK_TOKEN') || undefined,
    dedupRetentionDays: envInt(env, 'INGEST_DEDUP_RETENTION_DAYS', 90, { min: 1 }),
    packets: {
      dedupWindowMs: envInt(env, 'INGEST_PACKET_DEDUP_WINDOW_MS', DEFAULT_PACKET_DEDUP_WINDOW_MS, { min: 1, max: 86_400_000, what: 'ms a group of copies of one frame stays open' }),
      routesRefreshMs: envInt(env, 'INGEST_ROUTES_REFRESH_MS', 60_000, { min: 100, max: 86_400_000 }),
      routesMissIntervalMs: envInt(env, 'INGEST_ROUTES_MISS_INTERVAL_MS', 250, { min: 0, max: 60_000, what: 'least ms between two range reloads caused by unknown DevAddrs' }),
      writeConcurrency: envInt(env, 'INGEST_PACKET_WRITE_CONCURRENCY', 1, { min: 1, max: 16 }),
    },
  });
}
