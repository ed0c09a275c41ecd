import { parentPort } from 'node:worker_threads';
import { scoreChunk, type ScoreJob } from './scoreChunk.js';

/** The pre-credit scoring thread: scores each chunk it is sent (chunkScorer.ts) and answers with the result. */
parentPort?.on('message', (message: { readonly id: number; readonly job: ScoreJob }) => {
  try {
    parentPort?.postMessage({ id: message.id, ok: true, result: scoreChunk(message.job) });
  } catch (e) {
    parentPort?.postMessage({ id: message.id, ok: false, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});
