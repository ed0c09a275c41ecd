import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { epochMs, type Sql } from '../runtime/index.js';

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

// The row id comes from the server, as in the turn's commit: the database's gen_random_uuid() reads
// /dev/urandom through PGlite's file system.
const UPSERT_SQL = `
INSERT INTO "Job" (id, kind, key, "dueAt", payload, status, attempts, "createdAt")
VALUES ($6::uuid, $1, $2, $3::timestamptz, $4::jsonb, 'pending', 0, $5::timestamptz)
ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, "dueAt" = EXCLUDED."dueAt", payload = EXCLUDED.payload, status = 'pending', attempts = 0,
  "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = NULL, "doneAt" = NULL`;

/** The Job table's rows by status, for the admins' Jobs page. */
export interface DueRowsSummary {
  readonly byKind: readonly { readonly kind: string; readonly status: string; readonly count: number }[];
  /** The earliest pending row's due time (or a running row's lapsed lease), if any. */
  readonly nextDueAt: Date | undefined;
  readonly failed: readonly { readonly key: string; readonly kind: string; readonly attempts: number; readonly lastError: string | null; readonly dueAt: Date }[];
}

/**
 * The due-at rows of the Job table (conversation deadlines, work-order warnings and escalations,
 * the payment recovery round), run through handlers registered by kind. It does not poll: the job
 * runner's `deadline.sweep` queue calls `runDue` (deadlineSweep.ts). Rows stay ours rather than
 * pg-boss jobs because a conversation turn writes them in its one commit statement and they are
 * compared against the injected clock (manual in tests, shifted by the demo clock).
 *
 * A job is claimed by exactly one worker; completion is recorded only if the row still carries
 * this claim (a job rescheduled while it ran stays pending for its new due time).
 */
export class Scheduler {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly workerId = `worker-${randomUUID().slice(0, 8)}`;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  /**
   * Outcomes this worker could not write (the database failed under the handler, and again for the
   * outcome), by job id: written first thing next round, so the job runs again at its retry time
   * rather than when its lease runs out (a minute). Each write is guarded by the claim's token.
   */
  private readonly unrecorded = new Map<string, () => Promise<unknown>>();

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
    await this.options.sql.query(UPSERT_SQL, [job.kind, job.key, job.dueAt.toISOString(), JSON.stringify(job.payload ?? null), this.options.clock.now().toISOString(), randomUUID()]);
  }

  /** Claims and runs every job due at `now` (batch by batch). Tests call it with a manual clock. */
  async runDue(now: Date = this.options.clock.now()): Promise<RunSummary> {
    const summary = { claimed: 0, done: 0, retried: 0, failed: 0 };
    if (!this.handlers.size) return summary;
    for (const [id, record] of this.unrecorded) {
      await record();
      this.unrecorded.delete(id);
    }
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

  /** When the next row comes due: the earliest pending row, or a running row whose lease runs out. */
  async nextDueAt(): Promise<Date | undefined> {
    if (!this.handlers.size) return undefined;
    const [row] = await this.options.sql.query(
      `SELECT ${epochMs('min(CASE WHEN status = \'pending\' THEN "dueAt" ELSE "lockedUntil" END)')} AS "at" FROM "Job"
       WHERE kind IN (SELECT jsonb_array_elements_text($1::jsonb)) AND status IN ('pending', 'running')`,
      [JSON.stringify([...this.handlers.keys()])],
    );
    return typeof row?.at === 'number' ? new Date(row.at) : undefined;
  }

  /** Counts by kind and status, the next due time and the latest failed rows. */
  async summary(): Promise<DueRowsSummary> {
    const { sql } = this.options;
    const counts = await sql.query(`SELECT kind AS "kind", status::text AS "status", count(*)::int AS "count" FROM "Job" GROUP BY kind, status ORDER BY kind, status`);
    const failed = await sql.query(
      `SELECT key AS "key", kind AS "kind", attempts AS "attempts", "lastError" AS "lastError", ${epochMs('"dueAt"')} AS "dueAt" FROM "Job" WHERE status = 'failed' ORDER BY "dueAt" DESC LIMIT 20`,
    );
    return {
      byKind: counts.map((r) => ({ kind: r.kind as string, status: r.status as string, count: r.count as number })),
      nextDueAt: await this.nextDueAt(),
      failed: failed.map((r) => ({ key: r.key as string, kind: r.kind as string, attempts: r.attempts as number, lastError: (r.lastError as string | null) ?? null, dueAt: new Date(r.dueAt as number) })),
    };
  }

  private async runOne(job: DueJob, token: string, now: Date): Promise<'done' | 'retried' | 'failed'> {
    const handler = this.handlers.get(job.kind)!;
    const { logger, clock, sql } = this.options;
    let outcome: 'done' | 'retried' | 'failed';
    let record: () => Promise<unknown>;
    try {
      await handler(job, { now, logger });
      const doneAt = clock.now().toISOString();
      outcome = 'done';
      record = () => sql.query(`UPDATE "Job" SET status = 'done', "doneAt" = $3::timestamptz, "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = NULL WHERE id = $1::uuid AND "lockedBy" = $2`, [job.id, token, doneAt]);
    } catch (e) {
      const giveUp = job.attempts >= this.maxAttempts;
      const retryAt = new Date(now.getTime() + Math.min(this.baseDelayMs * 2 ** (job.attempts - 1), this.maxDelayMs));
      const reason = (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 1000);
      logger.warn({ err: e, jobId: job.id, kind: job.kind, attempts: job.attempts, giveUp }, 'job failed');
      outcome = giveUp ? 'failed' : 'retried';
      record = () =>
        sql.query(
          `UPDATE "Job" SET status = $3::"JobStatus", "dueAt" = COALESCE($4::timestamptz, "dueAt"), "lastError" = $5, "lockedBy" = NULL, "lockedUntil" = NULL
           WHERE id = $1::uuid AND "lockedBy" = $2`,
          [job.id, token, giveUp ? 'failed' : 'pending', giveUp ? null : retryAt.toISOString(), reason],
        );
    }
    try {
      await record();
    } catch (e) {
      this.unrecorded.set(job.id, record);
      throw e;
    }
    return outcome;
  }
}
