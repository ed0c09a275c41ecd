import { DAILY_JOBS, type DailyJob } from './dailyJobs.js';
import { createEarlyWarningJob } from './earlyWarningJob.js';
import { createRenewalScreeningJob } from './renewalScreening.js';
import type { SignalSources } from './watchedLines.js';
import { createYearlyReviewJob } from './yearlyReviewJob.js';

/**
 * The business day's jobs with those that read the monitoring provider (the bank's post-loan feed,
 * opened by ID number with the data key): early warning right after the end-of-day batch (it reads
 * the days past due that batch wrote), renewal screening after it (it reads the day's signals), the
 * yearly review, then the rest of DAILY_JOBS (reminders, the contact sweep).
 */
export function dailyJobsWithMonitoring(sources: SignalSources, jobs: readonly DailyJob[] = DAILY_JOBS): DailyJob[] {
  const monitoring: DailyJob[] = [createEarlyWarningJob(sources), createRenewalScreeningJob(sources), createYearlyReviewJob(sources)];
  const eod = jobs.findIndex((j) => j.name === 'postloan.eod');
  return [...jobs.slice(0, eod + 1), ...monitoring, ...jobs.slice(eod + 1)];
}
