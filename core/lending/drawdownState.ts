/**
 * Arithmetic on one drawdown's state as of a date: what is due, penalty to date, interest for the
 * days used, evaluation (statuses and accrual postings), applying payments, early repayment.
 * Internal to the credit-line functions; they validate inputs first.
 */
import { amortize, type Installment } from './amortize.js';
import { daysBetween, maxDate, type IsoDate } from '../calendar/index.js';
import type { ComponentAmounts } from './allocateRepayment.js';
import type { Drawdown, EarlyRepaymentMode, InstallmentState, Prepayment } from './creditLine.js';
import { interestForDays } from './dayCount.js';
import { credit, debit, makePosting, type Posting } from './ledger.js';
import type { Fen } from './roundFen.js';

/** A fresh instalment state for a scheduled instalment. */
export const toInstallmentState = (i: Installment): InstallmentState => ({
  ...i,
  status: 'scheduled',
  paidPrincipal: 0,
  paidInterest: 0,
  paidPenalty: 0,
  penaltyBooked: 0,
  penaltyFrom: i.dueDate,
  interestRecognized: 0,
  penaltyRecognized: 0,
});

/**
 * Penalty interest on an instalment's unpaid principal through `on`: the fixed part of closed
 * segments plus unpaid principal × penalty rate × days since the open segment began / basis.
 * Depends only on the state and `on`, not on how often it is evaluated.
 */
export function penaltyAsOf(dd: Drawdown, inst: InstallmentState, on: IsoDate): Fen {
  if (inst.dueDate >= on) return inst.penaltyBooked;
  const days = daysBetween(inst.penaltyFrom, on);
  return inst.penaltyBooked + interestForDays(inst.principal - inst.paidPrincipal, dd.penaltyRate, days, dd.dayCount, dd.rounding);
}

/** What is still owed on an instalment as of `on` (zero for one not yet due). */
export function installmentOutstanding(dd: Drawdown, inst: InstallmentState, on: IsoDate): ComponentAmounts {
  if (inst.dueDate > on) return { penalty: 0, interest: 0, principal: 0 };
  return {
    penalty: penaltyAsOf(dd, inst, on) - inst.paidPenalty,
    interest: inst.interest - inst.paidInterest,
    principal: inst.principal - inst.paidPrincipal,
  };
}

const isSettled = (o: ComponentAmounts): boolean => o.penalty === 0 && o.interest === 0 && o.principal === 0;

/** Principal of instalments not yet due on `on`. */
export const notYetDuePrincipal = (dd: Drawdown, on: IsoDate): Fen =>
  dd.installments.filter((i) => i.dueDate > on).reduce((s, i) => s + i.principal - i.paidPrincipal, 0);

/** The latest scheduled date on or before `on`: the last due date passed, or the drawdown date. */
const previousScheduledDate = (dd: Drawdown, on: IsoDate): IsoDate =>
  dd.installments.filter((i) => i.dueDate <= on).reduce((latest, i) => maxDate(latest, i.dueDate), dd.drawnOn);

/** Interest on principal not yet due runs from the last due date passed (or drawdown / early repayment date). */
export const interestFrom = (dd: Drawdown, on: IsoDate): IsoDate => maxDate(dd.accrualStart, previousScheduledDate(dd, on));

/**
 * Interest for the days actually used since interest last fell due, on principal not yet due:
 * principal × rate × days / basis. Zero on a due date or on the drawdown date.
 */
export function accruedInterest(dd: Drawdown, on: IsoDate): Fen {
  const from = interestFrom(dd, on);
  return interestForDays(notYetDuePrincipal(dd, on), dd.annualRate, Math.max(0, daysBetween(from, on)), dd.dayCount, dd.rounding);
}

/** Days past due: days since the oldest unpaid due date before `on` (0 when current). */
export function drawdownDaysPastDue(dd: Drawdown, on: IsoDate): number {
  const oldest = dd.installments.find((i) => i.status !== 'paid' && i.dueDate < on && !isSettled(installmentOutstanding(dd, i, on)));
  return oldest ? daysBetween(oldest.dueDate, on) : 0;
}

