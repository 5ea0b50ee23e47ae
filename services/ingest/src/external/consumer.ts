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
  /** How long the broker keeps the session (its subscription and queued messages) while nobody holds it. */
  sessionExpirySeconds: number;
  /** Set for `mqtts://`: the connection is TLS with these options (CA, client certificate, servername). */
  tls?: tls.ConnectionOptions | undefined;
}

export interface ConsumerHooks {
  /**
   * Asked before every reconnect: false when this process no longer owns the session (its claim
   * in PostgreSQL is gone), so two processes never fight over one client id.
   */
  mayReconnect?: () => Promise<boolean>;
  /** The consumer gave up the session (mayReconnect said no); it will not reconnect. */
  onLost?: () => void;
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
  /** Releasing: publishes that arrive now are left unacknowledged for the session's next holder. */
  private draining = false;
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
    private readonly hooks: ConsumerHooks = {},
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
        // A persistent session: whoever resumes it next (this process after a reconnect, or another
        // worker after this one died) is redelivered what we never acknowledged.
        properties: { receiveMaximum: this.config.receiveMaximum, sessionExpiryInterval: this.config.sessionExpirySeconds },
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
          if (packet.sessionPresent) this.log.info({ clientId: this.config.clientId }, 'ingest.external.session-resumed');
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
        case 'disconnect':
          // MQTT 5 brokers say why they drop us; 0x8E = another connection took the session over.
          this.log.warn({ clientId: this.config.clientId, reasonCode: packet.reasonCode }, 'ingest.external.disconnected-by-broker');
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
      // Un-acked publishes stay in the session and are redelivered to whoever resumes it (us after
      // reconnecting); the store's report id makes that idempotent.
      this.reconnectTimer = setTimeout(() => void this.reconnect(), 1000);
    });
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    const allowed = await (this.hooks.mayReconnect?.() ?? Promise.resolve(true)).catch(() => false);
    if (this.stopped) return;
    if (!allowed) {
      this.stopped = true;
      this.log.warn({ clientId: this.config.clientId }, 'ingest.external.session-lost');
      this.hooks.onLost?.();
      return;
    }
    this.connect();
  }

  private onPublish(packet: IPublishPacket, send: (p: Record<string, unknown>) => void): void {
    // Releasing: not handled, not acknowledged; the session's next holder gets it redelivered.
    if (this.draining) return;
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
   * Hands the session back: what arrives from now on is left unacknowledged (the broker keeps it
   * in the session), what we hold commits and is acknowledged, then we disconnect and the session
   * stays on the broker for its next holder, another worker or our successor. If something is
   * still unacknowledged after `drainMs` it is redelivered to that holder; report ids make the
   * second delivery a duplicate.
   */
  async release(opts: { drainMs?: number } = {}): Promise<void> {
    this.stopped = true;
    this.draining = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const s = this.socket;
    if (!s || s.destroyed) return;
    const deadline = Date.now() + (opts.drainMs ?? 10_000);
    while (this.inflight > 0 && Date.now() < deadline && !s.destroyed) await new Promise((r) => setTimeout(r, 10));
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (!s.destroyed) {
      s.write(mqttPacket.generate({ cmd: 'disconnect', reasonCode: 0, properties: {} } as Packet, { protocolVersion: 5 }));
      await new Promise<void>((r) => s.end(() => r()));
    }
    s.destroy();
  }
}
