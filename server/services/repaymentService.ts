import { randomUUID } from 'node:crypto';
import {
  lineOutstandingPrincipal,
  payOffCreditLine,
  repayCreditLine,
  shanghaiDateOf,
  summarizeCreditLine,
  type CreditLine,
  type Fen,
  type RepaymentResult,
  type Result,
} from '../../core/index.js';
import type { FlowEffects, RepayInput, RepaymentReceipt } from '../../flows/host.js';
import { AppError } from '../errors.js';
import type { PaymentResult } from '../providers/index.js';
import { bookPostings, loadLine, repaymentReference, saveLine } from './creditLineStore.js';
import { audit, inTransaction, isUniqueViolation, recalled, remember, toBigFen } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

type RepayOutput = Awaited<ReturnType<FlowEffects['repay']>>;
type Refusal = Extract<RepayOutput, { ok: false }>;

const SCOPE = 'repay';
const KIND: Record<RepayInput['kind'], string> = { due: 'due_installment', partial: 'partial', payoff: 'payoff' };

interface Plan {
  readonly result: RepaymentResult;
  /** Nothing was due: the next instalment's amount was paid early (shorten_term). */
  readonly early: boolean;
}

/**
 * What a repayment request means on a line today, as core computes it:
 * - `due`: everything due now (overdue first, penalty → interest → principal). On a loan with
 *   nothing due yet (a fresh one), the next instalment's amount is paid early instead: interest
 *   for the days used, the rest principal, and the term shortened so later instalments keep their
 *   amount. `nothing_due` only when no instalment is left.
 * - `partial`: the amount, due items first, the rest early repayment in `earlyRepaymentMode`.
 * - `payoff`: core payOffCreditLine (interest only for the days actually used).
 */
export function planRepayment(line: CreditLine, input: Pick<RepayInput, 'kind' | 'amount' | 'drawdownId' | 'earlyRepaymentMode'>, on: string): { ok: true; plan: Plan } | Refusal {
  const target = input.drawdownId === undefined ? {} : { drawdownId: input.drawdownId };
  const wrap = (r: Result<RepaymentResult>, early = false): { ok: true; plan: Plan } | Refusal => {
    if (r.ok) return { ok: true, plan: { result: r.value, early } };
    return r.error.code === 'NOTHING_TO_REPAY' || r.error.code === 'DRAWDOWN_SETTLED' ? { ok: false, reason: 'nothing_due', detail: r.error.message } : { ok: false, reason: 'invalid', detail: `${r.error.code}: ${r.error.message}` };
  };
  if (input.kind === 'payoff') return wrap(payOffCreditLine(line, { on, ...target }));
  if (input.kind === 'partial') {
    if (input.amount === undefined || !Number.isSafeInteger(input.amount) || input.amount <= 0) return { ok: false, reason: 'invalid', detail: 'a partial repayment needs a positive amount in fen' };
    return wrap(repayCreditLine(line, { amount: input.amount, on, ...target, options: { earlyRepaymentMode: input.earlyRepaymentMode ?? 'reduce_installment' } }));
  }
  const summary = summarizeCreditLine(line, on);
  if (!summary.ok) return { ok: false, reason: 'invalid', detail: `${summary.error.code}: ${summary.error.message}` };
  const scope = input.drawdownId === undefined ? summary.value : summary.value.drawdowns.find((d) => d.id === input.drawdownId);
  if (!scope) return { ok: false, reason: 'invalid', detail: `no drawdown ${input.drawdownId} on this line` };
  if (scope.dueNow > 0) return wrap(repayCreditLine(line, { amount: scope.dueNow, on, ...target, options: { surplus: 'reject' } }));
  if (!scope.nextDue) return { ok: false, reason: 'nothing_due', detail: 'nothing is due and no instalment is left' };
  return wrap(repayCreditLine(line, { amount: scope.nextDue.amount, on, ...target, options: { surplus: 'early_repayment', earlyRepaymentMode: 'shorten_term' } }), true);
}

/**
 * Repayments: plan with core, collect from the card on file under the idempotency key, then store
 * the Repayment, its allocations, instalment paid amounts, ledger postings and the new line state
 * in one transaction. Insufficient funds change nothing. If the line changed between planning and
 * storing, the money collected is applied to the line as it now is. Idempotent by key.
 */
