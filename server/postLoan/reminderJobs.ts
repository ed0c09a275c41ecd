import { sweepReminders } from './reminders.js';
import { POST_LOAN_JOBS } from './contracts.js';
import type { DailyJob } from './dailyJobs.js';

/**
 * The reminder sweep, every 15 minutes inside the default contact window (08:00–20:45): each run
 * sends the steps whose moment has come (10:00 on the step's day, or the window's opening) and
 * nothing twice; outside the window the planner returns nothing. `demo:advance` runs it for each
 * date it passes, at the demo clock's time of day.
 */
export const reminderJob: DailyJob = {
  name: POST_LOAN_JOBS.reminders,
  cron: '0,15,30,45 8-20 * * *',
  run: (ctx) => sweepReminders(ctx),
};

/** Sends the contacts deferred by the window or a cap once their moment comes, and retries failed ones. */
export const contactSweepJob: DailyJob = {
  name: POST_LOAN_JOBS.contactSweep,
  cron: '5,20,35,50 8-20 * * *',
  run: (ctx) => ctx.contacts.sendDeferred(),
};
