import { ok, type Result } from '../result.js';
import type { Schedule } from './buildSchedule.js';
import { isMonthlyMethod } from './amortize.js';
import { daysBetween } from '../calendar/index.js';
import { formatPercent, roundRate } from './formatPercent.js';
import { fail } from './lendingError.js';
import type { Fen } from './roundFen.js';

/** A fee directly related to the loan: once at disbursement, or with every instalment. */
export interface Fee {
  readonly amount: Fen;
  readonly when: 'upfront' | 'per_period';
}

/** Annualised rate (年化利率) as PBoC announcement 2021 No. 3 requires it disclosed. */
export interface Apr {
  /** The monthly internal rate of return, unrounded. */
  readonly periodRate: number;
  /** Simple annualisation 12·r, as a decimal rounded to 0.01 percentage points (0.128). */
  readonly simple: number;
  /** Compound annualisation (1+r)^12 − 1, rounded likewise (0.1358). */
  readonly compound: number;
  /** "12.80%" */
  readonly simpleText: string;
  /** "13.58%" */
  readonly compoundText: string;
}

/** Σ c_t·(1+r)^−t and its derivative, by Horner's rule on v = 1/(1+r). */
function npv(cashflows: readonly number[], r: number): { value: number; slope: number } {
  const v = 1 / (1 + r);
  let value = 0;
  let slope = 0;
  for (let t = cashflows.length - 1; t >= 0; t -= 1) {
    const c = cashflows[t] as number;
    slope = slope * v + t * c;
    value = value * v + c;
  }
  return { value, slope: -slope * v };
}

/**
 * Solves Σ c_t (1+r)^−t = 0 for a conventional loan (one outflow, then inflows), where the NPV falls
 * strictly as r rises, so the root is unique: bracket it, then Newton steps that fall back to
 * bisection whenever a step would leave the bracket. Returns null if no bracket is found.
 */
function solveIrr(cashflows: readonly number[]): number | null {
  let lo: number;
  let hi: number;
  if (npv(cashflows, 0).value >= 0) {
    lo = 0;
    hi = 1;
    while (npv(cashflows, hi).value > 0) {
      lo = hi;
      hi *= 2;
      if (hi > 1e15) return null;
    }
  } else {
    hi = 0;
    lo = -0.5;
    while (npv(cashflows, lo).value < 0) {
      hi = lo;
      lo = (lo - 1) / 2;
      if (lo + 1 < 1e-12) return null;
    }
  }
  let x = (lo + hi) / 2;
  for (let i = 0; i < 300; i += 1) {
    const { value, slope } = npv(cashflows, x);
    if (value === 0) return x;
    if (value > 0) lo = x;
    else hi = x;
    let next = slope !== 0 ? x - value / slope : Number.NaN;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - x) <= 1e-15 * Math.max(1, Math.abs(x)) || hi - lo <= 1e-16) return next;
    x = next;
  }
  return (lo + hi) / 2;
}

/**
 * APR of monthly cash flows from the lender's side: `cashflows[t]` is the net flow in month t, the
 * first negative (amount disbursed net of upfront fees), the rest non-negative (everything the
 * borrower pays). Reports simple 12·r and compound (1+r)^12 − 1; never NaN.
 */
export function aprFromCashflows(cashflows: readonly Fen[], field = 'cashflows'): Result<Apr> {
  if (!Array.isArray(cashflows) || cashflows.length < 2 || cashflows.length > 10_000) {
    return fail('CASHFLOWS_INVALID', field, 'Need a disbursement and at least one repayment period');
  }
  if (!cashflows.every((c) => typeof c === 'number' && Number.isSafeInteger(c))) return fail('CASHFLOWS_INVALID', field, 'Cash flows must be whole fen');
  if (!((cashflows[0] as number) < 0)) return fail('CASHFLOWS_INVALID', field, 'The first cash flow (disbursement) must be negative');
  if (cashflows.slice(1).some((c) => c < 0)) return fail('CASHFLOWS_INVALID', field, 'Repayments must not be negative');
  if (!cashflows.slice(1).some((c) => c > 0)) return fail('CASHFLOWS_INVALID', field, 'There must be at least one repayment');
  const r = solveIrr(cashflows);
  if (r === null || !Number.isFinite(r)) return fail('APR_NO_SOLUTION', field);
  const simple = 12 * r;
  const compound = Math.pow(1 + r, 12) - 1;
  return ok({ periodRate: r, simple: roundRate(simple), compound: roundRate(compound), simpleText: formatPercent(simple), compoundText: formatPercent(compound) });
}

