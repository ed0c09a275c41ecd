import { ok, type Result } from '../result.js';
import { allocateRepayment, DEFAULT_ALLOCATION_ORDER, validateAllocationOrder, type AmountComponent, type ComponentAmounts } from './allocateRepayment.js';
import { daysBetween, type IsoDate } from '../calendar/index.js';
import { checkEventDate, drawdownOutstandingPrincipal, lineOutstandingPrincipal, type CreditLine, type Drawdown, type EarlyRepaymentMode, type LineTransition } from './creditLine.js';
import { accruedInterest, applyInstallmentPayment, installmentOutstanding, interestFrom, prepayDrawdown, settleInstallmentEarly } from './drawdownState.js';
import { evaluateLineAt } from './evaluateCreditLine.js';
import { credit, debit, makePosting, type Posting } from './ledger.js';
import { fail } from './lendingError.js';
import type { Fen } from './roundFen.js';

export interface RepaymentOptions {
  /** Inside each instalment; default penalty → interest → principal. */
  readonly allocationOrder?: readonly AmountComponent[];
  /** Money left once everything due is paid: repay early (default) or hand it back unapplied. */
  readonly surplus?: 'early_repayment' | 'reject';
  /** Default reduce_installment. */
  readonly earlyRepaymentMode?: EarlyRepaymentMode;
}

export interface RepaymentRequest {
  readonly amount: Fen;
  readonly on: IsoDate;
  /** Repay one drawdown; omit to repay across the whole line. */
  readonly drawdownId?: string;
  readonly options?: RepaymentOptions;
}

/** Where one part of a repayment went. `period` is null for an early repayment. */
export interface RepaymentAllocation extends ComponentAmounts {
  readonly drawdownId: string;
  readonly kind: 'installment' | 'early_repayment';
  readonly period: number | null;
  readonly dueDate: IsoDate;
}

export interface RepaymentResult extends LineTransition {
  readonly paid: Fen;
  /** applied + unapplied = paid, always. */
  readonly applied: Fen;
  /** Handed back to the payer: surplus rejected, or too small to cover interest for the days used. */
  readonly unapplied: Fen;
  readonly allocations: readonly RepaymentAllocation[];
  readonly settledDrawdownIds: readonly string[];
}

const sum = (c: ComponentAmounts): Fen => c.penalty + c.interest + c.principal;

function checkTarget(line: CreditLine, on: IsoDate, drawdownId: string | undefined): Result<readonly Drawdown[]> {
  const date = checkEventDate(line, on);
  if (!date.ok) return date;
  if (drawdownId === undefined) return ok(line.drawdowns.filter((d) => d.status === 'active'));
  const dd = line.drawdowns.find((d) => d.id === drawdownId);
  if (!dd) return fail('DRAWDOWN_NOT_FOUND', 'drawdownId', `No drawdown ${JSON.stringify(drawdownId)} on line ${line.id}`);
  if (dd.status === 'settled') return fail('DRAWDOWN_SETTLED', 'drawdownId');
  return ok([dd]);
}

/**
 * Takes a repayment on `on` for one drawdown or the whole line. The line is evaluated first; then
 * the money goes to overdue instalments oldest first and the instalment due today, inside each in
 * the allocation order; any surplus is an early repayment (interest for the days used, then
 * principal, remaining instalments rescheduled) or is handed back. Available limit is restored by
 * the principal repaid. NOTHING_TO_REPAY when not a fen could be applied.
 */
