import type { Clock, Logger } from '@hexlight/kit';
import type { Db } from '@hexlight/store';
import type { MapsConfig } from './config.ts';
import type { HotspotDirectory } from './directory.ts';
import type { MapperIngest } from './mappers.ts';
import type { RateLimiter } from './ratelimit.ts';
import type { MapsApiStats } from './billing.ts';

/** What every route plugin of maps/ shares. */
export interface MapsContext {
  db: Db;
  clock: Clock;
  log: Logger;
  config: Readonly<MapsConfig>;
  directory: HotspotDirectory;
  ingest: MapperIngest;
  keyLimiter: RateLimiter;
  publicLimiter: RateLimiter;
  /** Coverage API usage counters (read by /metrics). */
  api: MapsApiStats;
  /** ms of the last recorded measurement or estimate refresh (the web map polls it). */
  state: { lastUpdateMs: number };
}
