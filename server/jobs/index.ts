/** server/jobs: the scheduler of due rows in the Job table, and the job kinds it runs. */
export { Scheduler } from './scheduler.js';
export type { DueJob, JobHandler, RunSummary, SchedulerOptions } from './scheduler.js';
export { conversationDeadlineHandler } from './conversationDeadlineJob.js';
export type { DeadlineJobPayload } from './conversationDeadlineJob.js';
export { PAYMENT_RECOVERY_JOB_KIND, paymentRecoveryHandler, schedulePaymentRecovery } from './paymentRecoveryJob.js';
