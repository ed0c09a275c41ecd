import type { Logger } from 'pino';
import type { Fen } from '../../core/index.js';
import type { PaymentNotice } from '../../flows/index.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/index.js';
import type { PaymentGateway } from '../providers/index.js';
import { DISBURSE_PENDING_SCOPE, settleDisbursement, type PendingDisbursement } from './drawdownService.js';
import { KeyedLock } from './keyedLock.js';
import { REPAY_PENDING_SCOPE, settleRepayment, type RepaymentIntent } from './repaymentService.js';
import type { PaymentContext } from './serviceDeps.js';

export interface PaymentRecoveryDeps {
  readonly db: Pick<Database, 'prisma' | 'raw'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly payments: PaymentGateway;
  /** RECOVERY_AFTER_MS: how old a reservation or intent must be before it is settled here. */
  readonly recoveryAfterMs: number;
  /** Records settled per run at most; the next run takes the rest. */
  readonly batchSize?: number;
  /**
   * Tells the borrower what became of a payment they were told is "processing" (the runtime
   * dispatches a notice to the conversation the effect's key names). A failure is logged, never
   * undoes the settlement.
   */
  readonly notify?: (settled: SettledPayment) => Promise<void>;
}

/** A payment the recovery settled, for the borrower's notice. */
export interface SettledPayment {
  readonly key: string;
  readonly notice: PaymentNotice;
  readonly amount: Fen;
}

export interface RecoverySummary {
  readonly disbursements: { readonly completed: number; readonly undone: number };
  readonly repayments: { readonly completed: number; readonly voided: number };
  /** Records the gateway could not answer for (or another error): left for the next run. */
  readonly failed: number;
}

export interface PaymentRecovery {
  /** Settles every reservation and intent recorded before `now − recoveryAfterMs` (up to the batch size). */
  run(now?: Date): Promise<RecoverySummary>;
}

/**
 * Finds payments left half-done: drawdowns still `disbursing` (their `disburse.pending` record) and
 * repayment intents (`repay.pending`) older than RECOVERY_AFTER_MS, whether a crash cut them short
 * or the gateway's answer was lost and nobody retried. Each is settled by the gateway's own record
 * under the same key (settleDisbursement, settleRepayment): completed exactly as the normal path
 * would, or undone with `payment_failed` stored under the key. Safe to run in several processes at
 * once: every settlement is guarded by its row's state in the database.
 */
export function createPaymentRecovery(deps: PaymentRecoveryDeps): PaymentRecovery {
  const pc: PaymentContext = { db: deps.db, clock: deps.clock, logger: deps.logger, payments: deps.payments, lines: new KeyedLock(), recoveryAfterMs: deps.recoveryAfterMs };
  const batchSize = deps.batchSize ?? 100;
  const tell = async (settled: SettledPayment) => {
    try {
      await deps.notify?.(settled);
    } catch (e) {
      deps.logger.error({ err: e, key: settled.key, notice: settled.notice }, 'payment recovery: the borrower could not be told; the settlement stands');
    }
  };
  return {
    async run(now = deps.clock.now()) {
      const cutoff = new Date(now.getTime() - deps.recoveryAfterMs);
      const stale = await deps.db.prisma.idempotencyRecord.findMany({
        where: { scope: { in: [DISBURSE_PENDING_SCOPE, REPAY_PENDING_SCOPE] }, createdAt: { lt: cutoff } },
        orderBy: { createdAt: 'asc' },
        take: batchSize,
      });
      const summary = { disbursements: { completed: 0, undone: 0 }, repayments: { completed: 0, voided: 0 }, failed: 0 };
      for (const record of stale) {
        try {
          if (record.scope === DISBURSE_PENDING_SCOPE) {
            const pending = record.result as unknown as PendingDisbursement;
            const outcome = await settleDisbursement(pc, record.key, pending);
            deps.logger.warn({ key: record.key, outcome }, `payment recovery: disbursement ${outcome}`);
            if (outcome === 'gone') continue;
            summary.disbursements[outcome]++;
            await tell({ key: record.key, notice: outcome === 'completed' ? 'drawdown.completed' : 'drawdown.undone', amount: pending.amount });
          } else {
            const intent = record.result as unknown as RepaymentIntent;
            const outcome = await settleRepayment(pc, record.key, intent);
            summary.repayments[outcome]++;
            deps.logger.warn({ key: record.key, outcome }, `payment recovery: repayment ${outcome}`);
            await tell({ key: record.key, notice: outcome === 'completed' ? 'repayment.completed' : 'repayment.voided', amount: intent.amount });
          }
        } catch (e) {
          summary.failed++;
          deps.logger.error({ err: e, key: record.key, scope: record.scope }, 'payment recovery: could not settle; left for the next run');
        }
      }
      return summary;
    },
  };
}
