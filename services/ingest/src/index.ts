import type { FastifyPluginAsync } from 'fastify';
import type { MqttClient } from 'mqtt';
import { hotspotTopic, parseHotspotTopic } from '@hexlight/protocol';
import type { Db } from '@hexlight/store';
import { clockTimers, type Clock, type Logger, type Service } from '@hexlight/kit';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.ts';
import { createBrokerAccess } from './access.ts';
import { brokerHookRoutes, newBrokerHookCounters, type BrokerHookCounters } from './broker-hook.ts';
import { SharedSubscriptionConsumer } from './external/consumer.ts';
import { BrokerSessionPool } from './external/sessions.ts';
import { ReportPipeline, rejectionMessage } from './pipeline.ts';
import { HotspotDirectory } from './registry/directory.ts';
import { registryRoutes } from './registry/routes.ts';
import { RegistryStore } from './registry/store.ts';
import { inlineVerifier, workerVerifier, type Verifier } from './verify-pool.ts';
import { BatchWriter, writeReportBatch } from './writer.ts';
import { DevAddrRoutes } from './packets/routes.ts';
import { DeviceDirectory } from './packets/devices.ts';
import { newPacketCounters, packetMeter, prunePacketGroups, type NotBoughtReason, type RoutedPacket } from './packets/meter.ts';
import type { IngestConfig } from './config.ts';

export { loadIngestConfig, DEFAULT_PACKET_DEDUP_WINDOW_MS, type IngestConfig } from './config.ts';
export { NOT_BOUGHT_REASONS, type NotBoughtReason } from './packets/meter.ts';
// The metering transaction on its own, for the packet benchmark's baseline and tools.
export { packetMeter, newPacketCounters, prunePacketGroups, type RoutedPacket, type PacketCounters } from './packets/meter.ts';
export { BatchWriter, type WriterConfig } from './writer.ts';
export { checkReport } from './check.ts';
export type { PacketRecord } from './records.ts';
export { assertMessage, onboardMessage, type AssertionFields } from './registry/messages.ts';
export { RegistryStore } from './registry/store.ts';
export type { IngestOutcome, RefusalReason } from './records.ts';
export { REFUSAL_REASONS } from './records.ts';
export { ACCESS_DENY_REASONS, type AccessDenyReason } from './access.ts';
export { HOOK_ACTIONS, HOOK_PATHS, type BrokerHookCounters, type HookAction } from './broker-hook.ts';

export interface IngestDeps {
  db: Db;
  clock: Clock;
  log: Logger;
}

export interface IngestStatus {
  mode: IngestConfig['mode'];
  mqttPort: number | undefined;
  mqttTlsPort: number | undefined;
  portFellBack: boolean;
  connections: number;
  /** The embedded broker listens, or every broker session this worker holds is subscribed (readiness). */
  brokerConnected: boolean;
  /** External broker: the group's sessions this worker holds (services/ingest README "Sessions"). */
  sessions: { held: number; total: number } | null;
  /** External mode, not connected: why (the last socket error of a consumer that is not subscribed, e.g. a refused TLS handshake). */
  brokerError?: string | undefined;
  received: number;
  stored: number;
  duplicates: number;
  refused: Record<string, number>;
  pending: number;
  lastBatchMs: number;
  /** Device frames (packet reports), counted after their metering transaction committed. */
  packets: {
    stored: number;
    bought: number;
    dcBurned: number;
    notBought: Record<NotBoughtReason, number>;
    orgsDisabled: number;
    pending: number;
    lastBatchMs: number;
    ranges: number;
  };
  /** Decisions of the external broker's HTTP auth hooks (POST /v1/broker/authenticate, /authorize). */
  brokerHook: BrokerHookCounters;
}

