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
import { Prisma, type RepaymentAllocation } from '../db/generated/client.js';
import { checkLineId, ledgerCte, ledgerRows, lineConflict, loadLineRecalling, repaymentReference, saveLineSql, type LoadedLine } from './creditLineStore.js';
import { auditRow, idempotencyRow, IF_GUARDED, insertRows, isUniqueViolation, jsonb, queryOne, recalled, toBigFen } from './persistence.js';
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
 * in one statement (guarded by the line version). Insufficient funds change nothing. If the line
 * changed between planning and storing, the money collected is applied to the line as it now is.
 * Idempotent by key.
 */
export function repaymentEffects(ctx: ServiceContext): Pick<FlowEffects, 'repay'> {
  const { db, providers, clock, logger, lines } = ctx;

  return {
    async repay(input) {
      // One read: a stored result for the key, and the line.
      const read = await loadLineRecalling(db.prisma, input.lineId, [SCOPE], input.idempotencyKey);
      const previous = read.recalled[SCOPE] as RepayOutput | undefined;
      if (previous) return previous;
      checkLineId(input.lineId);
      const on = shanghaiDateOf(input.at);
      const loaded = read.loaded;
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
        await db.prisma.$executeRaw(
          insertRows('AuditLog', [auditRow({ actorType: 'borrower', actorId: input.borrowerId, action: 'repayment.declined', subjectType: 'CreditLine', subjectId: input.lineId, at: input.at, detail: { kind: input.kind, amount: plan.result.applied, reason: payment.reason } })]),
        );
        return payment.reason === 'insufficient_funds'
          ? { ok: false, reason: 'insufficient_funds', detail: payment.detail }
          : { ok: false, reason: 'payment_failed', detail: `${payment.reason}: ${payment.detail}` };
      }

      // The first try stores against the line as planned (unless another operation on it ran first
      // here); after a CONFLICT, up to four more read it again. Whoever read it again first asks
      // whether the same key was stored meanwhile (the same repayment run twice at once).
      return lines.run(input.lineId, async (waited) => {
        let current: LoadedLine | null = waited ? null : loaded;
        for (let attempt = 0; ; attempt++) {
          try {
            if (!current) {
              const again = await loadLineRecalling(db.prisma, input.lineId, [SCOPE], input.idempotencyKey);
              const stored = again.recalled[SCOPE] as RepayOutput | undefined;
              if (stored) return stored;
              current = again.loaded;
            }
            if (!current) throw new AppError('INTERNAL', {}, { cause: new Error(`credit line ${input.lineId} disappeared`) });
            return await store(input, payment, plan, loaded.row.version, current, repaymentId, reference, on);
          } catch (e) {
            if (isUniqueViolation(e)) {
              const first = await recalled<RepayOutput>(db.prisma, SCOPE, input.idempotencyKey);
              if (first) return first;
            }
            if (!(e instanceof AppError && e.code === 'CONFLICT') || attempt >= 4) throw e;
            current = null;
          }
        }
      });
    },
  };

  async function store(input: RepayInput, payment: Extract<PaymentResult, { ok: true }>, planned: Plan, plannedVersion: number, loaded: LoadedLine, repaymentId: string, reference: string, on: string): Promise<RepayOutput> {
    let { result } = planned;
    // The line moved on since planning, or the gateway replayed another amount: apply what was collected to the line as it is.
    if (loaded.row.version !== plannedVersion || payment.amount !== result.applied) {
      const again = repayCreditLine(loaded.line, { amount: payment.amount, on, ...(input.drawdownId === undefined ? {} : { drawdownId: input.drawdownId }), options: { earlyRepaymentMode: input.earlyRepaymentMode ?? (planned.early ? 'shorten_term' : 'reduce_installment') } });
      if (!again.ok) throw new AppError('INTERNAL', {}, { cause: new Error(`collected ${payment.amount} fen cannot be applied: ${again.error.code}`) });
      result = again.value;
    }
    const now = new Date();
    const save = saveLineSql(loaded, result.line, now);
    const entries = ledgerRows(result.postings, repaymentId, now);
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
    const repayment = {
      id: repaymentId,
      creditLineId: loaded.row.id,
      drawdownId: input.drawdownId ?? null,
      amountFen: toBigFen(result.applied),
      kind: KIND[input.kind],
      idempotencyKey: input.idempotencyKey,
      paymentRef: payment.paymentRef,
      paidAt: new Date(input.at),
      createdAt: now,
    };
    // installmentId: null for an allocation with no period; else the instalment of that drawdown and
    // period as it stands after this save: from `synced` for a drawdown the save rewrote (a period it
    // removed has none), from the table for one it left alone.
    const allocations: Omit<RepaymentAllocation, 'installmentId'>[] = result.allocations.map((a) => ({
      id: randomUUID(),
      repaymentId,
      drawdownId: a.drawdownId,
      kind: a.kind,
      period: a.period,
      penaltyFen: toBigFen(a.penalty),
      interestFen: toBigFen(a.interest),
      principalFen: toBigFen(a.principal),
    }));
    const { saved } = await queryOne<{ saved: number }>(
      db.prisma,
      Prisma.sql`WITH ${save.ctes},
        repayment AS (${insertRows('Repayment', [repayment], IF_GUARDED)}),
        allocated AS (INSERT INTO "RepaymentAllocation" (id, "repaymentId", "installmentId", "drawdownId", kind, period, "penaltyFen", "interestFen", "principalFen")
          SELECT a.id, a."repaymentId",
            CASE WHEN a.period IS NULL THEN NULL
              ${save.synced.length ? Prisma.sql`WHEN a."drawdownId" = ANY(${save.synced}::uuid[]) THEN (SELECT s.id FROM synced s WHERE s."drawdownId" = a."drawdownId" AND s.period = a.period)` : Prisma.empty}
              ELSE (SELECT i.id FROM "Installment" i WHERE i."drawdownId" = a."drawdownId" AND i.period = a.period) END,
            a."drawdownId", a.kind, a.period, a."penaltyFen", a."interestFen", a."principalFen"
          FROM jsonb_populate_recordset(NULL::"RepaymentAllocation", ${jsonb(allocations)}) AS a ${IF_GUARDED})
        ${ledgerCte(entries)},
        remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, input.idempotencyKey, output, clock.now())], IF_GUARDED)}),
        audited AS (${insertRows('AuditLog', [auditRow({
          actorType: 'borrower',
          actorId: input.borrowerId,
          action: 'repayment.collected',
          subjectType: 'Repayment',
          subjectId: repaymentId,
          at: input.at,
          detail: { lineId: input.lineId, kind: input.kind, early: planned.early, amount: result.applied, penalty: receipt.penalty, interest: receipt.interest, principal: receipt.principal, paymentRef: payment.paymentRef, card: payment.card, ledgerEntries: entries.length, settled: receipt.settledDrawdowns },
        })], IF_GUARDED)})
        SELECT count(*)::int AS saved FROM guard`,
    );
    if (saved !== 1) throw lineConflict(loaded);
    return output;
  }
}
