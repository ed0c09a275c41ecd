import type { PaymentRecovery } from '../services/index.js';
import type { JobHandler, Scheduler } from './scheduler.js';

export const PAYMENT_RECOVERY_JOB_KIND = 'payments.recovery';
/** One row for the whole recurring job: every server schedules the same key, so it runs once per round. */
const KEY = 'payments.recovery';

/**
 * Runs the payment recovery (services/paymentRecovery.ts) and schedules its next round `everyMs`
 * later under the same key, even when this round failed (a payment the gateway could not answer
 * for is simply tried again next round).
 */
export function paymentRecoveryHandler(recovery: PaymentRecovery, scheduler: Pick<Scheduler, 'schedule'>, everyMs: number): JobHandler {
  return async (_job, { now, logger }) => {
    try {
      const summary = await recovery.run(now);
      const settled = summary.disbursements.completed + summary.disbursements.undone + summary.repayments.completed + summary.repayments.voided;
      if (settled || summary.failed) logger.warn({ ...summary }, 'payment recovery settled payments left half-done');
    } finally {
      await scheduler.schedule({ kind: PAYMENT_RECOVERY_JOB_KIND, key: KEY, dueAt: new Date(now.getTime() + everyMs), payload: {} });
    }
  };
}

/** Schedules a round now (at start-up): whatever a crash left half-done is settled once old enough. */
export function schedulePaymentRecovery(scheduler: Pick<Scheduler, 'schedule'>, now: Date): Promise<void> {
  return scheduler.schedule({ kind: PAYMENT_RECOVERY_JOB_KIND, key: KEY, dueAt: now, payload: {} });
}
