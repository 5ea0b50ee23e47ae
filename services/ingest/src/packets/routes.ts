import type { Queryable } from '@hexlight/store';
import type { Logger } from '@hexlight/kit';

export interface DevAddrRoutesConfig {
  /** Reload every range this often (ms), so edits and removals are seen without a miss. */
  refreshMs: number;
  /** At most one reload per this many ms on misses: an unknown DevAddr waits for the next one. */
  missIntervalMs: number;
}

/**
 * DevAddr → organisation, from every `devaddr_ranges` row held in memory as sorted arrays (ranges
 * never overlap: the accounts side checks that when it adds one). Uplinks are routed here, one
 * binary search each. A miss is answered by a reload that starts after the miss arrived, so a
 * range committed a moment before its first packet is found; reloads on misses are spaced at
 * least `missIntervalMs` apart, so a flood of unknown DevAddrs costs one query per interval.
 */
export class DevAddrRoutes {
  private starts = new Float64Array(0);
  private ends = new Float64Array(0);
  private orgs: string[] = [];
  private loadedAt = 0;
  private lastStart = -Infinity;
  /** performance.now() when the last successful reload started. */
  private okStart = -Infinity;
  private loading: Promise<void> | null = null;
  /** Misses wait here while the last reload started less than missIntervalMs ago. */
  private pause: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  readonly stats = { reloads: 0, ranges: 0, failures: 0 };

  constructor(
    private readonly db: Queryable,
    private readonly config: DevAddrRoutesConfig,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => {
      if (Date.now() - this.loadedAt >= this.config.refreshMs) {
        this.reload().catch((err: Error) => this.log.warn({ err: err.message }, 'ingest.routes.reload-failed'));
      }
    }, Math.max(50, Math.min(this.config.refreshMs, 10_000)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The organisation whose range holds `devAddr`, or null once a reload after this call says none does. */
  async route(devAddr: number): Promise<string | null> {
    const hit = this.lookup(devAddr);
    if (hit !== null) return hit;
    await this.reloadAfter(performance.now());
    return this.lookup(devAddr);
  }

  /** The in-memory answer alone (no reload). */
  lookup(devAddr: number): string | null {
    let lo = 0;
    let hi = this.starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= devAddr) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at >= 0 && this.ends[at]! >= devAddr ? this.orgs[at]! : null;
  }

  /**
   * Resolves once a reload that started at or after `since` (performance.now() ms) has succeeded;
   * rejects if that reload fails (an unknown DevAddr must not be refused on a stale table).
   */
  private async reloadAfter(since: number): Promise<void> {
    for (;;) {
      if (this.okStart >= since) return;
      if (this.loading) {
        const current = this.loading;
        if (this.lastStart >= since) return current;
        await current.catch(() => {});
        continue;
      }
      const wait = this.lastStart + this.config.missIntervalMs - performance.now();
      if (wait > 0) {
        await (this.pause ??= new Promise<void>((r) => setTimeout(() => { this.pause = null; r(); }, wait)));
        continue;
      }
      return this.reload();
    }
  }

  private reload(): Promise<void> {
    if (this.loading) return this.loading;
    const started = performance.now();
    this.lastStart = started;
    this.loading = (async () => {
      try {
        const res = await this.db.query<{ start_addr: bigint; end_addr: bigint; org_id: string }>(
          `SELECT start_addr, end_addr, org_id FROM devaddr_ranges ORDER BY start_addr`,
        );
        const n = res.rows.length;
        const starts = new Float64Array(n);
        const ends = new Float64Array(n);
        const orgs = new Array<string>(n);
        res.rows.forEach((r, i) => {
          starts[i] = Number(r.start_addr);
          ends[i] = Number(r.end_addr);
          orgs[i] = r.org_id;
        });
        this.starts = starts;
        this.ends = ends;
        this.orgs = orgs;
        this.loadedAt = Date.now();
        this.okStart = started;
        this.stats.reloads++;
        this.stats.ranges = n;
      } catch (err) {
        this.stats.failures++;
        throw err;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }
}
