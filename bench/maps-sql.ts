import type { Db } from '@hexlight/store';
import { queryHexes } from '@hexlight/maps';

/** The hex page's SQL alone, `n` times: the store's share of a hexes request. */
export async function queryHexesForBench(db: Db, cells: bigint[], fromMs: number, toMs: number, n: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await queryHexes(db, { res: 9, cells, window: { fromMs, toMs }, after: null, limit: 1000, source: 'all', asOfMs: toMs });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n * 0.5)]!, p99: times[Math.min(n - 1, Math.floor(n * 0.99))]! };
}
