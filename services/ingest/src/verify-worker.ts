// Runs checkReport off the main thread: signature checks are the ingest hot path (~0.1 ms each).
import { parentPort } from 'node:worker_threads';
import { checkReport } from './check.ts';
import type { VerifyJob } from './verify-pool.ts';

parentPort!.on('message', (msg: { batch: number; jobs: VerifyJob[] }) => {
  const outcomes = msg.jobs.map((j) => checkReport(j.kind, j.payload, j.address, j.keyBinary));
  parentPort!.postMessage({ batch: msg.batch, outcomes });
});
