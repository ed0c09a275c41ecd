import type { Config } from '../config/index.js';
import { AppError } from '../errors.js';
import type { BusinessClock } from '../jobs/index.js';
import type { PostLoanContext } from './contracts.js';
import { DAILY_JOBS, runBusinessDay, type DailyJob, type DailyJobResult } from './dailyJobs.js';

export const MAX_ADVANCE_DAYS = 60;

/** Why this server's demo clock may not move, or undefined when it may (development and test mode on the sandbox providers). */
export function demoClockRefusal(config: Pick<Config, 'env' | 'providers'>): string | undefined {
  if (config.env === 'production') return 'this server runs in production (KUAIDAI_ENV=production)';
  if (config.providers !== 'sandbox') return `this server uses the ${config.providers} providers, not the sandbox (PROVIDERS=sandbox)`;
  return undefined;
}

export interface AdvanceResult {
  readonly from: string;
  readonly businessDate: string;
  /** Whole days the demo clock is now ahead of the system clock. */
  readonly offsetDays: number;
  readonly days: readonly { readonly date: string; readonly jobs: readonly DailyJobResult[] }[];
}

/**
 * `demo:advance`: moves the sandbox's business date forward `days` days, one at a time, and after each
 * move (to 10:00 Beijing time of the next date) runs the daily jobs for the date it entered, in order, so a reminder, an overdue notice, a
 * warning and a renewal invitation arrive as they would over those days. Refused (DEMO_CLOCK_REFUSED)
 * in production and outside the sandbox. Calls are serialised in the process.
 */
export class DemoAdvance {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      readonly config: Pick<Config, 'env' | 'providers'>;
      /** Absent outside the sandbox: boot builds none there. */
      readonly clock: BusinessClock | undefined;
      readonly context: () => PostLoanContext;
      readonly jobs?: readonly DailyJob[];
      /** After each move: due deadline rows are fired (the deadline sweep's wake). */
      readonly afterMove?: () => Promise<void>;
    },
  ) {}

  /** Whether the demo clock may move here, and where it stands. */
  status(): { available: boolean; reason?: string; businessDate?: string; offsetDays?: number } {
    const reason = demoClockRefusal(this.deps.config) ?? (this.deps.clock ? undefined : 'no demo clock in this process');
    if (reason || !this.deps.clock) return { available: false, reason };
    return { available: true, businessDate: this.deps.clock.businessDate(), offsetDays: this.deps.clock.offsetDays() };
  }

  advance(days: number): Promise<AdvanceResult> {
    const reason = demoClockRefusal(this.deps.config) ?? (this.deps.clock ? undefined : 'no demo clock in this process');
    if (reason) return Promise.reject(new AppError('DEMO_CLOCK_REFUSED', { reason }));
    if (!Number.isInteger(days) || days < 1 || days > MAX_ADVANCE_DAYS) return Promise.reject(new AppError('VALIDATION_FAILED', { field: 'days', reason: `a whole number from 1 to ${MAX_ADVANCE_DAYS}` }));
    const run = this.queue.then(() => this.advanceNow(days));
    this.queue = run.catch(() => {});
    return run;
  }

  private async advanceNow(days: number): Promise<AdvanceResult> {
    const clock = this.deps.clock!;
    const from = clock.businessDate();
    const ctx = this.deps.context();
    const out: { date: string; jobs: DailyJobResult[] }[] = [];
    for (let i = 0; i < days; i++) {
      const date = await clock.advanceOneDay();
      await this.deps.afterMove?.();
      out.push({ date, jobs: await runBusinessDay(ctx, date, this.deps.jobs ?? DAILY_JOBS) });
    }
    ctx.logger.info({ from, to: clock.businessDate(), days }, 'demo clock advanced');
    return { from, businessDate: clock.businessDate(), offsetDays: clock.offsetDays(), days: out };
  }
}
