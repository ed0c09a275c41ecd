/** server/postLoan: the jobs after the money (end of day, reminders, warning, renewal, review), their context and the demo clock's day runner. */
export * from './contracts.js';
export { DAILY_JOBS, runBusinessDay, type DailyJob, type DailyJobResult } from './dailyJobs.js';
export { contactsNotWired, createPostLoanContext } from './postLoanContext.js';
export { DemoAdvance, demoClockRefusal, MAX_ADVANCE_DAYS, type AdvanceResult } from './demoAdvance.js';
export { endOfDayJob, runEndOfDay, type EndOfDayCounts, type EndOfDayOptions, type EndOfDayResult } from './endOfDay.js';
export type { PortfolioFigures, Tally } from './portfolioSnapshot.js';
export { BatchProgressMeter, progressLine } from './batchProgress.js';
export { createRenewalScreeningJob, screenRenewals, type RenewalScreeningSummary } from './renewalScreening.js';
export { createEarlyWarningJob, warningContactKey, WARNING_FROZEN_TEMPLATE, type EarlyWarningJob, type EarlyWarningOptions, type EarlyWarningSummary, type StoredReason } from './earlyWarningJob.js';
export { createYearlyReviewJob, reviewContactKey, REVIEW_TEMPLATES, type YearlyReviewJob, type YearlyReviewOptions, type YearlyReviewSummary } from './yearlyReviewJob.js';
export { freezeLine, unfreezeLine, type FreezeReason, type FreezeOutcome, type UnfreezeOutcome } from './lineFreeze.js';
export { RiskSignalService, type RiskReviewer, type SignalFilter, type SignalList, type SignalRow } from './riskSignalService.js';
export type { SignalSources } from './watchedLines.js';
export { dailyJobsWithMonitoring } from './monitoringJobs.js';