const statusOf = (dd: Drawdown, inst: InstallmentState, on: IsoDate): InstallmentState['status'] => {
  if (inst.status === 'paid') return 'paid';
  if (inst.dueDate > on) return 'scheduled';
  if (isSettled(installmentOutstanding(dd, inst, on))) return 'paid';
  return inst.dueDate === on ? 'due' : 'overdue';
};

/** Brings statuses up to `on` and recognises interest that fell due and penalty to date. */
export function evaluateDrawdown(dd: Drawdown, on: IsoDate, lineId: string): { drawdown: Drawdown; postings: Posting[] } {
  if (dd.status === 'settled') return { drawdown: dd, postings: [] };
  let interest = 0;
  let penalty = 0;
  const periods: number[] = [];
  const installments = dd.installments.map((inst) => {
    if (inst.status === 'paid' || inst.dueDate > on) return inst;
    const newInterest = inst.interest - inst.interestRecognized;
    const penaltyTotal = penaltyAsOf(dd, inst, on);
    const newPenalty = penaltyTotal - inst.penaltyRecognized;
    interest += newInterest;
    penalty += Math.max(0, newPenalty);
    if (newInterest > 0 || newPenalty > 0) periods.push(inst.period);
    const next = { ...inst, interestRecognized: inst.interest, penaltyRecognized: Math.max(inst.penaltyRecognized, penaltyTotal) };
    const status = statusOf(dd, next, on);
    return status === 'paid' ? { ...next, status, paidOn: inst.paidOn ?? on } : { ...next, status };
  });
  const postings: Posting[] = [];
  const head = { date: on, lineId, drawdownId: dd.id };
  if (interest > 0) {
    const memo = `利息计提 interest due, periods ${periods.join(',')}`;
    postings.push(makePosting({ ...head, kind: 'interest_accrual', memo }, [debit('interest_receivable', interest, memo), credit('interest_income', interest, memo)]));
  }
  if (penalty > 0) {
    const memo = `罚息计提 penalty interest on overdue principal to ${on}`;
    postings.push(makePosting({ ...head, kind: 'penalty_accrual', memo }, [debit('penalty_receivable', penalty, memo), credit('penalty_income', penalty, memo)]));
  }
  return { drawdown: settleIfDone({ ...dd, installments }, on), postings };
}

/**
 * Marks the drawdown settled once every instalment is paid. Instalments of zero (a tiny loan whose
 * rounded level payment repaid it early) are settled with it rather than left open until their date.
 */
export function settleIfDone(dd: Drawdown, on: IsoDate): Drawdown {
  if (dd.status === 'settled') return dd;
  if (!dd.installments.every((i) => i.status === 'paid' || i.total === 0)) return dd;
  const installments = dd.installments.map((i): InstallmentState => (i.status === 'paid' ? i : { ...i, status: 'paid', paidOn: on }));
  return { ...dd, installments, status: 'settled', settledOn: on };
}

/**
 * Applies a payment to instalment `period` on `on` (evaluate first). Penalty to date is fixed and
 * a new penalty segment starts on `on`, so later penalty accrues on the principal still unpaid.
 */
export function applyInstallmentPayment(dd: Drawdown, period: number, paid: ComponentAmounts, on: IsoDate): Drawdown {
  const installments = dd.installments.map((inst) => {
    if (inst.period !== period) return inst;
    const booked = penaltyAsOf(dd, inst, on);
    const next: InstallmentState = {
      ...inst,
      paidPenalty: inst.paidPenalty + paid.penalty,
      paidInterest: inst.paidInterest + paid.interest,
      paidPrincipal: inst.paidPrincipal + paid.principal,
      penaltyBooked: booked,
      penaltyFrom: inst.dueDate < on ? on : inst.penaltyFrom,
      penaltyRecognized: Math.max(inst.penaltyRecognized, booked),
    };
    const status = statusOf(dd, next, on);
    return status === 'paid' ? { ...next, status, paidOn: on } : { ...next, status };
  });
  return settleIfDone({ ...dd, installments }, on);
}

/**
 * Settles instalment `period` on `on`, before its due date, as scheduled: its principal and its
 * interest are paid in full and its interest is recognised now. Interest on the principal left
 * then runs from that due date, which the instalment's interest already covers.
 */