export function repayCreditLine(line: CreditLine, request: RepaymentRequest): Result<RepaymentResult> {
  const { amount, on, drawdownId } = request;
  const options = request.options ?? {};
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) return fail('AMOUNT_INVALID', 'amount', `Repayment must be a positive whole number of fen, got ${String(amount)}`);
  const targets = checkTarget(line, on, drawdownId);
  if (!targets.ok) return targets;
  const order = validateAllocationOrder(options.allocationOrder ?? DEFAULT_ALLOCATION_ORDER);
  if (!order.ok) return order;
  const surplusPolicy = options.surplus ?? 'early_repayment';
  if (surplusPolicy !== 'early_repayment' && surplusPolicy !== 'reject') return fail('OPTION_INVALID', 'options.surplus', `Unknown surplus policy: ${JSON.stringify(surplusPolicy)}`);
  const mode = options.earlyRepaymentMode ?? 'reduce_installment';
  if (mode !== 'reduce_installment' && mode !== 'shorten_term') return fail('OPTION_INVALID', 'options.earlyRepaymentMode', `Unknown early repayment mode: ${JSON.stringify(mode)}`);

  const evaluated = evaluateLineAt(line, on);
  const targetIds = new Set(targets.value.map((d) => d.id));
  const drawdowns = new Map(evaluated.line.drawdowns.map((d) => [d.id, d]));
  const lineOrder = evaluated.line.drawdowns.map((d) => d.id);

  // Due items: overdue oldest first, then due today; ties by drawdown age, then period.
  const items = evaluated.line.drawdowns
    .filter((d) => targetIds.has(d.id) && d.status === 'active')
    .flatMap((d, index) => d.installments
      .filter((i) => i.status === 'due' || i.status === 'overdue')
      .map((i) => ({ ...installmentOutstanding(d, i, on), drawdownId: d.id, period: i.period, dueDate: i.dueDate, index })))
    .sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.index - b.index || a.period - b.period));
  const { allocations, remaining } = allocateRepayment(amount, items, order.value);

  const allocationsOut: RepaymentAllocation[] = [];
  for (const { item, paid } of allocations) {
    const dd = drawdowns.get(item.drawdownId) as Drawdown;
    drawdowns.set(dd.id, applyInstallmentPayment(dd, item.period, paid, on));
    allocationsOut.push({ drawdownId: item.drawdownId, kind: 'installment', period: item.period, dueDate: item.dueDate, ...paid });
  }

  let unapplied = remaining;
  if (unapplied > 0 && surplusPolicy === 'early_repayment') {
    for (const id of lineOrder) {
      if (!targetIds.has(id) || unapplied === 0) continue;
      const { drawdown, prepayment } = prepayDrawdown(drawdowns.get(id) as Drawdown, unapplied, on, mode);
      if (!prepayment) continue;
      drawdowns.set(id, drawdown);
      unapplied -= prepayment.interest + prepayment.principal;
      allocationsOut.push({ drawdownId: id, kind: 'early_repayment', period: null, dueDate: on, penalty: 0, interest: prepayment.interest, principal: prepayment.principal });
    }
  }
  const applied = amount - unapplied;
  if (applied === 0) {
    return fail('NOTHING_TO_REPAY', 'amount', surplusPolicy === 'reject'
      ? 'Nothing is due and the surplus policy is reject'
      : 'Nothing is due and the amount does not exceed the interest accrued for the days used');
  }

  const postings: Posting[] = [...evaluated.postings];
  for (const id of lineOrder) {
    const parts = allocationsOut.filter((a) => a.drawdownId === id);
    if (parts.length === 0) continue;
    const head = { date: on, lineId: line.id, drawdownId: id };
    const early = parts.filter((p) => p.kind === 'early_repayment').reduce((s, p) => s + p.interest, 0);
    if (early > 0) {
      const memo = `提前还款利息 interest for days used to ${on}`;
      postings.push(makePosting({ ...head, kind: 'interest_accrual', memo }, [debit('interest_receivable', early, memo), credit('interest_income', early, memo)]));
    }
    const total = parts.reduce((t, p) => ({ penalty: t.penalty + p.penalty, interest: t.interest + p.interest, principal: t.principal + p.principal }), { penalty: 0, interest: 0, principal: 0 });
    const memo = `还款 repayment ${id}`;
    postings.push(makePosting({ ...head, kind: 'repayment', memo }, [
      debit('cash', sum(total), memo),
      credit('penalty_receivable', total.penalty, `${memo} 罚息`),
      credit('interest_receivable', total.interest, `${memo} 利息`),
      credit('loan_principal', total.principal, `${memo} 本金`),
    ]));
  }

  const nextDrawdowns = evaluated.line.drawdowns.map((d) => drawdowns.get(d.id) as Drawdown);
  const nextLine: CreditLine = { ...evaluated.line, drawdowns: nextDrawdowns };
  return ok({
    line: { ...nextLine, available: nextLine.limit - lineOutstandingPrincipal(nextLine) },
    postings,
    paid: amount,
    applied,
    unapplied,
    allocations: allocationsOut,
    settledDrawdownIds: nextDrawdowns.filter((d, i) => d.status === 'settled' && evaluated.line.drawdowns[i]?.status === 'active').map((d) => d.id),
  });
}

