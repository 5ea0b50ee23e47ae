import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { Aedes, type Client, type PublishPacket, type Subscription } from 'aedes';
import { reportId, hotspotTopic, parseHotspotTopic } from '@hexlight/protocol';
import { listenWithFallback, type Clock, type Logger } from '@hexlight/kit';
import type { BrokerAccess, Principal } from './access.ts';
import type { ReportPipeline } from './pipeline.ts';
import { rejectionMessage } from './pipeline.ts';
import type { RegistryStore } from './registry/store.ts';
import type { RefusalReason } from './records.ts';

export interface BrokerConfig {
  host: string;
  port: number;
  /** Take a free port when `port` is taken instead of failing. */
  portFallback: boolean;
  tls?: { port: number; certFile: string; keyFile: string } | undefined;
}

export interface EmbeddedBroker {
  readonly aedes: Aedes;
  readonly port: number;
  readonly tlsPort: number | undefined;
  readonly portFellBack: boolean;
  publish(topic: string, payload: Buffer | string, opts?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  close(): Promise<void>;
}

const IDENTITY = Symbol('hexlight.identity');
type TaggedClient = Client & { [IDENTITY]?: Principal };

function connectError(message: string, returnCode: number): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode });
}

/** Where a refused packet goes instead of its topic: nowhere (no one may subscribe to `$` topics). */
const REFUSED_TOPIC = '$hexlight/refused';

export interface BrokerDeps {
  pipeline: ReportPipeline;
  registry: RegistryStore;
  /** Connect auth and the ACL (shared with the HTTP hooks of an external broker). */
  access: BrokerAccess;
  clock: Clock;
  log: Logger;
}

/**
 * The embedded MQTT 3.1.1 broker (aedes) with wire.md §2 auth and ACL. Reports are written in
 * `authorizePublish`, because aedes sends the PUBACK right after that callback: the callback
 * fires only once the report is committed (or refused).
 */
export async function startEmbeddedBroker(deps: BrokerDeps, config: BrokerConfig): Promise<EmbeddedBroker> {
  const { pipeline, registry, access, clock, log } = deps;

  const aedes = new Aedes({
    maxClientsIdLength: 64,
    concurrency: 1000,
    drainTimeout: 30_000,
    heartbeatInterval: 60_000,

    authenticate(client, username, password, done) {
      access.authenticate(client.id, username, password).then((decision) => {
        if (!decision.ok) {
          if (decision.reason === 'bad_token' || decision.reason === 'unknown_hotspot') {
            log.debug({ address: username, reason: decision.detail ?? decision.reason }, 'ingest.connect.refused');
          }
          return done(connectError('bad username or password', 4), false);
        }
        (client as TaggedClient)[IDENTITY] = decision.principal;
        done(null, true);
      }, (err: Error) => done(err as Parameters<typeof done>[0], false));
    },

    authorizeSubscribe(client, sub, done) {
      const id = (client as TaggedClient)[IDENTITY];
      if (id && access.maySubscribe(id, sub.topic)) return done(null, sub);
      log.info({ client: client?.id, topic: sub.topic }, 'ingest.subscribe.refused');
      done(new Error('not authorized'), null as unknown as Subscription);
    },

    authorizePublish(client, packet, done) {
      const id = client ? (client as TaggedClient)[IDENTITY] : undefined;
      const receivedAt = clock.now();
      const parsed = parseHotspotTopic(packet.topic);
      // Wills of clients from before a restart come back without a client.
      if (!client) return done(parsed?.leaf === 'state' ? null : new Error('not authorized'));
      if (!id) return done(new Error('not authorized'));
      const address = id.role === 'hotspot' ? id.address : parsed?.address;
      if (!address || !access.mayPublish(id, packet.topic)) {
        log.info({ client: client.id, topic: packet.topic }, 'ingest.publish.refused');
        return done(new Error('not authorized')); // closes the connection (MQTT 3.1.1 has no negative PUBACK)
      }
      // Under its own prefix but not a topic of wire.md §3 (e.g. hotspot/<own>/a/b).
      if (!parsed) return refuse(packet, address, 'wrong_topic', reportId(toBytes(packet.payload)), done);
      if (parsed.leaf === 'state') {
        const text = Buffer.from(toBytes(packet.payload)).toString('utf8');
        if (text !== 'online' && text !== 'offline') return refuse(packet, address, 'malformed', null, done);
        registry.setState(address, text === 'online', new Date(receivedAt)).then(() => done(null), done);
        return;
      }
      packet.retain = false; // reports are events, never retained
      pipeline.ingest(address, parsed.leaf, toBytes(packet.payload), receivedAt).then((outcome) => {
        if (outcome.status === 'refused') return refuse(packet, address, outcome.reason, outcome.id, done);
        done(null);
      }, (err: Error) => done(err));
    },
  });

  function refuse(packet: PublishPacket, address: string, reason: RefusalReason, id: Uint8Array | null, done: (err: Error | null) => void): void {
    const topic = packet.topic;
    packet.topic = REFUSED_TOPIC;
    packet.retain = false;
    packet.payload = Buffer.alloc(0);
    aedes.publish({
      cmd: 'publish', topic: hotspotTopic(address, 'rejected'), qos: 0, dup: false, retain: false,
      payload: Buffer.from(rejectionMessage(topic, id ?? new Uint8Array(32), reason)),
    }, () => {});
    done(null);
  }

  aedes.on('clientReady', (client) => {
    const id = (client as TaggedClient)[IDENTITY];
    if (id?.role === 'hotspot') registry.setState(id.address, true, new Date(clock.now())).catch((err: Error) => log.warn({ err: err.message }, 'ingest.state.failed'));
  });
  aedes.on('clientDisconnect', (client) => {
    const id = (client as TaggedClient)[IDENTITY];
    if (id?.role === 'hotspot') registry.setState(id.address, false, new Date(clock.now())).catch((err: Error) => log.warn({ err: err.message }, 'ingest.state.failed'));
  });
  aedes.on('clientError', (client, err) => log.debug({ client: client?.id, err: err.message }, 'ingest.client.error'));
  aedes.on('connectionError', (client, err) => log.debug({ client: client?.id, err: err.message }, 'ingest.connection.error'));

  await aedes.listen();
  const server = net.createServer(aedes.handle);
  const { port, fellBack } = await listenWithFallback(server, config.port, config.host, config.portFallback);
  let tlsServer: tls.Server | undefined;
  let tlsPort: number | undefined;
  if (config.tls) {
    tlsServer = tls.createServer({ cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) }, aedes.handle);
    tlsPort = (await listenWithFallback(tlsServer, config.tls.port, config.host, config.portFallback)).port;
  }

  return {
    aedes, port, tlsPort, portFellBack: fellBack,
    publish(topic, payload, opts = {}) {
      return new Promise((resolve, reject) => {
        aedes.publish({ cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: opts.qos ?? 0, retain: opts.retain ?? false, dup: false }, (err) => (err ? reject(err) : resolve()));
      });
    },
    async close() {
      // Stop accepting, drop the clients (un-acked reports get resent elsewhere), then wait.
      const closed = [new Promise<void>((r) => server.close(() => r()))];
      if (tlsServer) closed.push(new Promise<void>((r) => tlsServer!.close(() => r())));
      await new Promise<void>((r) => aedes.close(() => r()));
      await Promise.all(closed);
    },
  };
}

function toBytes(payload: Buffer | string): Uint8Array {
  return typeof payload === 'string' ? Buffer.from(payload) : payload;
}
