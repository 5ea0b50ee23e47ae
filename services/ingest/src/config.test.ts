import { describe, expect, it } from 'vitest';
import { HexlightError } from '@hexlight/kit';
import { DEFAULT_PACKET_DEDUP_WINDOW_MS, loadIngestConfig } from './config.ts';

describe('ingest packet settings', () => {
  it('defaults to Helium\'s 30-minute multi-buy window, one metering transaction in flight', () => {
    const c = loadIngestConfig({});
    expect(DEFAULT_PACKET_DEDUP_WINDOW_MS).toBe(1_800_000);
    expect(c.packets).toEqual({ dedupWindowMs: 1_800_000, routesRefreshMs: 60_000, routesMissIntervalMs: 250, writeConcurrency: 1 });
    expect(loadIngestConfig({ INGEST_PACKET_DEDUP_WINDOW_MS: '500', INGEST_ROUTES_MISS_INTERVAL_MS: '0' }).packets).toMatchObject({ dedupWindowMs: 500, routesMissIntervalMs: 0 });
  });

  for (const [name, value] of [['INGEST_PACKET_DEDUP_WINDOW_MS', '0'], ['INGEST_PACKET_DEDUP_WINDOW_MS', 'soon'], ['INGEST_ROUTES_REFRESH_MS', '10'], ['INGEST_PACKET_WRITE_CONCURRENCY', '0']] as const) {
    it(`refuses ${name}=${value} with CONFIG_INVALID naming the variable`, () => {
      let err: unknown;
      try {
        loadIngestConfig({ [name]: value });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HexlightError);
      expect((err as HexlightError).code).toBe('CONFIG_INVALID');
      expect((err as HexlightError).message).toContain(name);
    });
  }
});
