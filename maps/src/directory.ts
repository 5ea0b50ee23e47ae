import { cellToLatLng, isValidCell } from 'h3-js';
import type { Db } from '@hexlight/store';

export interface HotspotInfo { address: string; lat: number; lng: number; online: boolean; lastSeenAt: Date | null; location: string }

/**
 * Asserted hotspot positions from the registry (services/ingest's `hotspots` table), cached and
 * re-read every `maxAgeMs` (wall time: cache freshness, not network time).
 */
export function createHotspotDirectory(db: Db, nowMs: () => number, maxAgeMs = 30_000) {
  let byAddress = new Map<string, HotspotInfo>();
  let loadedAt = -Infinity;
  let loading: Promise<void> | undefined;
  type Row = { address: string; location: string | null; online: boolean; last_seen_at: Date | null };
  const put = (into: Map<string, HotspotInfo>, rows: Row[]) => {
    for (const r of rows) {
      if (!r.location || !isValidCell(r.location)) continue;
      const [lat, lng] = cellToLatLng(r.location);
      into.set(r.address, { address: r.address, lat, lng, online: r.online, lastSeenAt: r.last_seen_at, location: r.location });
    }
  };
  const load = (): Promise<void> => {
    loading ??= (async () => {
      const rows = await db.query<Row>('SELECT address, location, online, last_seen_at FROM hotspots WHERE location IS NOT NULL');
      const next = new Map<string, HotspotInfo>();
      put(next, rows.rows);
      byAddress = next;
      loadedAt = nowMs();
    })().finally(() => { loading = undefined; });
    return loading;
  };
  return {
    /** Refreshes when stale; addresses not cached yet are looked up one by one (newly asserted hotspots). */
    async ensure(addresses: string[] = []): Promise<void> {
      if (nowMs() - loadedAt > maxAgeMs) await load();
      const missing = addresses.filter((a) => !byAddress.has(a));
      if (missing.length === 0) return;
      const rows = await db.query<Row>('SELECT address, location, online, last_seen_at FROM hotspots WHERE address = ANY($1::text[]) AND location IS NOT NULL', [missing]);
      put(byAddress, rows.rows);
    },
    locate: (address: string): { lat: number; lng: number } | undefined => byAddress.get(address),
    all: (): HotspotInfo[] => [...byAddress.values()],
    refresh: load,
  };
}
export type HotspotDirectory = ReturnType<typeof createHotspotDirectory>;