/** Validates fees: whole non-negative fen, charged upfront or per period. */
export function validateFees(fees: readonly Fee[], field = 'fees'): Result<readonly Fee[]> {
  if (!Array.isArray(fees)) return fail('FEE_INVALID', field, 'Fees must be a list');
  for (const [i, fee] of fees.entries()) {
    if (typeof fee !== 'object' || fee === null || !(typeof fee.amount === 'number' && Number.isSafeInteger(fee.amount) && fee.amount >= 0)) {
      return fail('FEE_INVALID', `${field}[${i}].amount`, 'Fee amount must be a whole, non-negative number of fen');
    }
    if (fee.when !== 'upfront' && fee.when !== 'per_period') return fail('FEE_INVALID', `${field}[${i}].when`, `Fee must be charged "upfront" or "per_period", got ${JSON.stringify(fee.when)}`);
  }
  return ok(fees);
}

/**
 * The monthly cash flows of a schedule plus fees, lender's side: month 0 is −(principal − upfront
 * fees); each instalment lands in the month it falls due (a bullet at month `termMonths`);
 * per-period fees are added to every instalment.
 */
export function scheduleCashflows(schedule: Schedule, fees: readonly Fee[] = []): Fen[] {
  const upfront = fees.filter((f) => f.when === 'upfront').reduce((s, f) => s + f.amount, 0);
  const perPeriod = fees.filter((f) => f.when === 'per_period').reduce((s, f) => s + f.amount, 0);
  const flows: Fen[] = new Array<Fen>(schedule.termMonths + 1).fill(0);
  flows[0] = -(schedule.principal - upfront);
  schedule.installments.forEach((inst, i) => {
    // Monthly methods pay in month `period`; a single-instalment schedule pays at maturity.
    const month = schedule.installments.length === 1 ? schedule.termMonths : i + 1;
    flows[month] = (flows[month] ?? 0) + inst.total + perPeriod;
  });
  return flows;
}

/** APR (interest plus all directly related fees) of a schedule: the IRR of its monthly cash flows. */
export function aprFromSchedule(schedule: Schedule, fees: readonly Fee[] = []): Result<Apr> {
  const valid = validateFees(fees);
  if (!valid.ok) return valid;
  if (!isMonthlyMethod(schedule.method)) return singlePaymentApr(schedule, fees);
  return aprFromCashflows(scheduleCashflows(schedule, fees), 'fees');
}

/**
 * A loan repaid in one payment (到期一次还本付息, 随借随还) has one period: the days from drawdown to
 * maturity. Its rate for that period annualises over a 365-day year — simply (rate × 365 / days) or
 * compounded ((1 + rate)^(365 / days) − 1) — so a one-year loan shows the same figure both ways, the
 * interest it actually costs. Twelve times a monthly IRR would understate it.
 */
function singlePaymentApr(schedule: Schedule, fees: readonly Fee[]): Result<Apr> {
  const days = daysBetween(schedule.startDate, schedule.maturityDate);
  const upfront = fees.filter((f) => f.when === 'upfront').reduce((s, f) => s + f.amount, 0);
  const perPeriod = fees.filter((f) => f.when === 'per_period').reduce((s, f) => s + f.amount, 0);
  const received = schedule.principal - upfront;
  if (days <= 0 || received <= 0) return fail('APR_NO_SOLUTION', 'fees');
  const periodReturn = (schedule.installments[0]!.total + perPeriod) / received - 1;
  const years = days / 365;
  const simple = periodReturn / years;
  const compound = Math.pow(1 + periodReturn, 1 / years) - 1;
  return ok({
    periodRate: Math.pow(1 + compound, 1 / 12) - 1,
    simple: roundRate(simple),
    compound: roundRate(compound),
    simpleText: formatPercent(simple),
    compoundText: formatPercent(compound),
  });
}

