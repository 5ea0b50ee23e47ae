import type { Queryable } from '@hexlight/store';

/**
 * DevEUI → organisation for join requests (`devices`). Known devices are cached for `ttlMs` (a
 * device moved to another organisation is seen within that time); unknown ones are never cached,
 * so a device registered a moment ago is found on its first join. Lookups that arrive in the same
 * macrotask share one query, so a burst of joins from unknown devices costs one round trip.
 */
export class DeviceDirectory {
  private known = new Map<string, { org: string; until: number }>();
  private gathering: Map<string, ((org: string | null) => void)[]> | null = null;
  private failures: Map<string, ((err: Error) => void)[]> | null = null;

  constructor(
    private readonly db: Queryable,
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 1_000_000,
  ) {}

  orgOf(devEui: string): Promise<string | null> {
    const hit = this.known.get(devEui);
    if (hit && hit.until > Date.now()) return Promise.resolve(hit.org);
    return new Promise((resolve, reject) => {
      if (!this.gathering) {
        this.gathering = new Map();
        this.failures = new Map();
        setImmediate(() => void this.flush());
      }
      const waiting = this.gathering.get(devEui);
      if (waiting) {
        waiting.push(resolve);
        this.failures!.get(devEui)!.push(reject);
      } else {
        this.gathering.set(devEui, [resolve]);
        this.failures!.set(devEui, [reject]);
      }
    });
  }

  private async flush(): Promise<void> {
    const gathered = this.gathering!;
    const failures = this.failures!;
    this.gathering = null;
    this.failures = null;
    const euis = [...gathered.keys()];
    try {
      const res = await this.db.query<{ dev_eui: string; org_id: string }>(`SELECT dev_eui, org_id FROM devices WHERE dev_eui = ANY($1::text[])`, [euis]);
      const found = new Map(res.rows.map((r) => [r.dev_eui, r.org_id]));
      if (this.known.size + found.size > this.maxEntries) this.known.clear();
      const until = Date.now() + this.ttlMs;
      for (const [eui, org] of found) this.known.set(eui, { org, until });
      for (const [eui, resolvers] of gathered) for (const r of resolvers) r(found.get(eui) ?? null);
    } catch (err) {
      for (const rejecters of failures.values()) for (const r of rejecters) r(err as Error);
    }
  }
}
