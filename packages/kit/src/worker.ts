import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * tsx's register API as an absolute URL, resolved from this package: an eval'd worker resolves
 * bare specifiers from the process's working directory, so `import('tsx/esm/api')` would fail
 * when `hexlight` runs from any directory without tsx under it.
 */
const TSX_API = import.meta.resolve('tsx/esm/api');

/**
 * Starts a worker thread from a TypeScript module. Sources run through tsx; a worker's entry is
 * loaded before `--import` hooks apply, so a tiny JS bootstrap registers tsx, then imports it.
 */
export function startTsWorker(moduleUrl: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const bootstrap = `import(${JSON.stringify(TSX_API)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
