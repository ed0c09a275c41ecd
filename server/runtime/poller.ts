import type { Logger } from 'pino';
import { databaseFault } from '../errors.js';

export interface BackoffOptions {
  /** What is retried, for the log: "outbox poll", "push signal", "job runner". */
  readonly what: string;
  readonly logger: Logger;
  /** The first wait after a failure. */
  readonly baseMs: number;
  /** The longest wait between two attempts. */
  readonly maxMs: number;
}

/**
 * Retrying work that needs the database: while it keeps failing the wait doubles from `baseMs` up to
 * `maxMs`, and the log says so twice per outage, when it begins (warn) and when it is over (info),
 * not on every attempt.
 */
export class OutageBackoff {
  private failures = 0;
  private since = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** Failed attempts since the last success. */
  get failing(): number {
    return this.failures;
  }

  /** After a failed attempt: the wait before the next one. The first failure of an outage is logged. */
  failed(error: unknown): number {
    const { what, logger, baseMs, maxMs } = this.options;
    if (this.failures++ === 0) {
      this.since = Date.now();
      const fault = databaseFault(error);
      // A database fault is expected to pass: its reason says enough. Anything else may be a bug: its stack.
      if (fault) logger.warn({ code: 'DB_UNAVAILABLE', reason: fault.reason, err: (error as Error).message }, `${what} failed: database unavailable; retrying with backoff until it recovers`);
      else logger.error({ err: error }, `${what} failed; retrying with backoff until it recovers`);
    }
    return Math.min(maxMs, baseMs * 2 ** Math.min(this.failures - 1, 30));
  }

  /**
   * After a successful attempt: ends an outage (logged once). `startedAt` (ms since the epoch): when
   * that attempt began; one begun before the outage's first failure proves nothing of its end.
   */
  succeeded(startedAt?: number): void {
    if (this.failures === 0) return;
    if (startedAt !== undefined && startedAt < this.since) return;
    this.options.logger.info({ failures: this.failures, outageMs: Date.now() - this.since }, `${this.options.what} recovered`);
    this.failures = 0;
  }
}

/**
 * Runs `run` every `pollMs` until stopped, one run at a time; a failing run is retried with backoff
 * (the poll interval doubling up to `maxBackoffMs`) and logged once per outage. The outbox polls
 * through it (jobs run on the job runner, server/jobs/jobRunner.ts).
 */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  private readonly backoff: OutageBackoff;

  constructor(
    private readonly run: () => Promise<unknown>,
    options: { what: string; logger: Logger; maxBackoffMs: number },
    private readonly pollMs: number,
  ) {
    this.backoff = new OutageBackoff({ what: options.what, logger: options.logger, baseMs: Math.max(pollMs, 100), maxMs: Math.max(options.maxBackoffMs, pollMs) });
  }

  /** Starts polling, the first run at once; a poll interval of 0 never starts. */
  start(): void {
    if (!this.stopped || this.pollMs <= 0) return;
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.run().then(
        () => {
          this.backoff.succeeded();
          return this.pollMs;
        },
        (e: unknown) => this.backoff.failed(e),
      ).then((wait) => {
        if (!this.stopped) this.timer = setTimeout(tick, wait);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling and waits for the run under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
