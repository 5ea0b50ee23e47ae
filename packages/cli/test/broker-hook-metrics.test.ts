// hexlight_ingest_broker_hook_total is read from the ingest's own counters at scrape time.
import { afterAll, describe, expect, it } from 'vitest';
import { buildHttpApp, createMetrics, silentLogger, systemClock } from '@hexlight/kit';
import { createTestDb } from '@hexlight/store';
import { createIngest, loadIngestConfig, HOOK_PATHS } from '@hexlight/ingest';
import { ingestMetrics } from '../src/observe.ts';

const sample = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);

describe('broker hook metrics', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterAll(async () => { for (const c of closers.reverse()) await c(); });

  it('exposes every action × result and every denial reason, moving with the decisions', async () => {
    const db = await createTestDb();
    closers.push(() => db.close());
    const ingest = createIngest({ db, clock: systemClock, log: silentLogger() }, loadIngestConfig({ INGEST_BROKER_HOOK_TOKEN: 't0ken', INGEST_SERVICE_USERS: 'ingest:pw', INGEST_VERIFY_WORKERS: '0' }));
    const app = await buildHttpApp({ title: 'test', logger: false, plugins: [ingest.routes] });
    closers.push(() => app.close());
    const metrics = createMetrics({ defaultMetrics: false });
    ingestMetrics(metrics, ingest);

    const before = (await metrics.scrape()).body;
    expect(before).toContain('# TYPE hexlight_ingest_broker_hook_total counter');
    for (const action of ['authenticate', 'publish', 'subscribe']) {
      for (const result of ['allow', 'deny']) expect(sample(before, `hexlight_ingest_broker_hook_total{action="${action}",result="${result}"}`)).toBe(0);
    }
    for (const reason of ['bad_token', 'unknown_hotspot', 'client_id_mismatch', 'bad_password', 'acl']) {
      expect(sample(before, `hexlight_ingest_broker_hook_denied_total{reason="${reason}"}`)).toBe(0);
    }

    const headers = { authorization: 'Bearer t0ken' };
    await app.inject({ method: 'POST', url: HOOK_PATHS.authenticate, headers, payload: { clientid: 'c', username: 'ingest', password: 'pw', peerhost: '10.0.0.1' } });
    await app.inject({ method: 'POST', url: HOOK_PATHS.authenticate, headers, payload: { clientid: 'c', username: 'ingest', password: 'no', peerhost: '10.0.0.1' } });
    await app.inject({ method: 'POST', url: HOOK_PATHS.authorize, headers, payload: { clientid: 'x', username: 'y', topic: '#', action: 'subscribe' } });

    const after = (await metrics.scrape()).body;
    expect(sample(after, 'hexlight_ingest_broker_hook_total{action="authenticate",result="allow"}')).toBe(1);
    expect(sample(after, 'hexlight_ingest_broker_hook_total{action="authenticate",result="deny"}')).toBe(1);
    expect(sample(after, 'hexlight_ingest_broker_hook_total{action="subscribe",result="deny"}')).toBe(1);
    expect(sample(after, 'hexlight_ingest_broker_hook_denied_total{reason="bad_password"}')).toBe(1);
    expect(sample(after, 'hexlight_ingest_broker_hook_denied_total{reason="client_id_mismatch"}')).toBe(1);
  });
});
