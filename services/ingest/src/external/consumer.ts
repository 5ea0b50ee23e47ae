import net from 'node:net';
import tls from 'node:tls';
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import type { Logger } from '@hexlight/kit';

export interface SharedConsumerConfig {
  host: string;
  port: number;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  /** e.g. `$share/ingest/hotspot/+/+` */
  filter: string;
  /** MQTT 5 Receive Maximum: how many un-acked publishes the broker may have in flight to us. */
  receiveMaximum: number;
  keepaliveSeconds: number;
  /** Set for `mqtts://`: the connection is TLS with these options (CA, client certificate, servername). */
  tls?: tls.ConnectionOptions | undefined;
}

export type MessageHandler = (topic: string, payload: Buffer) => Promise<void>;

/**
 * A minimal MQTT 5 subscriber that acknowledges each publish only when `handler` resolves, with
 * many publishes in flight at once. mqtt.js cannot do this: it handles incoming publishes one at
 * a time and waits for each acknowledgement before parsing the next, so ack-after-commit would
 * allow one report per commit. The packets themselves are mqtt-packet's (the codec mqtt.js and
 * aedes use); this is only the session loop of a subscriber.
 */
export class SharedSubscriptionConsumer {
  private socket: net.Socket | null = null;
  private stopped = false;
  private pingTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private connectedOnce: Promise<void>;
  private resolveConnected!: () => void;
  private rejectConnected!: (err: Error) => void;
  inflight = 0;
  /** Subscribed on the current connection (readiness: /readyz). */
  subscribed = false;
  /** The last socket error (e.g. a refused TLS handshake), for /readyz while not subscribed. */
  lastError: string | undefined;

  constructor(
    private readonly config: SharedConsumerConfig,
    private readonly handler: MessageHandler,
    private readonly log: Logger,
  ) {
    this.connectedOnce = new Promise((resolve, reject) => {
      this.resolveConnected = resolve;
      this.rejectConnected = reject;
    });
  }

  /** Resolves once subscribed for the first time. */
  start(): Promise<void> {
    this.connect();
    return this.connectedOnce;
  }

  private connect(): void {
    const socket: net.Socket = this.config.tls
      ? tls.connect({ ...this.config.tls, host: this.config.host, port: this.config.port })
      : net.connect(this.config.port, this.config.host);
    this.socket = socket;
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const send = (packet: Record<string, unknown>) => {
      if (!socket.destroyed) socket.write(mqttPacket.generate(packet as unknown as Packet, { protocolVersion: 5 }));
    };

    // Over TLS, 'connect' is only TCP: CONNECT (with its password) waits for the verified handshake.
    socket.on(this.config.tls ? 'secureConnect' : 'connect', () => {
      send({
        cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: false, clientId: this.config.clientId,
        keepalive: this.config.keepaliveSeconds, username: this.config.username,
        password: this.config.password === undefined ? undefined : Buffer.from(this.config.password),
        // A persistent session: after a crash the broker redelivers what we never acknowledged.
        properties: { receiveMaximum: this.config.receiveMaximum, sessionExpiryInterval: 3600 },
      });
    });
    parser.on('packet', (packet: Packet) => {
      switch (packet.cmd) {
        case 'connack':
          if ((packet.reasonCode ?? packet.returnCode ?? 0) !== 0) {
            const err = new Error(`broker refused connection (reason ${packet.reasonCode ?? packet.returnCode})`);
            this.log.error({ err: err.message }, 'ingest.external.connack');
            this.rejectConnected(err);
            socket.destroy();
            return;
          }
          send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: this.config.filter, qos: 1 }] });
          this.pingTimer = setInterval(() => send({ cmd: 'pingreq' }), (this.config.keepaliveSeconds * 1000) / 2);
          break;
        case 'suback':
          this.log.info({ filter: this.config.filter, clientId: this.config.clientId }, 'ingest.external.subscribed');
          this.subscribed = true;
          this.resolveConnected();
          break;
        case 'publish':
          this.onPublish(packet, send);
          break;
        default:
          break;
      }
    });
    parser.on('error', (err: Error) => {
      this.log.warn({ err: err.message }, 'ingest.external.protocol-error');
      socket.destroy();
    });
    socket.on('data', (buf) => parser.parse(buf));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A refused TLS handshake (unknown CA, wrong name) lands here too: keep it for /readyz.
      this.lastError = err.code ? `${err.code}: ${err.message}` : err.message;
      this.log.warn({ err: err.message, code: err.code, host: this.config.host, port: this.config.port, tls: Boolean(this.config.tls) }, 'ingest.external.socket-error');
    });
    socket.on('close', () => {
      this.subscribed = false;
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.pingTimer = null;
      if (this.stopped) return;
      // Un-acked publishes are redelivered by the broker to another member of the share group
      // (or to us after reconnecting); the store's report id makes that idempotent.
      this.reconnectTimer = setTimeout(() => this.connect(), 1000);
    });
  }

  private onPublish(packet: IPublishPacket, send: (p: Record<string, unknown>) => void): void {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (packet.qos === 0) {
      this.handler(packet.topic, payload).catch(() => {});
      return;
    }
    this.inflight++;
    const socketAtReceive = this.socket;
    this.handler(packet.topic, payload).then(
      () => {
        this.inflight--;
        // An ack on a newer connection would acknowledge a different message id.
        if (this.socket === socketAtReceive) send({ cmd: 'puback', messageId: packet.messageId, reasonCode: 0 });
      },
      (err: Error) => {
        this.inflight--;
        this.log.warn({ err: err.message, topic: packet.topic }, 'ingest.external.not-acked');
        // Not acknowledged: drop the connection so the broker redelivers.
        socketAtReceive?.destroy();
      },
    );
  }

  /**
   * Graceful stop: unsubscribe so the broker sends nothing new, let what we hold commit and be
   * acknowledged, then end the session. If something is still unacknowledged after `drainMs`,
   * disconnect keeping the session, so the broker redelivers it.
   */
  async stop(drainMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const s = this.socket;
    if (!s || s.destroyed) return;
    s.write(mqttPacket.generate({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: [this.config.filter] } as Packet, { protocolVersion: 5 }));
    const deadline = Date.now() + drainMs;
    while (this.inflight > 0 && Date.now() < deadline && !s.destroyed) await new Promise((r) => setTimeout(r, 10));
    if (this.pingTimer) clearInterval(this.pingTimer);
    const drained = this.inflight === 0;
    s.write(mqttPacket.generate({ cmd: 'disconnect', reasonCode: 0, properties: drained ? { sessionExpiryInterval: 0 } : {} } as Packet, { protocolVersion: 5 }));
    await new Promise<void>((r) => s.end(() => r()));
    s.destroy();
  }

}
