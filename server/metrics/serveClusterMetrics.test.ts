import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveClusterMetrics } from './index.js';

const workerScript = path.resolve(import.meta.dirname, '../../test/support/metricsClusterWorker.ts');
const workers: Worker[] = [];

afterAll(async () => {
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : (w.once('exit', () => resolve()), w.disconnect())))));
});

describe('serveClusterMetrics (the cluster primary)', () => {
  it("serves the sum of its workers' metrics on its own port", async () => {
    expect(cluster.isPrimary).toBe(true);
    cluster.setupPrimary({ exec: workerScript, execArgv: ['--import', 'tsx'], silent: true });
    for (const turns of [2, 3]) {
      const worker = cluster.fork({ METRICS_TEST_TURNS: String(turns) });
      workers.push(worker);
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('exit', (code) => reject(new Error(`metrics worker exited with ${code}`)));
      });
    }
    const server = await serveClusterMetrics(0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/^kuaidai_conversation_turns_total\{channel="rest",kind="message",outcome="ok"\} 5$/m);
      expect(text).toMatch(/^kuaidai_conversation_turn_duration_seconds_count\{channel="rest",kind="message"\} 5$/m);
      expect(text).toMatch(/^kuaidai_effects_total\{effect="sendOtp",result="error"\} 2$/m);
      // Node's metrics of both workers: the event-loop lag averaged, not summed.
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  }, 60_000);
});
