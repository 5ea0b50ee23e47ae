import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type MetricLabels = Record<string, string>;
/** One unlabelled value, or one value per label set. */
export type MetricSample = number | ReadonlyArray<readonly [MetricLabels, number]>;

/**
 * One Prometheus registry per process (`hexlight up` shares it between every service). Service
 * numbers are read at scrape time from the stats functions the services already keep, so the hot
 * paths carry no metric code: `gauge` and `counter` take a `read` callback.
 */
export interface Metrics {
  readonly registry: Registry;
  /** A value that goes up and down (queue depth, connections), read at scrape time. */
  gauge(name: string, help: string, read: () => MetricSample, labelNames?: string[]): void;
  /** A monotonic total the service already counts (reports stored…), read at scrape time. */
  counter(name: string, help: string, read: () => MetricSample, labelNames?: string[]): void;
  /** HTTP request duration by route and status; the shared HTTP builder observes it. */
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** The exposition text and its content type, for `GET /metrics`. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'hexlight_' });
  const httpDuration = new Histogram({
    name: 'hexlight_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // A failing stats read keeps the previous values: one broken service must not blank the scrape.
  const apply = (metric: Gauge | Counter, read: () => MetricSample, write: (labels: MetricLabels, v: number) => void) => {
    let sample: MetricSample;
    try {
      sample = read();
    } catch {
      return;
    }
    metric.reset();
    if (typeof sample === 'number') write({}, sample);
    else for (const [labels, v] of sample) write(labels, v);
  };
  return {
    registry,
    httpDuration,
    gauge(name, help, read, labelNames = []) {
      new Gauge({
        name, help, labelNames, registers: [registry],
        collect() { apply(this, read, (labels, v) => this.set(labels, v)); },
      });
    },
    counter(name, help, read, labelNames = []) {
      new Counter({
        name, help, labelNames, registers: [registry],
        collect() { apply(this, read, (labels, v) => this.inc(labels, Math.max(0, v))); },
      });
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
