import { startTsWorker } from '@hexlight/kit';
import { checkReport, type CheckableKind } from './check.ts';
import type { CheckOutcome } from './records.ts';

export interface VerifyJob {
  kind: CheckableKind;
  payload: Uint8Array;
  address: string;
  keyBinary: Uint8Array;
}

export interface Verifier {
  check(job: VerifyJob): Promise<CheckOutcome>;
  close(): Promise<void>;
}

/** Checks inline on the calling thread (tests, tiny deployments, `INGEST_VERIFY_WORKERS=0`). */
export function inlineVerifier(): Verifier {
  return {
    check: (j) => Promise.resolve(checkReport(j.kind, j.payload, j.address, j.keyBinary)),
    close: async () => {},
  };
}

interface Pending {
  jobs: VerifyJob[];
  resolvers: ((o: CheckOutcome) => void)[];
  rejecters: ((err: Error) => void)[];
}

/**
 * A pool of worker threads. Jobs are gathered for one macrotask and sent as one message per
 * worker, so the postMessage cost is paid per batch, not per report.
 */
export function workerVerifier(workers: number): Verifier {
  const url = new URL('./verify-worker.ts', import.meta.url);
  const pool = Array.from({ length: workers }, () => {
    const w = startTsWorker(url);
    w.unref();
    return { worker: w, inflight: new Map<number, Pending>(), load: 0 };
  });
  let nextBatch = 1;
  let gathering: Pending | null = null;
  let failure: Error | null = null;
  let closing = false;

  for (const slot of pool) {
    slot.worker.on('message', (msg: { batch: number; outcomes: CheckOutcome[] }) => {
      const p = slot.inflight.get(msg.batch);
      if (!p) return;
      slot.inflight.delete(msg.batch);
      slot.load -= p.jobs.length;
      msg.outcomes.forEach((o, i) => p.resolvers[i]!(o));
    });
    // A dead worker fails what it held (those reports are not acknowledged, so they are resent)
    // and every later check: ingest then closes connections instead of hanging them.
    const fail = (err: Error) => {
      failure = err;
      for (const p of slot.inflight.values()) p.rejecters.forEach((r) => r(err));
      slot.inflight.clear();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => { if (!closing) fail(new Error(`verify worker exited with code ${code}`)); });
  }

  function dispatch(): void {
    const p = gathering;
    if (!p) return; // already sent because it filled up
    gathering = null;
    const slot = pool.reduce((a, b) => (b.load < a.load ? b : a));
    const batch = nextBatch++;
    slot.inflight.set(batch, p);
    slot.load += p.jobs.length;
    slot.worker.postMessage({ batch, jobs: p.jobs });
  }

  return {
    check(job) {
      if (failure) return Promise.reject(failure);
      return new Promise<CheckOutcome>((resolve, reject) => {
        if (!gathering) {
          gathering = { jobs: [], resolvers: [], rejecters: [] };
          setImmediate(dispatch);
        }
        gathering.jobs.push(job);
        gathering.resolvers.push(resolve);
        gathering.rejecters.push(reject);
        // Large bursts: send now instead of waiting for the macrotask.
        if (gathering.jobs.length >= 256) dispatch();
      });
    },
    async close() {
      closing = true;
      await Promise.all(pool.map((s) => s.worker.terminate()));
    },
  };
}