/**
 * Pays the next instalment ahead of its date, when nothing is due: every instalment of the target
 * drawdown (or of the whole line) falling due on the earliest coming due date is settled in full as
 * scheduled, principal and interest, so the next due date moves on to the one after it. Nothing is
 * rescheduled: interest on the principal left runs from the settled due date, which the instalment's
 * interest already covers. INSTALLMENT_DUE while something is due now (pay that first, with
 * repayCreditLine); NOTHING_TO_REPAY when no instalment is left.
 */
export function payNextInstallment(line: CreditLine, request: { readonly on: IsoDate; readonly drawdownId?: string }): Result<RepaymentResult> {
  const { on } = request;
  const targets = checkTarget(line, on, request.drawdownId);
  if (!targets.ok) return targets;
  const ids = new Set(targets.value.map((d) => d.id));
  const evaluated = evaluateLineAt(line, on);
  const active = evaluated.line.drawdowns.filter((d) => ids.has(d.id) && d.status === 'active');
  if (active.some((d) => d.installments.some((i) => i.status === 'due' || i.status === 'overdue'))) return fail('INSTALLMENT_DUE', 'on');
  const upcoming = (d: Drawdown) => d.installments.find((i) => i.dueDate > on && i.status !== 'paid' && i.total > 0);
  const nextDate = active.map((d) => upcoming(d)?.dueDate).filter((d): d is IsoDate => d !== undefined).sort()[0];
  if (nextDate === undefined) return fail('NOTHING_TO_REPAY', 'drawdownId', 'No instalment is left to pay');

  const allocations: RepaymentAllocation[] = [];
  const postings: Posting[] = [...evaluated.postings];
  const drawdowns = evaluated.line.drawdowns.map((dd) => {
    const inst = ids.has(dd.id) && dd.status === 'active' ? upcoming(dd) : undefined;
    if (!inst || inst.dueDate !== nextDate) return dd;
    const { drawdown, paid, recognized } = settleInstallmentEarly(dd, inst.period, on);
    allocations.push({ drawdownId: dd.id, kind: 'installment', period: inst.period, dueDate: inst.dueDate, ...paid });
    const head = { date: on, lineId: line.id, drawdownId: dd.id };
    if (recognized > 0) {
      const memo = `提前还第${inst.period}期利息 interest of instalment ${inst.period} paid early`;
      postings.push(makePosting({ ...head, kind: 'interest_accrual', memo }, [debit('interest_receivable', recognized, memo), credit('interest_income', recognized, memo)]));
    }
    const memo = `提前还第${inst.period}期 instalment ${inst.period} paid early ${dd.id}`;
    postings.push(makePosting({ ...head, kind: 'repayment', memo }, [
      debit('cash', sum(paid), memo),
      credit('interest_receivable', paid.interest, `${memo} 利息`),
      credit('loan_principal', paid.principal, `${memo} 本金`),
    ]));
    return drawdown;
  });
  const applied = allocations.reduce((s, a) => s + sum(a), 0);
  const nextLine: CreditLine = { ...evaluated.line, drawdowns };
  return ok({
    line: { ...nextLine, available: nextLine.limit - lineOutstandingPrincipal(nextLine) },
    postings,
    paid: applied,
    applied,
    unapplied: 0,
    allocations,
    settledDrawdownIds: drawdowns.filter((d, i) => d.status === 'settled' && evaluated.line.drawdowns[i]?.status === 'active').map((d) => d.id),
  });
}

