/** One readiness check: resolves when the dependency is usable, throws (or times out) otherwise. */
export type ReadinessCheck = () => Promise<unknown> | unknown;

export interface CheckResult {
  ok: boolean;
  error?: string;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready' | 'shutting_down';
  checks: Record<string, CheckResult>;
}

/**
 * What `/readyz` answers: every registered check passes and the process is not shutting down.
 * `/healthz` stays 200 while the process runs; a supervisor restarts on `/healthz` and routes
 * traffic on `/readyz`.
 */
export interface Readiness {
  add(name: string, check: ReadinessCheck): void;
  /** From now on not ready, so balancers stop sending work while in-flight work drains. */
  shutdown(): void;
  report(): Promise<ReadinessReport>;
}

export function createReadiness(opts: { timeoutMs?: number } = {}): Readiness {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const checks = new Map<string, ReadinessCheck>();
  let shuttingDown = false;
  const run = async (check: ReadinessCheck): Promise<CheckResult> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(check),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
      ]);
      return { ok: true };
    } catch (err) {
      // The message only (driver errors name hosts and codes, never the connection string's password).
      return { ok: false, error: String((err as Error)?.message ?? err).slice(0, 200) };
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    add(name, check) {
      checks.set(name, check);
    },
    shutdown() {
      shuttingDown = true;
    },
    async report() {
      const names = [...checks.keys()];
      const results = await Promise.all(names.map((n) => run(checks.get(n)!)));
      const out = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
      const status = shuttingDown ? 'shutting_down' : results.every((r) => r.ok) ? 'ready' : 'not_ready';
      return { status, checks: out };
    },
  };
}

/** The store answers `SELECT 1`. */
export function sqlCheck(db: { query(sql: string): Promise<unknown> }): ReadinessCheck {
  return () => db.query('SELECT 1');
}

/** Throws `what` unless `ok()`. */
export function flagCheck(ok: () => boolean, what: string): ReadinessCheck {
  return () => {
    if (!ok()) throw new Error(what);
  };
}