export interface Ingest extends Service {
  /** The registry API and the broker hooks (fastify plugin); `hexlight up` mounts it on the shared HTTP server. */
  readonly routes: FastifyPluginAsync;
  readonly registry: RegistryStore;
  status(): IngestStatus;
  /** Publishes from the network side (entropy, region parameters) on the embedded broker. */
  publish(topic: string, payload: Buffer | string, opts?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
}

/** The MQTT edge and hotspot registry (README of services/ingest). */
export function createIngest(deps: IngestDeps, config: Readonly<IngestConfig>): Ingest {
  const registry = new RegistryStore(deps.db);
  const directory = new HotspotDirectory(registry);
  let verifier: Verifier | null = null;
  let writer: BatchWriter | null = null;
  let packetWriter: BatchWriter<RoutedPacket> | null = null;
  let devAddrRoutes: DevAddrRoutes | null = null;
  const packetCounters = newPacketCounters();
  let pipeline: ReportPipeline | null = null;
  let broker: EmbeddedBroker | null = null;
  let sessions: BrokerSessionPool | null = null;
  let publisher: MqttClient | null = null;
  let pruneTimer: NodeJS.Timeout | null = null;
  let groupsTimer: NodeJS.Timeout | null = null;
  // Retention is network time: an accelerated clock prunes hourly in its hours, not real ones.
  const timers = clockTimers(deps.clock);

  const access = createBrokerAccess({ directory, clock: deps.clock }, config.serviceUsers);
  const hookCounters = newBrokerHookCounters();
  const registryPlugin = registryRoutes({ store: registry, directory, clock: deps.clock });
  const hookPlugin = brokerHookRoutes({ access, token: config.brokerHookToken, counters: hookCounters, log: deps.log });
  // Each its own encapsulated plugin: the hook's bearer check guards its routes only.
  const routes: FastifyPluginAsync = async (app) => {
    await app.register(registryPlugin);
    await app.register(hookPlugin);
  };

  return {
    name: 'ingest',
    routes,
    registry,

    async start() {
      verifier = config.verifyWorkers > 0 ? workerVerifier(config.verifyWorkers) : inlineVerifier();
      writer = new BatchWriter(deps.db, config.writer, deps.log, writeReportBatch);
      packetWriter = new BatchWriter(deps.db, { ...config.writer, concurrency: config.packets.writeConcurrency }, deps.log,
        packetMeter({ dedupWindowMs: config.packets.dedupWindowMs }, deps.clock, packetCounters));
      devAddrRoutes = new DevAddrRoutes(deps.db, { refreshMs: config.packets.routesRefreshMs, missIntervalMs: config.packets.routesMissIntervalMs }, deps.log);
      await devAddrRoutes.start();
      pipeline = new ReportPipeline(directory, verifier, writer, { routes: devAddrRoutes, devices: new DeviceDirectory(deps.db), writer: packetWriter });
      const w = writer;
      const prune = () => w.pruneIds(new Date(deps.clock.now() - config.dedupRetentionDays * 86_400_000))
        .then((n) => { if (n > 0) deps.log.info({ removed: n }, 'ingest.dedup.pruned'); })
        .catch((err: Error) => deps.log.warn({ err: err.message }, 'ingest.dedup.prune-failed'));
      pruneTimer = timers.setInterval(prune, 3_600_000);
      pruneTimer.unref();
      // A group is consulted only by copies within the window of its first: an hour's margin is plenty.
      const pruneGroups = () => prunePacketGroups(deps.db, new Date(deps.clock.now() - config.packets.dedupWindowMs - 3_600_000))
        .then((n) => { if (n > 0) deps.log.info({ removed: n }, 'ingest.packet-groups.pruned'); })
        .catch((err: Error) => deps.log.warn({ err: err.message }, 'ingest.packet-groups.prune-failed'));
      groupsTimer = timers.setInterval(pruneGroups, 300_000);
      groupsTimer.unref();
      if (config.mode === 'embedded') {
        broker = await startEmbeddedBroker({ pipeline, registry, access, clock: deps.clock, log: deps.log }, {
          host: config.mqtt.host, port: config.mqtt.port, portFallback: config.mqtt.portFallback, tls: config.mqtt.tls,
        });
        if (broker.portFellBack) deps.log.warn({ wanted: config.mqtt.port, port: broker.port }, 'ingest.mqtt.port-taken');
        deps.log.info({ port: broker.port, tlsPort: broker.tlsPort }, 'ingest.mqtt.listening');
        return;
      }
      const url = new URL(config.external.url);
      const p = pipeline;
      const base = {
        host: url.hostname, port: Number(url.port || (config.external.tls ? 8883 : 1883)), username: config.external.username, password: config.external.password,
        tls: config.external.tls,
        filter: `$share/${config.external.shareGroup}/hotspot/+/+`, receiveMaximum: config.external.receiveMaximum, keepaliveSeconds: 30,
        sessionExpirySeconds: config.external.sessionExpirySeconds,
      };
      const handler = async (topic: string, payload: Buffer) => {
        const parsed = parseHotspotTopic(topic);
        if (!parsed || parsed.leaf === 'rejected') return; // ours, or not a hotspot topic
        if (parsed.leaf === 'state') {
          const text = payload.toString('utf8');
          if ((text === 'online' || text === 'offline') && (await directory.keyOf(parsed.address))) {
            await registry.setState(parsed.address, text === 'online', new Date(deps.clock.now()));
          }
          return;
        }
        const outcome = await p.ingest(parsed.address, parsed.leaf, payload, deps.clock.now());
        if (outcome.status === 'refused') publishRejection(topic, parsed.address, outcome.id, outcome.reason);
      };
      deps.log.info({ url: `${url.protocol}//${url.host}`, tls: Boolean(config.external.tls), ca: config.external.tls ? (config.external.tls.ca ? 'BROKER_TLS_CA' : 'system') : undefined, clientCert: Boolean(config.external.tls?.cert) }, 'ingest.external.connecting');
      // The group's sessions, claimed through PostgreSQL by whichever workers are alive.
      sessions = new BrokerSessionPool(deps.db, {
        sessions: config.external.sessions, clientIdPrefix: `ingest-${config.external.shareGroup}`, lockPrefix: `ingest.sessions.${config.external.shareGroup}`,
        checkMs: config.external.sessionCheckMs, drainMs: 10_000,
      }, (clientId, hooks) => new SharedSubscriptionConsumer({ ...base, clientId }, handler, deps.log, hooks), deps.log);
      await sessions.start();
      if (!sessions) return; // stopped while the broker was still refusing us
      // Rejections go back through the broker on a connection of ours (TLS as the consumers).
      const { connectAsync } = await import('mqtt');
      const pub = await connectAsync(config.external.url, {
        clientId: `${config.external.clientIdPrefix}-pub`, protocolVersion: 5,
        ...(base.username ? { username: base.username } : {}), ...(base.password ? { password: base.password } : {}),
        ...config.external.tls,
      });
      publisher = pub;
      deps.log.info({ url: `${url.protocol}//${url.host}`, sessions: sessions.status() }, 'ingest.external.started');
    },

    async stop() {
      if (pruneTimer) timers.clearInterval(pruneTimer);
      if (groupsTimer) timers.clearInterval(groupsTimer);
      await broker?.close();
      // Sessions drain first (their last messages need the writer to commit before the ack), then
      // stay on the broker for the group's other workers, or for this one's successor.
      await sessions?.stop();
      devAddrRoutes?.stop();
      await Promise.all([writer?.close(), packetWriter?.close()]);
      await verifier?.close();
      await publisher?.endAsync();
      broker = null;
      sessions = null;
      publisher = null;
    },

    status() {
      const c = pipeline?.counters;
      return {
        mode: config.mode,
        mqttPort: broker?.port,
        mqttTlsPort: broker?.tlsPort,
        portFellBack: broker?.portFellBack ?? false,
        connections: broker ? broker.aedes.connectedClients : (sessions?.status().held ?? 0),
        brokerConnected: broker !== null || (sessions?.status().ready ?? false),
        sessions: sessions ? sessions.status() : null,
        brokerError: sessions?.status().error,
        received: c?.received ?? 0,
        stored: c?.stored ?? 0,
        duplicates: c?.duplicates ?? 0,
        refused: { ...(c?.refused ?? {}) },
        pending: (writer?.stats.pending ?? 0) + (packetWriter?.stats.pending ?? 0),
        lastBatchMs: writer?.stats.lastBatchMs ?? 0,
        packets: {
          ...packetCounters,
          notBought: { ...packetCounters.notBought },
          pending: packetWriter?.stats.pending ?? 0,
          lastBatchMs: packetWriter?.stats.lastBatchMs ?? 0,
          ranges: devAddrRoutes?.stats.ranges ?? 0,
        },
        brokerHook: {
          decisions: {
            authenticate: { ...hookCounters.decisions.authenticate },
            publish: { ...hookCounters.decisions.publish },
            subscribe: { ...hookCounters.decisions.subscribe },
          },
          denied: { ...hookCounters.denied },
        },
      };
    },

    async publish(topic, payload, opts) {
      if (broker) return broker.publish(topic, payload, opts);
      if (publisher) {
        await publisher.publishAsync(topic, payload, { qos: opts?.qos ?? 0, retain: opts?.retain ?? false });
        return;
      }
      throw new Error('ingest is not started');
    },
  };

  function publishRejection(topic: string, address: string, id: Uint8Array, reason: Parameters<typeof rejectionMessage>[2]): void {
    publisher?.publish(hotspotTopic(address, 'rejected'), rejectionMessage(topic, id, reason), { qos: 0 });
  }
}

