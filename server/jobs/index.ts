/**
 * server/jobs: the one job runner (pg-boss), the due-at rows of our Job table and the queue that
 * sweeps them, the sandbox's demo clock, and the job kinds the rows carry.
 */
export { JobRunner, JOB_TIME_ZONE, deadLetterOf, DEAD_LETTER_SUFFIX } from './jobRunner.js';
export type { FailedJob, JobHandler as QueueHandler, JobInfo, QueueSettings, QueueSummary, SendOptions } from './jobRunner.js';
export { DeadlineSweep, DEADLINE_SWEEP_CRON, DEADLINE_SWEEP_QUEUE } from './deadlineSweep.js';
export { Scheduler } from './scheduler.js';
export type { DueJob, DueRowsSummary, JobHandler, RunSummary, SchedulerOptions } from './scheduler.js';
export { BUSINESS_CLOCK_SIGNAL, BusinessClock } from './businessClock.js';
export { conversationDeadlineHandler } from './conversationDeadlineJob.js';
export type { DeadlineJobPayload } from './conversationDeadlineJob.js';
export { PAYMENT_RECOVERY_JOB_KIND, paymentRecoveryHandler, schedulePaymentRecovery } from './paymentRecoveryJob.js';
