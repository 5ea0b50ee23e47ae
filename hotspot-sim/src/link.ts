import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { defineError, type BrokerTlsOptions } from '@hexlight/kit';

// The narrow MQTT surface a simulated hotspot needs (STYLE.md §6), with its mqtt.js adapter
// (`mqttLinks(url)`), which the fleet and the tests use against a real broker.

export interface LinkOptions {
  /** clientId and username (spec/wire.md §2). */
  address: string;
  /** A fresh connect token; called again before every reconnect (a token is valid ±300 s). */
  password: () => string;
  will: { topic: string; payload: string; qos: 0 | 1; retain: boolean };
  /** Errors after the first connection (e.g. a refused reconnect); the link keeps retrying. */
  onError?: (err: Error) => void;
}

export interface HotspotLink {
  readonly connected: boolean;
  /** Resolves once the broker acknowledged (QoS 1) or the packet was written (QoS 0). */
  publish(topic: string, payload: Uint8Array | string, opts: { qos: 0 | 1; retain?: boolean }): Promise<void>;
  subscribe(filters: Record<string, { qos: 0 | 1 }>): Promise<void>;
  onMessage(handler: (topic: string, payload: Uint8Array) => void): void;
  /** Called after every reconnection (not the first connection). */
  onReconnect(handler: () => void): void;
  /** Clean disconnect; the will is not sent. */
  end(): Promise<void>;
}

export type LinkFactory = (opts: LinkOptions) => Promise<HotspotLink>;

export const MqttConnectFailed = defineError('SIM_MQTT_CONNECT_FAILED', 'a simulated hotspot could not connect to the broker', { httpStatus: 502 });

export interface MqttLinkSettings {
  /** Give up on the first connection after this long; default 30 s. */
  connectTimeoutMs?: number;
  /** Wait between reconnection attempts; default 2 s. */
  reconnectPeriodMs?: number;
  /** How long `end()` waits for in-flight messages before forcing the socket closed; default 5 s. */
  endTimeoutMs?: number;
  /** mqtts://: CA, client certificate, servername (kit `brokerTlsOptions` from BROKER_TLS_*). */
  tls?: BrokerTlsOptions | undefined;
}

/** Links over mqtt.js to `url` (mqtt://, mqtts://), MQTT 3.1.1 so both the embedded and external brokers accept them. */
export function mqttLinks(url: string, settings: MqttLinkSettings = {}): LinkFactory {
  const connectTimeoutMs = settings.connectTimeoutMs ?? 30_000;
  const endTimeoutMs = settings.endTimeoutMs ?? 5_000;
  return (opts) => new Promise<HotspotLink>((resolve, reject) => {
    const options: IClientOptions = {
      clientId: opts.address,
      username: opts.address,
      password: opts.password(),
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      reconnectPeriod: settings.reconnectPeriodMs ?? 2_000,
      connectTimeout: Math.min(connectTimeoutMs, 30_000),
      will: { topic: opts.will.topic, payload: Buffer.from(opts.will.payload), qos: opts.will.qos, retain: opts.will.retain },
      ...settings.tls,
    };
    const client = connect(url, options);
    // The token in the first CONNECT goes stale; sign a new one for each attempt.
    client.on('reconnect', () => {
      client.options.password = opts.password();
    });
    let settled = false;
    const fail = (cause: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end(true);
      reject(MqttConnectFailed(`${opts.address} could not connect to ${redact(url)}: ${cause instanceof Error ? cause.message : String(cause)}`, { address: opts.address }, cause));
    };
    const timer = setTimeout(() => fail(new Error(`no CONNACK within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    // A refused CONNACK (bad token, unknown hotspot) arrives as 'error'; retrying would not help.
    client.once('error', fail);
    client.once('connect', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.off('error', fail);
      // Later errors (e.g. a refused reconnect) go to the owner; mqtt.js keeps reconnecting. Once
      // the link is ending, a QoS 1 message still arriving makes mqtt.js write its PUBACK to the
      // closed stream ("write after end"): nothing the owner can act on.
      const link = wrap(client, endTimeoutMs);
      client.on('error', (err) => {
        if (!link.ending) opts.onError?.(err);
      });
      resolve(link);
    });
  });
}

function wrap(client: MqttClient, endTimeoutMs: number): HotspotLink & { readonly ending: boolean } {
  const reconnectHandlers: (() => void)[] = [];
  let ending = false;
  // Publishes mqtt.js still holds for a resend; ending the link settles them, or a stop after a
  // broker outage would wait forever (mqtt.js never calls back for a queue it dropped).
  const outstanding = new Set<(err: Error) => void>();
  client.on('connect', () => {
    for (const h of reconnectHandlers) h();
  });
  return {
    get connected() {
      return client.connected;
    },
    get ending() {
      return ending;
    },
    publish(topic, payload, opts) {
      return new Promise<void>((resolve, reject) => {
        outstanding.add(reject);
        const body = typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
        client.publish(topic, body, { qos: opts.qos, retain: opts.retain ?? false }, (err) => {
          outstanding.delete(reject);
          if (err) reject(err);
          else resolve();
        });
      });
    },
    async subscribe(filters) {
      const granted = await client.subscribeAsync(filters);
      const refused = granted.filter((g) => g.qos === 128);
      if (refused.length > 0) throw new Error(`subscription refused: ${refused.map((g) => g.topic).join(', ')}`);
    },
    onMessage(handler) {
      client.on('message', (topic, payload) => handler(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength)));
    },
    onReconnect(handler) {
      reconnectHandlers.push(handler);
    },
    async end() {
      ending = true;
      await new Promise<void>((resolve) => {
        // Disconnected: nothing can be flushed, so do not wait for it.
        const graceMs = client.connected ? endTimeoutMs : 0;
        const force = setTimeout(() => {
          client.end(true);
          resolve();
        }, graceMs);
        client.end(false, () => {
          clearTimeout(force);
          resolve();
        });
      });
      const closed = new Error('link closed before the broker acknowledged');
      for (const reject of outstanding) reject(closed);
      outstanding.clear();
    },
  };
}

/** A broker URL without credentials or path, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '<invalid url>';
  }
}