export interface DrawdownPayoff {
  readonly drawdownId: string;
  readonly principal: Fen;
  /** Unpaid interest of instalments already due plus `accruedInterest`. */
  readonly interest: Fen;
  /** Interest for the days used since `interestFrom` on principal not yet due. */
  readonly accruedInterest: Fen;
  readonly interestFrom: IsoDate;
  readonly daysUsed: number;
  readonly penalty: Fen;
  readonly total: Fen;
}

export interface PayoffQuote {
  readonly on: IsoDate;
  readonly principal: Fen;
  readonly interest: Fen;
  readonly penalty: Fen;
  readonly total: Fen;
  readonly drawdowns: readonly DrawdownPayoff[];
}

/**
 * What settles a drawdown (or the whole line) on `on`: all outstanding principal, unpaid interest
 * and penalty of instalments already due, and interest for the days actually used since interest
 * last fell due — never interest for days not used. Changes nothing.
 */
export function payoffQuote(line: CreditLine, request: { readonly on: IsoDate; readonly drawdownId?: string }): Result<PayoffQuote> {
  const targets = checkTarget(line, request.on, request.drawdownId);
  if (!targets.ok) return targets;
  const { on } = request;
  const ids = new Set(targets.value.map((d) => d.id));
  const evaluated = evaluateLineAt(line, on).line.drawdowns.filter((d) => ids.has(d.id) && d.status === 'active');
  const drawdowns = evaluated.map((dd): DrawdownPayoff => {
    let interest = 0;
    let penalty = 0;
    for (const inst of dd.installments) {
      if (inst.status === 'paid' || inst.dueDate > on) continue;
      const o = installmentOutstanding(dd, inst, on);
      interest += o.interest;
      penalty += o.penalty;
    }
    const accrued = accruedInterest(dd, on);
    const from = interestFrom(dd, on);
    const principal = drawdownOutstandingPrincipal(dd);
    return { drawdownId: dd.id, principal, interest: interest + accrued, accruedInterest: accrued, interestFrom: from, daysUsed: Math.max(0, daysBetween(from, on)), penalty, total: principal + interest + accrued + penalty };
  });
  return ok({
    on,
    principal: drawdowns.reduce((s, d) => s + d.principal, 0),
    interest: drawdowns.reduce((s, d) => s + d.interest, 0),
    penalty: drawdowns.reduce((s, d) => s + d.penalty, 0),
    total: drawdowns.reduce((s, d) => s + d.total, 0),
    drawdowns,
  });
}

/** Settles a drawdown (or the whole line) in full on `on`: pays exactly its payoff quote. */
export function payOffCreditLine(line: CreditLine, request: { readonly on: IsoDate; readonly drawdownId?: string; readonly allocationOrder?: readonly AmountComponent[] }): Result<RepaymentResult> {
  const quote = payoffQuote(line, request);
  if (!quote.ok) return quote;
  if (quote.value.total === 0) return fail('NOTHING_TO_REPAY', 'drawdownId', 'Nothing is outstanding');
  return repayCreditLine(line, {
    amount: quote.value.total,
    on: request.on,
    ...(request.drawdownId === undefined ? {} : { drawdownId: request.drawdownId }),
    options: { surplus: 'early_repayment', ...(request.allocationOrder ? { allocationOrder: request.allocationOrder } : {}) },
  });
}
