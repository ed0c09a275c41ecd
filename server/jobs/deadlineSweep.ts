import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { JobRunner } from './jobRunner.js';
import type { RunSummary, Scheduler } from './scheduler.js';

/** The one pg-boss queue that fires the due-at rows of our Job table. */
export const DEADLINE_SWEEP_QUEUE = 'deadline.sweep';
/** The heartbeat: a sweep every minute whatever happened, so a lost chain costs at most a minute. */
export const DEADLINE_SWEEP_CRON = '* * * * *';
/** The longest a sweep waits for the next one when nothing is due sooner. */
const MAX_GAP_MS = 60_000;
// Singleton keys on the `short` queue: one queued follow-up of the chain, one queued wake-up.
const NEXT_KEY = 'next';
const WAKE_KEY = 'wake';
/** After a failed sweep: the first wait before queueing another, and the longest. */
const REQUEUE_FIRST_MS = 500;
const REQUEUE_MAX_MS = 10_000;

/**
 * DECISION: conversation deadlines (offer and OTP expiry, nudges, hand-off timeouts), the work-order
 * warnings and escalations and the self-rescheduling payment recovery round STAY due-at rows in our
 * Job table, and this one pg-boss queue fires them. Why not a pg-boss job per deadline:
 *  - a conversation turn stores its snapshot, messages, replies and deadline rows in ONE statement
 *    (server/runtime/conversationStore.ts); a pg-boss send would be a second write outside it (and on
 *    PGlite a send inside a Prisma transaction deadlocks);
 *  - rows are compared against the INJECTED clock — a manual clock in tests, the sandbox's demo clock
 *    shifted by days — while pg-boss compares `startAfter` with the database's own time.
 *
 * How it stays punctual without polling every second: a sweep runs `Scheduler.runDue(clock.now())`,
 * then queues the next sweep for when the next row comes due (at most 60 s ahead, at least
 * `minGapMs` — the responsive interval while rows are due now or soon), under one singleton key so
 * only one waits. A pg-boss cron every minute is the heartbeat. A turn that writes a deadline
 * sooner than the queued sweep, and a clock moved by the demo, `wake()` a sweep at once.
 */
export class DeadlineSweep {
  /** Wall time (ms) of the sweep this process last queued; a deadline due before it wakes one. */
  private plannedAt = Number.POSITIVE_INFINITY;
  /** A failed sweep's re-queue loop is running (requeueAfterFailure). */
  private requeueing = false;

  constructor(
    private readonly options: {
      readonly runner: JobRunner;
      readonly scheduler: Scheduler;
      readonly clock: Clock;
      readonly logger: Logger;
      /** The responsive interval: the soonest a sweep follows another (JOBS_POLL_MS, ≥ 500 ms). */
      readonly minGapMs: number;
    },
  ) {}

  /** Declares the queue, its worker and its heartbeat on the runner (before it starts). */
  register(): this {
    const pollSeconds = Math.max(0.5, Math.min(2, this.options.minGapMs / 1_000));
    this.options.runner.cron(DEADLINE_SWEEP_QUEUE, DEADLINE_SWEEP_CRON, () => this.sweep(), {
      // One queued sweep per key: a burst of wake-ups is one sweep. A failed sweep (the database is down)
      // is retried soon; the heartbeat restarts the chain whatever happens.
      policy: 'short',
      retryLimit: 2,
      retryDelaySeconds: 1,
      retryBackoff: true,
      retryDelayMaxSeconds: 10,
      expireInSeconds: 300,
      keepSeconds: 3_600,
      pollSeconds,
    });
    return this;
  }

  /**
   * Fires every row due now, then queues the next sweep. The worker's handler; also callable directly.
   * A sweep the database failed under queued no next one, and pg-boss may not be able to record its
   * failure either (then it retries only when the attempt expires): this process queues a sweep
   * itself as soon as the database takes one, rather than leave due rows (a payment recovery round)
   * to the next heartbeat.
   */
  async sweep(): Promise<RunSummary> {
    const { scheduler, clock } = this.options;
    try {
      const summary = await scheduler.runDue(clock.now());
      await this.planNext();
      return summary;
    } catch (e) {
      this.requeueAfterFailure();
      throw e;
    }
  }

  /** A sweep as soon as the worker polls: after a turn wrote a deadline sooner than the queued sweep, or the clock moved. */
  async wake(): Promise<void> {
    if (!this.options.runner.running) return;
    this.plannedAt = Date.now();
    await this.options.runner.send(DEADLINE_SWEEP_QUEUE, {}, { singletonKey: WAKE_KEY });
  }

  /** After a turn stored deadline rows: wakes a sweep only if one is due before the sweep already queued. */
  async deadlinesWritten(dueAt: readonly Date[]): Promise<void> {
    if (!this.options.runner.running || !dueAt.length) return;
    const soonest = Math.min(...dueAt.map((d) => d.getTime())) - this.options.clock.now().getTime() + Date.now();
    if (soonest >= this.plannedAt) return;
    if (soonest - Date.now() > this.options.minGapMs) await this.queueAt(soonest);
    else await this.wake();
  }

  /** Tries `wake()` after 0.5 s, then backing off up to 10 s, until one is queued or the runner stops. One loop at a time. */
  private requeueAfterFailure(): void {
    if (this.requeueing) return;
    this.requeueing = true;
    const attempt = (delayMs: number) =>
      setTimeout(() => {
        this.wake().then(
          () => (this.requeueing = false),
          () => attempt(Math.min(REQUEUE_MAX_MS, delayMs * 2)),
        );
      }, delayMs).unref();
    attempt(REQUEUE_FIRST_MS);
  }

  private async planNext(): Promise<void> {
    const { scheduler, clock, runner, minGapMs } = this.options;
    if (!runner.running) return;
    const next = await scheduler.nextDueAt();
    const inMs = next === undefined ? MAX_GAP_MS : Math.min(MAX_GAP_MS, Math.max(minGapMs, next.getTime() - clock.now().getTime()));
    await this.queueAt(Date.now() + inMs);
  }

  /** Queues the chain's next sweep at `atMs` (wall time), or moves the one waiting earlier. */
  private async queueAt(atMs: number): Promise<void> {
    const { runner } = this.options;
    const at = new Date(atMs);
    const id = await runner.send(DEADLINE_SWEEP_QUEUE, {}, { singletonKey: NEXT_KEY, startAfter: at });
    if (!id) {
      // One is waiting already (this process or another queued it): earlier wins.
      const waiting = await runner.queuedAt(DEADLINE_SWEEP_QUEUE, NEXT_KEY);
      if (waiting && waiting.getTime() > atMs) await runner.reschedule(DEADLINE_SWEEP_QUEUE, NEXT_KEY, at);
      else if (waiting) atMs = waiting.getTime();
    }
    this.plannedAt = atMs;
  }
}
