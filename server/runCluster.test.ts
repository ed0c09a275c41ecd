import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './logging/index.js';
import { runCluster, type ClusterWorker } from './runCluster.js';

/** A worker process the test drives: it listens, dies or exits when told; signals are recorded. */
class FakeWorker extends EventEmitter implements ClusterWorker {
  readonly signals: NodeJS.Signals[] = [];
  constructor(
    readonly pid: number,
    readonly env: Readonly<Record<string, string>>,
  ) {
    super();
  }
  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
  }
  listen(): void {
    this.emit('listening');
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.emit('exit', code, signal);
  }
}

function rig(workers: number, options: { shutdownGraceMs?: number } = {}) {
  const forked: FakeWorker[] = [];
  const signals = new EventEmitter();
  const done = runCluster({
    workers,
    logger: createLogger('silent'),
    shutdownGraceMs: options.shutdownGraceMs ?? 1_000,
    workerEnv: { TOKEN: 't' },
    fork: (env) => {
      const w = new FakeWorker(1000 + forked.length, env);
      forked.push(w);
      return w;
    },
    signals: { on: (signal, listener) => signals.on(signal, listener) },
    stableAfterMs: 10_000,
    restartDelayMs: 1_000,
    maxRestartDelayMs: 4_000,
  });
  let result: number | undefined;
  void done.then((code) => (result = code));
  return { forked, signal: (s: 'SIGTERM' | 'SIGINT') => signals.emit(s), result: () => result, done };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runCluster', () => {
  it('starts worker 1 alone, the others once it listens, each with the workers’ environment and its place', async () => {
    const c = rig(3);
    expect(c.forked).toHaveLength(1);
    c.forked[0]!.listen();
    expect(c.forked).toHaveLength(3);
    expect(c.forked.map((w) => w.env)).toEqual([1, 2, 3].map((i) => ({ TOKEN: 't', KUAIDAI_WORKER_INDEX: String(i) })));
  });

  it('ends with worker 1’s exit code when it cannot start, forking nothing else', async () => {
    const c = rig(2);
    c.forked[0]!.exit(1);
    await settle();
    expect(c.result()).toBe(1);
    expect(c.forked).toHaveLength(1);
  });

  it('restarts a worker that died: at once after a stable run, then with a doubling wait while it keeps dying', async () => {
    const c = rig(2);
    c.forked[0]!.listen();
    c.forked[1]!.listen();
    await vi.advanceTimersByTimeAsync(20_000);
    c.forked[1]!.exit(null, 'SIGKILL');
    await settle();
    expect(c.forked).toHaveLength(3);
    expect(c.forked[2]!.env.KUAIDAI_WORKER_INDEX).toBe('2');
    // Dies at once, again and again: 1 s, 2 s, 4 s, 4 s.
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = c.forked.length;
      c.forked.at(-1)!.exit(1);
      let waited = 0;
      while (c.forked.length === before) {
        await vi.advanceTimersByTimeAsync(250);
        waited += 250;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 4_000]);
    expect(c.result()).toBeUndefined();
  });

  it('on SIGTERM sends SIGTERM to every worker, restarts none, and exits 0 once all exited 0', async () => {
    const c = rig(2);
    c.forked[0]!.listen();
    c.forked[1]!.listen();
    c.signal('SIGTERM');
    expect(c.forked.map((w) => w.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    c.forked[0]!.exit(0);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(c.forked).toHaveLength(2);
    expect(c.result()).toBeUndefined();
    c.forked[1]!.exit(0);
    await settle();
    expect(c.result()).toBe(0);
  });

  it('cancels a pending restart on SIGINT and exits 1 when a worker did not exit cleanly', async () => {
    const c = rig(2);
    c.forked[0]!.listen();
    c.forked[1]!.exit(1); // before it listened: waits 1 s before its restart
    await settle();
    c.signal('SIGINT');
    expect(c.forked[0]!.signals).toEqual(['SIGTERM']);
    c.forked[0]!.exit(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(c.forked).toHaveLength(2);
    expect(c.result()).toBe(1);
  });

  it('kills workers still running past the grace and exits 1', async () => {
    const c = rig(2, { shutdownGraceMs: 1_000 });
    c.forked[0]!.listen();
    c.forked[1]!.listen();
    c.signal('SIGTERM');
    await vi.advanceTimersByTimeAsync(5_999);
    expect(c.forked[0]!.signals).toEqual(['SIGTERM']);
    await vi.advanceTimersByTimeAsync(1);
    expect(c.forked.map((w) => w.signals)).toEqual([['SIGTERM', 'SIGKILL'], ['SIGTERM', 'SIGKILL']]);
    c.forked[0]!.exit(null, 'SIGKILL');
    c.forked[1]!.exit(null, 'SIGKILL');
    await settle();
    expect(c.result()).toBe(1);
  });
});
