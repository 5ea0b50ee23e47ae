import { resolve } from 'node:path';
import { openDb, migrate, type Db } from '@hexlight/store';
import { envString, type Logger } from '@hexlight/kit';

export interface StoreInfo {
  db: Db;
  /** What to print: never the URL itself (it may hold a password). */
  description: string;
}

/** Opens the store the environment names (DATABASE_URL, else PGlite under DATA_DIR) and migrates it. */
export async function openStore(log: Logger, env = process.env): Promise<StoreInfo> {
  const url = envString(env, 'DATABASE_URL');
  const dataDir = resolve(envString(env, 'DATA_DIR', './data'));
  const db = url ? await openDb({ url, log }) : await openDb({ dataDir: resolve(dataDir, 'pglite'), log });
  const result = await migrate(db, { log });
  const where = url ? `PostgreSQL at ${redactUrl(url)}` : `PGlite (embedded) in ${resolve(dataDir, 'pglite')}`;
  return { db, description: `${where}${result.timescale ? ', TimescaleDB on' : ''}` };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Runs `stop` once on SIGINT/SIGTERM; a second signal exits at once. */
export function onShutdown(stop: () => Promise<void>, log: Logger): Promise<void> {
  return new Promise((resolveDone) => {
    let stopping = false;
    const handler = (signal: string) => {
      if (stopping) {
        log.warn({ signal }, 'shutdown.forced');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'shutdown.started');
      stop().then(resolveDone, (err: Error) => {
        log.error({ err: err.message }, 'shutdown.failed');
        resolveDone();
      });
    };
    process.once('SIGINT', () => handler('SIGINT'));
    process.once('SIGTERM', () => handler('SIGTERM'));
  });
}