export function repaymentEffects(ctx: ServiceContext): Pick<FlowEffects, 'repay'> {
  const { db, providers, clock, logger } = ctx;

  return {
    async repay(input) {
      const previous = await recalled<RepayOutput>(db.prisma, SCOPE, input.idempotencyKey);
      if (previous) return previous;
      const on = shanghaiDateOf(input.at);
      const loaded = await loadLine(db.prisma, input.lineId);
      if (!loaded || loaded.row.borrowerId !== input.borrowerId) return { ok: false, reason: 'invalid', detail: 'no such credit line for this borrower' };
      const planned = planRepayment(loaded.line, input, on);
      if (!planned.ok) return planned;
      const plan = planned.plan;
      const repaymentId = randomUUID();
      const reference = repaymentReference(repaymentId, on);
      const payment = await providers.payments
        .collect({ idempotencyKey: input.idempotencyKey, borrowerId: input.borrowerId, amount: plan.result.applied, reference, at: input.at })
        .catch((e: unknown): PaymentResult => ({ ok: false, reason: 'unavailable', detail: e instanceof Error ? e.message : String(e) }));
      if (!payment.ok) {
        logger.info({ lineId: input.lineId, reason: payment.reason }, 'repayment not collected');
        await inTransaction(db.prisma, (tx) =>
          audit(tx, { actorType: 'borrower', actorId: input.borrowerId, action: 'repayment.declined', subjectType: 'CreditLine', subjectId: input.lineId, at: input.at, detail: { kind: input.kind, amount: plan.result.applied, reason: payment.reason } }),
        );
        return payment.reason === 'insufficient_funds'
          ? { ok: false, reason: 'insufficient_funds', detail: payment.detail }
          : { ok: false, reason: 'payment_failed', detail: `${payment.reason}: ${payment.detail}` };
      }

      for (let attempt = 0; ; attempt++) {
        try {
          return await store(input, payment, plan, loaded.row.version, repaymentId, reference, on);
        } catch (e) {
          if (isUniqueViolation(e)) {
            const first = await recalled<RepayOutput>(db.prisma, SCOPE, input.idempotencyKey);
            if (first) return first;
          }
          if (!(e instanceof AppError && e.code === 'CONFLICT') || attempt >= 3) throw e;
        }
      }
    },
  };

  async function store(input: RepayInput, payment: Extract<PaymentResult, { ok: true }>, planned: Plan, plannedVersion: number, repaymentId: string, reference: string, on: string): Promise<RepayOutput> {
    return inTransaction(db.prisma, async (tx) => {
      const loaded = await loadLine(tx, input.lineId);
      if (!loaded) throw new AppError('INTERNAL', {}, { cause: new Error(`credit line ${input.lineId} disappeared`) });
      let { result } = planned;
      // The line moved on since planning, or the gateway replayed another amount: apply what was collected to the line as it is.
      if (loaded.row.version !== plannedVersion || payment.amount !== result.applied) {
        const again = repayCreditLine(loaded.line, { amount: payment.amount, on, ...(input.drawdownId === undefined ? {} : { drawdownId: input.drawdownId }), options: { earlyRepaymentMode: input.earlyRepaymentMode ?? (planned.early ? 'shorten_term' : 'reduce_installment') } });
        if (!again.ok) throw new AppError('INTERNAL', {}, { cause: new Error(`collected ${payment.amount} fen cannot be applied: ${again.error.code}`) });
        result = again.value;
      }
      await saveLine(tx, loaded, result.line);
      const ids = new Set(result.allocations.map((a) => a.drawdownId));
      const installments = await tx.installment.findMany({ where: { drawdownId: { in: [...ids] } }, select: { id: true, drawdownId: true, period: true } });
      const installmentId = (drawdownId: string, period: number | null) => (period === null ? null : (installments.find((i) => i.drawdownId === drawdownId && i.period === period)?.id ?? null));
      await tx.repayment.create({
        data: {
          id: repaymentId,
          creditLineId: loaded.row.id,
          drawdownId: input.drawdownId ?? null,
          amountFen: toBigFen(result.applied),
          kind: KIND[input.kind],
          idempotencyKey: input.idempotencyKey,
          paymentRef: payment.paymentRef,
          paidAt: new Date(input.at),
          allocations: {
            create: result.allocations.map((a) => ({
              installmentId: installmentId(a.drawdownId, a.period),
              drawdownId: a.drawdownId,
              kind: a.kind,
              period: a.period,
              penaltyFen: toBigFen(a.penalty),
              interestFen: toBigFen(a.interest),
              principalFen: toBigFen(a.principal),
            })),
          },
        },
      });
      const entries = await bookPostings(tx, result.postings, repaymentId);
      const total = (k: 'penalty' | 'interest' | 'principal'): Fen => result.allocations.reduce((s, a) => s + a[k], 0);
      const receipt: RepaymentReceipt = {
        repaymentId,
        reference,
        amount: result.applied,
        penalty: total('penalty'),
        interest: total('interest'),
        principal: total('principal'),
        unapplied: input.kind === 'partial' && input.amount !== undefined ? Math.max(0, input.amount - result.applied) : 0,
        card: payment.card,
        paidAt: input.at,
        availableAfter: result.line.available,
        settledDrawdowns: [...result.settledDrawdownIds],
        outstandingAfter: lineOutstandingPrincipal(result.line),
      };
      const output: RepayOutput = { ok: true, receipt };
      await remember(tx, SCOPE, input.idempotencyKey, output, clock.now());
      await audit(tx, {
        actorType: 'borrower',
        actorId: input.borrowerId,
        action: 'repayment.collected',
        subjectType: 'Repayment',
        subjectId: repaymentId,
        at: input.at,
        detail: { lineId: input.lineId, kind: input.kind, early: planned.early, amount: result.applied, penalty: receipt.penalty, interest: receipt.interest, principal: receipt.principal, paymentRef: payment.paymentRef, card: payment.card, ledgerEntries: entries, settled: receipt.settledDrawdowns },
      });
      return output;
    });
  }
}
