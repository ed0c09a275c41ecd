import type { PostLoanContext } from './contracts.js';
import { endOfDayJob } from './endOfDay.js';
import { contactSweepJob, reminderJob } from './reminderJobs.js';
import { retentionJob } from '../retention/index.js';

/**
 * One post-loan job run once per business date: the end-of-day batch, early warning, renewal
 * screening, yearly review, reminders. `run` is idempotent per date (run twice, it changes and sends
 * nothing more) and returns a small summary (counts) that the console, the log and `demo:advance` show.
 */
export interface DailyJob {
  /** Its pg-boss queue, one of POST_LOAN_JOBS (contracts.ts), e.g. `postloan.eod`. */
  readonly name: string;
  /**
   * When the job runner fires it: a 5-field cron in Asia/Shanghai (`30 0 * * *` = 00:30 daily,
   * `0,15,30,45 8-20 * * *` = every 15 minutes 08:00–20:45). Without one it runs only in `runBusinessDay`.
   */
  readonly cron?: string;
  /**
   * It rewrites or deletes many rows (the end-of-day batch, the retention run): on the embedded
   * database the maintenance job vacuums and analyzes everything after it (server/maintenance).
   */
  readonly bulk?: boolean;
  /**
   * `businessDate` is the Shanghai calendar date (`YYYY-MM-DD`) the run belongs to: the date the cron
   * fires on, and each date the demo clock enters. The job decides what that date means for it
   * (the end-of-day batch at 00:30 closes the day before it, reminders look at dues from it on).
   */
  run(ctx: PostLoanContext, businessDate: string): Promise<unknown>;
}

/**
 * Every daily job, in the order a business day runs them: what a later job reads (overdue marks,
 * days past due, classification) an earlier one wrote. Append yours here; the job runner schedules
 * each one with a cron and `demo:advance` runs them all for each date it passes.
 */
export const DAILY_JOBS: DailyJob[] = [endOfDayJob, reminderJob, contactSweepJob, retentionJob];

export interface DailyJobResult {
  readonly name: string;
  readonly ok: boolean;
  /** What `run` returned, or the error's code and message. */
  readonly summary: unknown;
  readonly ms: number;
}

/**
 * Runs the jobs for one business date in order. A job that throws is reported and the rest still run
 * (each is independent and idempotent: running the date again finishes what failed).
 */
export async function runBusinessDay(ctx: PostLoanContext, businessDate: string, jobs: readonly DailyJob[] = DAILY_JOBS): Promise<DailyJobResult[]> {
  const results: DailyJobResult[] = [];
  for (const job of jobs) {
    const started = Date.now();
    try {
      const summary = await job.run(ctx, businessDate);
      results.push({ name: job.name, ok: true, summary: summary ?? null, ms: Date.now() - started });
    } catch (e) {
      ctx.logger.error({ err: e, job: job.name, businessDate }, 'daily job failed');
      const code = (e as { code?: unknown }).code;
      // For the admin who ran it: the cause behind a coded error says what to fix.
      const cause = (e as { cause?: unknown }).cause;
      const message = cause instanceof Error ? `${(e as Error).message}: ${cause.message}` : (e as Error).message;
      results.push({ name: job.name, ok: false, summary: { error: typeof code === 'string' ? code : 'FAILED', message }, ms: Date.now() - started });
    }
  }
  return results;
}
