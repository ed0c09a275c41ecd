import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../threads/index.js';
import { scoreChunk, type ScoreJob, type ScoredChunk } from './scoreChunk.js';

export interface ChunkScorer {
  /** Scores a chunk; chunks sent together are scored one after another, in order. */
  score(job: ScoreJob): Promise<ScoredChunk>;
  /** Where chunks are scored: `worker` (a second thread) or `inline` (this one). */
  readonly where: () => 'worker' | 'inline';
  close(): Promise<void>;
}

/**
 * Scores pre-credit chunks on a worker thread, so the thread that stores them (embedded PGlite runs
 * on the caller's thread) and the scoring use both cores. The worker runs the compiled scoreWorker.js
 * in a build, the TypeScript through tsx from source (workerUrl). If the worker cannot start or
 * dies, chunks are scored inline: slower, the same results.
 */
export function createChunkScorer(options: { readonly worker: boolean }): ChunkScorer {
  let worker: Worker | null = null;
  let failed = !options.worker;
  let nextId = 0;
  const waiting = new Map<number, { job: ScoreJob; resolve: (r: ScoredChunk) => void; reject: (e: Error) => void }>();

  const inline = (job: ScoreJob): Promise<ScoredChunk> => {
    try {
      return Promise.resolve(scoreChunk(job));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  };
  // The worker is gone: what it still owed is scored here.
  const fallBack = () => {
    failed = true;
    worker = null;
    for (const [id, w] of waiting) {
      waiting.delete(id);
      inline(w.job).then(w.resolve, w.reject);
    }
  };

  const start = (): Worker | null => {
    if (failed) return null;
    if (worker) return worker;
    try {
      const w = startWorker(new URL('./scoreWorker.ts', import.meta.url));
      w.on('message', (m: { id: number; ok: true; result: ScoredChunk } | { id: number; ok: false; message: string }) => {
        const entry = waiting.get(m.id);
        if (!entry) return;
        waiting.delete(m.id);
        if (m.ok) entry.resolve(m.result);
        else entry.reject(new Error(`pre-credit scoring failed: ${m.message}`));
      });
      w.on('error', fallBack);
      w.on('exit', () => {
        if (worker === w && waiting.size) fallBack();
        if (worker === w) worker = null;
      });
      worker = w;
      return w;
    } catch {
      failed = true;
      return null;
    }
  };

  return {
    where: () => (failed ? 'inline' : 'worker'),
    score(job) {
      const w = start();
      if (!w) return inline(job);
      return new Promise<ScoredChunk>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { job, resolve, reject });
        try {
          w.postMessage({ id, job });
        } catch {
          // Not cloneable (a product with functions): score here.
          waiting.delete(id);
          inline(job).then(resolve, reject);
        }
      });
    },
    async close() {
      const w = worker;
      worker = null;
      failed = true;
      if (w) await w.terminate();
    },
  };
}