export function settleInstallmentEarly(dd: Drawdown, period: number, on: IsoDate): { drawdown: Drawdown; paid: ComponentAmounts; recognized: Fen } {
  const inst = dd.installments.find((i) => i.period === period) as InstallmentState;
  const paid = { penalty: 0, interest: inst.interest - inst.paidInterest, principal: inst.principal - inst.paidPrincipal };
  const recognized = inst.interest - inst.interestRecognized;
  const installments = dd.installments.map((i): InstallmentState =>
    i.period === period ? { ...i, paidInterest: i.interest, paidPrincipal: i.principal, interestRecognized: i.interest, status: 'paid', paidOn: on } : i,
  );
  return { drawdown: settleIfDone({ ...dd, installments, accrualStart: maxDate(dd.accrualStart, inst.dueDate) }, on), paid, recognized };
}

/**
 * Periods needed at a kept level amount, rounded to the nearest whole period so the last
 * instalment absorbs the remainder (between about ½ and 1½ level amounts) instead of leaving a
 * few fen for an extra month. Annuity: n = −ln(1 − B·r/PMT) / ln(1+r); level principal: n = B / level.
 */
function periodsAtLevel(dd: Drawdown, balance: Fen, level: Fen, max: number): number {
  const r = dd.annualRate / 12;
  let n: number;
  if (dd.method === 'equal_installment') n = balance * r >= level ? max : -Math.log(1 - (balance * r) / level) / Math.log(1 + r);
  else n = balance / level;
  return Math.min(max, Math.max(1, Math.round(n)));
}

/**
 * Early repayment of `amount` on `on` once nothing is due: first the interest for the days used
 * on principal not yet due, then principal; the remaining principal is rescheduled over the
 * remaining due dates (reduce_installment) or over fewer of them at the same level (shorten_term).
 * Returns the unchanged drawdown and no prepayment when the amount does not exceed that interest.
 */
export function prepayDrawdown(dd: Drawdown, amount: Fen, on: IsoDate, mode: EarlyRepaymentMode): { drawdown: Drawdown; prepayment: Prepayment | null } {
  const balance = notYetDuePrincipal(dd, on);
  const interest = accruedInterest(dd, on);
  if (dd.status === 'settled' || balance === 0 || amount <= interest) return { drawdown: dd, prepayment: null };
  const principal = Math.min(amount - interest, balance);
  const remaining = balance - principal;
  // After instalments were settled ahead of their dates, interest is paid up to the last of them:
  // the rescheduled instalments start there, and those settled stay as they are.
  const start = maxDate(on, dd.accrualStart);
  const past = dd.installments.filter((i) => i.dueDate <= start);
  const future = dd.installments.filter((i) => i.dueDate > start);
  let installments: readonly InstallmentState[] = past;
  let levelAmount = dd.levelAmount;
  if (remaining > 0) {
    let dueDates = future.map((i) => i.dueDate);
    let keepLevel: Fen | undefined;
    if (mode === 'shorten_term' && dd.levelAmount !== undefined) {
      dueDates = dueDates.slice(0, periodsAtLevel(dd, remaining, dd.levelAmount, dueDates.length));
      keepLevel = dd.levelAmount;
    }
    const plan = amortize({
      principal: remaining,
      annualRate: dd.annualRate,
      method: dd.method,
      dueDates,
      accrualStart: start,
      firstPeriodByDays: start !== previousScheduledDate(dd, start),
      dayCount: dd.dayCount,
      rounding: dd.rounding,
      firstPeriodNumber: (future[0] as InstallmentState).period,
      ...(keepLevel === undefined ? {} : { levelAmount: keepLevel }),
    });
    installments = [...past, ...plan.installments.map(toInstallmentState)];
    levelAmount = plan.levelAmount;
  }
  const prepayment: Prepayment = { on, principal, interest, mode };
  const next: Drawdown = {
    ...dd,
    installments,
    prepayments: [...dd.prepayments, prepayment],
    accrualStart: start,
    ...(levelAmount === undefined ? {} : { levelAmount }),
  };
  return { drawdown: settleIfDone(next, on), prepayment };
}

