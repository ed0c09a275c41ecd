import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { epochMs, Poller, type Sql } from '../runtime/index.js';

/** A claimed due job, as its handler sees it. */
export interface DueJob {
  readonly id: string;
  readonly kind: string;
  readonly key: string;
  readonly payload: unknown;
  /** Including this one. */
  readonly attempts: number;
  readonly dueAt: Date;
}

/** Does the job; throws to have it retried with backoff (and marked failed after the last attempt). */
export type JobHandler = (job: DueJob, context: { readonly now: Date; readonly logger: Logger }) => Promise<void>;

export interface SchedulerOptions {
  readonly sql: Sql;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Attempts before a job is marked failed. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** How long a claimed job belongs to its worker; after that another worker reclaims it. */
  readonly leaseMs?: number;
  readonly batchSize?: number;
  /** Longest wait between polls while they fail (the database is down); the poll interval doubles up to it. */
  readonly maxPollBackoffMs?: number;
}

export interface RunSummary {
  readonly claimed: number;
  readonly done: number;
  readonly retried: number;
  readonly failed: number;
}

// Claims due jobs (and running ones whose lease ran out) atomically; SKIP LOCKED lets several
// schedulers (several servers on PostgreSQL) share the table without taking the same row.
const CLAIM_SQL = `
UPDATE "Job" SET status = 'running', "lockedBy" = $3, "lockedUntil" = $4::timestamptz, attempts = attempts + 1
WHERE id IN (
  SELECT id FROM "Job"
  WHERE kind IN (SELECT jsonb_array_elements_text($1::jsonb))
    AND ((status = 'pending' AND "dueAt" <= $2::timestamptz) OR (status = 'running' AND "lockedUntil" < $2::timestamptz))
  ORDER BY "dueAt"
  LIMIT $5::int
  FOR UPDATE SKIP LOCKED
)
RETURNING id::text AS "id", kind AS "kind", key AS "key", payload::text AS "payload", attempts AS "attempts", ${epochMs('"dueAt"')} AS "dueAt"`;

const UPSERT_SQL = `
INSERT INTO "Job" (id, kind, key, "dueAt", payload, status, attempts, "createdAt")
VALUES (gen_random_uuid(), $1, $2, $3::timestamptz, $4::jsonb, 'pending', 0, $5::timestamptz)
ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, "dueAt" = EXCLUDED."dueAt", payload = EXCLUDED.payload, status = 'pending', attempts = 0,
  "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = NULL, "doneAt" = NULL`;

/**
 * Runs due rows of the Job table through handlers registered by kind. A job is claimed by exactly
 * one worker; completion is recorded only if the row still carries this claim (a job rescheduled
 * while it ran stays pending for its new due time).
 */
export class Scheduler {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly workerId = `worker-${randomUUID().slice(0, 8)}`;
  private poller: Poller | undefined;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;

  constructor(private readonly options: SchedulerOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 5_000;
    this.maxDelayMs = options.maxDelayMs ?? 15 * 60_000;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.batchSize = options.batchSize ?? 20;
  }

  /** One line per job kind: `scheduler.register('reminder.due', handleReminder)`. */
  register(kind: string, handler: JobHandler): this {
    if (this.handlers.has(kind)) throw new Error(`a handler for job kind ${kind} is already registered`);
    this.handlers.set(kind, handler);
    return this;
  }

  /** Creates or replaces (by key) a pending job. */
  async schedule(job: { kind: string; key: string; dueAt: Date; payload: unknown }): Promise<void> {
    await this.options.sql.query(UPSERT_SQL, [job.kind, job.key, job.dueAt.toISOString(), JSON.stringify(job.payload ?? null), this.options.clock.now().toISOString()]);
  }

  /** Claims and runs every job due at `now` (batch by batch). Tests call it with a manual clock. */
  async runDue(now: Date = this.options.clock.now()): Promise<RunSummary> {
    const summary = { claimed: 0, done: 0, retried: 0, failed: 0 };
    if (!this.handlers.size) return summary;
    // Bounded, so one call cannot run forever while jobs keep coming due.
    for (let batch = 0; batch < 100; batch++) {
      const token = `${this.workerId}:${randomUUID()}`;
      const rows = await this.options.sql.query(CLAIM_SQL, [JSON.stringify([...this.handlers.keys()]), now.toISOString(), token, new Date(now.getTime() + this.leaseMs).toISOString(), this.batchSize]);
      summary.claimed += rows.length;
      await Promise.all(
        rows.map(async (r) => {
          const job: DueJob = {
            id: r.id as string,
            kind: r.kind as string,
            key: r.key as string,
            payload: JSON.parse(r.payload as string),
            attempts: r.attempts as number,
            dueAt: new Date(r.dueAt as number),
          };
          const outcome = await this.runOne(job, token, now);
          summary[outcome]++;
        }),
      );
      if (rows.length < this.batchSize) break;
    }
    return summary;
  }

  /** Polls every `pollMs` (0: never; tests drive `runDue` themselves); a failing poll backs off. */
  start(pollMs: number): void {
    if (this.poller || pollMs <= 0) return;
    this.poller = new Poller(() => this.runDue(), { what: 'scheduler poll', logger: this.options.logger, maxBackoffMs: this.options.maxPollBackoffMs ?? 30_000 }, pollMs);
    this.poller.start();
  }

  /** Stops polling and waits for the jobs under way. */
  async stop(): Promise<void> {
    const poller = this.poller;
    this.poller = undefined;
    await poller?.stop();
  }

  private async runOne(job: DueJob, token: string, now: Date): Promise<'done' | 'retried' | 'failed'> {
    const handler = this.handlers.get(job.kind)!;
    const { logger, clock, sql } = this.options;
    try {
      await handler(job, { now, logger });
      await sql.query(`UPDATE "Job" SET status = 'done', "doneAt" = $3::timestamptz, "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = NULL WHERE id = $1::uuid AND "lockedBy" = $2`, [
        job.id,
        token,
        clock.now().toISOString(),
      ]);
      return 'done';
    } catch (e) {
      const giveUp = job.attempts >= this.maxAttempts;
      const retryAt = new Date(now.getTime() + Math.min(this.baseDelayMs * 2 ** (job.attempts - 1), this.maxDelayMs));
      const reason = (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 1000);
      logger.warn({ err: e, jobId: job.id, kind: job.kind, attempts: job.attempts, giveUp }, 'job failed');
      await sql.query(
        `UPDATE "Job" SET status = $3::"JobStatus", "dueAt" = COALESCE($4::timestamptz, "dueAt"), "lastError" = $5, "lockedBy" = NULL, "lockedUntil" = NULL
         WHERE id = $1::uuid AND "lockedBy" = $2`,
        [job.id, token, giveUp ? 'failed' : 'pending', giveUp ? null : retryAt.toISOString(), reason],
      );
      return giveUp ? 'failed' : 'retried';
    }
  }
}
