import { Worker, type WorkerOptions } from 'node:worker_threads';
import { workerUrl } from './workerUrl.js';

/**
 * `new Worker` on the worker module `moduleUrl` (`new URL('./someWorker.ts', import.meta.url)`), compiled
 * or from source as workerUrl decides; options (workerData, resourceLimits, …) as for `new Worker`.
 */
export function startWorker(moduleUrl: URL, options?: WorkerOptions): Worker {
  return new Worker(workerUrl(moduleUrl), options);
}
