import type { HotspotLink, LinkFactory, LinkOptions } from '../src/link.ts';

// An in-memory broker for tests: retained messages, exact and `prefix/#` filters, a log of every
// publish and of every connection's options (password, will).

export interface Published {
  client: string;
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
}

export class FakeBroker {
  readonly published: Published[] = [];
  readonly connections: LinkOptions[] = [];
  readonly retained = new Map<string, Uint8Array>();
  private readonly subscribers = new Map<string, { filters: Set<string>; deliver: (topic: string, payload: Uint8Array) => void; link: FakeLink }>();
  /** Set to make every publish fail (no PUBACK). */
  failPublishes = false;

  readonly links: LinkFactory = async (opts) => {
    this.connections.push(opts);
    const link = new FakeLink(this, opts.address);
    return link;
  };

  /** A publish from the network side (entropy, rejections). */
  inject(topic: string, payload: Uint8Array | string, retain = false): void {
    const bytes = typeof payload === 'string' ? new Uint8Array(Buffer.from(payload)) : payload;
    if (retain) this.retained.set(topic, bytes);
    for (const s of this.subscribers.values()) if ([...s.filters].some((f) => matches(f, topic))) s.deliver(topic, bytes);
  }

  ofTopic(suffix: string): Published[] {
    return this.published.filter((p) => p.topic.endsWith(suffix));
  }

  /** @internal */
  publishFrom(client: string, topic: string, payload: Uint8Array | string, qos: 0 | 1, retain: boolean): void {
    const bytes = typeof payload === 'string' ? new Uint8Array(Buffer.from(payload)) : payload;
    this.published.push({ client, topic, payload: bytes, qos, retain });
    this.inject(topic, bytes, retain);
  }

  /** @internal */
  subscribe(client: string, link: FakeLink, filters: string[], deliver: (topic: string, payload: Uint8Array) => void): void {
    let s = this.subscribers.get(client);
    if (!s) {
      s = { filters: new Set(), deliver, link };
      this.subscribers.set(client, s);
    }
    for (const f of filters) {
      s.filters.add(f);
      for (const [topic, payload] of this.retained) if (matches(f, topic)) queueMicrotask(() => deliver(topic, payload));
    }
  }

  /** @internal */
  drop(client: string): void {
    this.subscribers.delete(client);
  }
}

class FakeLink implements HotspotLink {
  connected = true;
  private handler: ((topic: string, payload: Uint8Array) => void) | null = null;

  constructor(private readonly broker: FakeBroker, private readonly client: string) {}

  async publish(topic: string, payload: Uint8Array | string, opts: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    if (!this.connected) throw new Error('not connected');
    if (this.broker.failPublishes) throw new Error('no PUBACK');
    this.broker.publishFrom(this.client, topic, payload, opts.qos, opts.retain ?? false);
  }

  async subscribe(filters: Record<string, { qos: 0 | 1 }>): Promise<void> {
    this.broker.subscribe(this.client, this, Object.keys(filters), (t, p) => this.handler?.(t, p));
  }

  onMessage(handler: (topic: string, payload: Uint8Array) => void): void {
    this.handler = handler;
  }

  onReconnect(): void {}

  async end(): Promise<void> {
    this.connected = false;
    this.broker.drop(this.client);
  }
}

function matches(filter: string, topic: string): boolean {
  if (filter.endsWith('/#')) return topic.startsWith(filter.slice(0, -1));
  return filter === topic;
}
