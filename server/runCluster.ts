import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { workerIndexEnv } from './config/index.js';

/** One forked worker as the primary sees it (node:cluster's Worker; tests pass a fake). */
export interface ClusterWorker {
  readonly pid: number | undefined;
  /** `listening` once its server listens; `exit` when the process has ended. */
  once(event: 'listening', listener: () => void): unknown;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  kill(signal: NodeJS.Signals): void;
}

export interface ClusterOptions {
  /** How many workers (KUAIDAI_WORKERS, ≥ 2). */
  readonly workers: number;
  readonly logger: Logger;
  /** SHUTDOWN_GRACE_MS: each worker's own bound; the primary waits that plus 5 s, then kills what is left. */
  readonly shutdownGraceMs: number;
  /** Environment every worker gets on top of the primary's (the staff command line's token). */
  readonly workerEnv: Readonly<Record<string, string>>;
  /** Forks a worker that runs this entry file (node:cluster by default). */
  readonly fork?: (env: Readonly<Record<string, string>>) => ClusterWorker;
  /** Where SIGTERM and SIGINT are heard (this process by default). */
  readonly signals?: { on(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown };
  /** A worker that ran this long before it died is restarted at once; one that dies sooner waits longer each time. */
  readonly stableAfterMs?: number;
  /** The first wait before restarting a worker that keeps dying; doubled up to `maxRestartDelayMs`. */
  readonly restartDelayMs?: number;
  readonly maxRestartDelayMs?: number;
}

interface Slot {
  readonly index: number;
  worker: ClusterWorker | undefined;
  listening: boolean;
  startedAt: number;
  /** Deaths in a row, each sooner than `stableAfterMs` after its start. */
  failures: number;
  restart: NodeJS.Timeout | undefined;
}

/**
 * The primary of KUAIDAI_WORKERS=N (node:cluster): it opens no database and serves nothing itself;
 * the workers run main.ts's own start-up (bootServer, listen) and share the port, the primary
 * handing each new connection to the next worker.
 *
 * - Worker 1 starts alone and the others once it listens: its boot applies the migrations (under
 *   the schema engine's lock, so the others find nothing to do), and a start-up that fails (a bad
 *   products file, a port in use, a database that never answered) ends the primary with its exit
 *   code instead of N workers failing in a loop.
 * - A worker that dies unexpectedly is restarted: at once if it had run `stableAfterMs`, else after
 *   a wait doubling from `restartDelayMs` to `maxRestartDelayMs`; never during shutdown.
 * - SIGTERM or SIGINT is passed to every worker as SIGTERM (each shuts down gracefully, bounded by
 *   SHUTDOWN_GRACE_MS); the promise resolves once all have exited: 0 when every one exited with 0,
 *   else 1 (also when some were still running `shutdownGraceMs` + 5 s later and were killed).
 *
 * Conversation turns, jobs, the outbox, the deadline sweep and web-chat pushes need nothing from
 * the primary: they cooperate through PostgreSQL as separate instances do (README).
 */
export function runCluster(options: ClusterOptions): Promise<number> {
  const { logger } = options;
  const fork = options.fork ?? forkClusterWorker;
  const signals = options.signals ?? process;
  const stableAfterMs = options.stableAfterMs ?? 10_000;
  const restartDelayMs = options.restartDelayMs ?? 1_000;
  const maxRestartDelayMs = options.maxRestartDelayMs ?? 30_000;
  const slots: Slot[] = Array.from({ length: options.workers }, (_, i) => ({ index: i + 1, worker: undefined, listening: false, startedAt: 0, failures: 0, restart: undefined }));
  let shuttingDown = false;
  let started = false;
  let othersForked = false;
  let failedExit = false;

  return new Promise<number>((resolve) => {
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      for (const slot of slots) clearTimeout(slot.restart);
      resolve(code);
    };
    const finishIfAllExited = () => {
      if (shuttingDown && slots.every((s) => !s.worker)) finish(failedExit ? 1 : 0);
    };

    const start = (slot: Slot) => {
      slot.restart = undefined;
      const worker = fork({ ...options.workerEnv, ...workerIndexEnv(slot.index) });
      slot.worker = worker;
      slot.listening = false;
      slot.startedAt = Date.now();
      worker.once('listening', () => {
        if (slot.worker !== worker) return;
        slot.listening = true;
        logger.info({ worker: slot.index, workerPid: worker.pid }, 'worker listening');
        if (!started && slots.every((s) => s.listening)) logger.info({ workers: options.workers, workerPids: slots.map((s) => s.worker?.pid) }, 'all workers are listening');
        // The first worker migrated the database: the others start now, side by side.
        if (!othersForked && slot.index === 1) {
          othersForked = true;
          for (const other of slots.slice(1)) start(other);
        }
        if (slots.every((s) => s.listening)) started = true;
      });
      worker.once('exit', (code, signal) => {
        if (slot.worker !== worker) return;
        slot.worker = undefined;
        const wasListening = slot.listening;
        slot.listening = false;
        if (shuttingDown) {
          if (code !== 0) failedExit = true;
          logger.info({ worker: slot.index, workerPid: worker.pid, code, signal }, 'worker exited');
          finishIfAllExited();
          return;
        }
        // The first worker could not start: nothing would go better for the others (its own output says why).
        if (slot.index === 1 && !wasListening && !started && slots.every((s) => !s.worker)) {
          logger.error({ worker: slot.index, workerPid: worker.pid, code, signal }, 'the first worker failed to start; stopping');
          finish(code === 0 || code === null ? 1 : code);
          return;
        }
        const stable = wasListening && Date.now() - slot.startedAt >= stableAfterMs;
        slot.failures = stable ? 0 : slot.failures + 1;
        const wait = slot.failures === 0 ? 0 : Math.min(maxRestartDelayMs, restartDelayMs * 2 ** (slot.failures - 1));
        logger.error({ worker: slot.index, workerPid: worker.pid, code, signal, restartInMs: wait }, 'worker died; restarting it');
        slot.restart = setTimeout(() => {
          if (!shuttingDown) start(slot);
        }, wait);
      });
    };

    const shutdown = (signal: 'SIGTERM' | 'SIGINT') => {
      if (shuttingDown) return;
      shuttingDown = true;
      logger.info({ signal }, 'shutting down');
      for (const slot of slots) {
        clearTimeout(slot.restart);
        slot.restart = undefined;
        // SIGTERM whatever the primary heard: a worker's own SIGINT handler does the same (a terminal's Ctrl-C reaches it too).
        slot.worker?.kill('SIGTERM');
      }
      const force = setTimeout(() => {
        const left = slots.filter((s) => s.worker);
        logger.error({ workers: left.map((s) => s.index) }, 'workers still running after the shutdown grace; killing them');
        for (const slot of left) slot.worker?.kill('SIGKILL');
        failedExit = true;
        // Their exits end the wait; should one never report, do not hang.
        setTimeout(() => finish(1), 2_000).unref();
      }, options.shutdownGraceMs + 5_000);
      force.unref();
      finishIfAllExited();
    };
    signals.on('SIGTERM', () => shutdown('SIGTERM'));
    signals.on('SIGINT', () => shutdown('SIGINT'));

    logger.info({ workers: options.workers }, 'starting worker processes (KUAIDAI_WORKERS)');
    start(slots[0]!);
  });
}

/**
 * A node:cluster worker running this process's entry file. Signals go to its process directly:
 * `Worker.kill` would first disconnect it, closing its server under requests still being answered.
 */
function forkClusterWorker(env: Readonly<Record<string, string>>): ClusterWorker {
  const worker = cluster.fork(env);
  return {
    pid: worker.process.pid,
    once(event: 'listening' | 'exit', listener: (...args: never[]) => void) {
      if (event === 'listening') worker.once('listening', () => (listener as () => void)());
      else worker.once('exit', (code: number | null, signal: NodeJS.Signals | null) => (listener as (code: number | null, signal: NodeJS.Signals | null) => void)(code, signal));
      return this;
    },
    kill(signal) {
      worker.process.kill(signal);
    },
  };
}
