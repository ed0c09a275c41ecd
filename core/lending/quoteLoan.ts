import { ok, type Result } from '../result.js';
import { REPAYMENT_METHOD_NAMES_ZH, REPAYMENT_METHODS, type RepaymentMethod } from './amortize.js';
import { buildSchedule, type Schedule, type ScheduleInput } from './buildSchedule.js';
import { validateIsoDate } from './validateIsoDate.js';
import { aprFromSchedule, validateFees, type Apr, type Fee } from './computeApr.js';
import { DAY_COUNTS, type DayCount } from './dayCount.js';
import { formatPercent } from './formatPercent.js';
import { formatYuanPlain } from './formatYuan.js';
import { fail } from './lendingError.js';
import { parsePercent } from './parsePercent.js';
import { parseTermMonths } from './parseTermMonths.js';
import { parseYuan } from './parseYuan.js';
import type { Fen } from './roundFen.js';

export interface QuoteInput extends ScheduleInput {
  readonly fees?: readonly Fee[];
}

export interface LoanQuote {
  readonly schedule: Schedule;
  readonly fees: readonly Fee[];
  readonly apr: Apr;
  readonly upfrontFees: Fen;
  /** Sum of per-period fees over all instalments. */
  readonly periodFees: Fen;
  readonly totalFees: Fen;
  readonly totalInterest: Fen;
  /** Interest plus all fees: the borrower's cost of credit. */
  readonly totalCost: Fen;
  /** Everything paid after disbursement: instalments plus per-period fees. */
  readonly totalRepayment: Fen;
}

/** Builds the schedule and its APR (interest plus fees) for a loan offer; validates everything. */
export function quoteLoan(input: QuoteInput): Result<LoanQuote> {
  const fees = input.fees ?? [];
  const validFees = validateFees(fees);
  if (!validFees.ok) return validFees;
  const schedule = buildSchedule(input);
  if (!schedule.ok) return schedule;
  const apr = aprFromSchedule(schedule.value, fees);
  if (!apr.ok) return apr;
  const upfrontFees = fees.filter((f) => f.when === 'upfront').reduce((s, f) => s + f.amount, 0);
  const periodFees = fees.filter((f) => f.when === 'per_period').reduce((s, f) => s + f.amount, 0) * schedule.value.installments.length;
  const { totalInterest, totalPayment } = schedule.value;
  return ok({
    schedule: schedule.value,
    fees,
    apr: apr.value,
    upfrontFees,
    periodFees,
    totalFees: upfrontFees + periodFees,
    totalInterest,
    totalCost: totalInterest + upfrontFees + periodFees,
    totalRepayment: totalPayment + periodFees,
  });
}

/** The quote API's request body: amounts and rates as decimal strings, as clients send them. */
export interface QuoteRequest {
  readonly principal: string;
  readonly annualRatePercent: string;
  readonly termMonths: number | string;
  readonly method: string;
  readonly startDate: string;
  readonly fees?: readonly { readonly amount: string; readonly when: string }[];
  readonly dayCount?: string;
}

/** Parses a QuoteRequest's strings ("100000.00", "6.48") into a QuoteInput; each error names its field. */
export function parseQuoteRequest(request: QuoteRequest): Result<QuoteInput> {
  const principal = parseYuan(request.principal, {}, 'principal');
  if (!principal.ok) return principal;
  const rate = parsePercent(request.annualRatePercent, 'annualRatePercent');
  if (!rate.ok) return rate;
  let termMonths: number;
  if (typeof request.termMonths === 'number') termMonths = request.termMonths;
  else {
    const term = parseTermMonths(String(request.termMonths), 'termMonths');
    if (!term.ok) return term;
    termMonths = term.value;
  }
  if (!REPAYMENT_METHODS.includes(request.method as RepaymentMethod)) return fail('METHOD_UNKNOWN', 'method', `Unknown repayment method: ${JSON.stringify(request.method)}`);
  const startDate = validateIsoDate(request.startDate, 'startDate');
  if (!startDate.ok) return startDate;
  if (request.dayCount !== undefined && !DAY_COUNTS.includes(request.dayCount as DayCount)) return fail('DAY_COUNT_UNKNOWN', 'dayCount', `Unknown day count: ${JSON.stringify(request.dayCount)}`);
  const fees: Fee[] = [];
  for (const [i, fee] of (request.fees ?? []).entries()) {
    const amount = parseYuan(fee?.amount, {}, `fees[${i}].amount`);
    if (!amount.ok) return amount;
    if (fee.when !== 'upfront' && fee.when !== 'per_period') return fail('FEE_INVALID', `fees[${i}].when`, `Fee must be charged "upfront" or "per_period", got ${JSON.stringify(fee.when)}`);
    fees.push({ amount: amount.value, when: fee.when });
  }
  return ok({
    principal: principal.value,
    annualRate: rate.value,
    termMonths,
    method: request.method as RepaymentMethod,
    startDate: startDate.value,
    fees,
    ...(request.dayCount === undefined ? {} : { dayCount: request.dayCount as DayCount }),
  });
}

/** A quote with every amount as a 2-decimal yuan string and rates as percent strings, for APIs. */
export interface QuoteView {
  readonly method: RepaymentMethod;
  readonly methodNameZh: string;
  readonly principal: string;
  readonly annualRate: string;
  readonly termMonths: number;
  readonly startDate: string;
  readonly maturityDate: string;
  readonly dayCount: DayCount;
  readonly apr: { readonly simple: string; readonly compound: string };
  readonly upfrontFees: string;
  readonly totalFees: string;
  readonly totalInterest: string;
  readonly totalCost: string;
  readonly totalRepayment: string;
  /** `total` includes the per-period fee, i.e. what the borrower pays on `dueDate`. */
  readonly installments: readonly {
    readonly period: number;
    readonly dueDate: string;
    readonly principal: string;
    readonly interest: string;
    readonly fee: string;
    readonly total: string;
    readonly remainingPrincipal: string;
  }[];
}

/** Renders a LoanQuote for the quote API: amounts "8628.72", rates "6.48%". */
export function renderQuote(quote: LoanQuote): QuoteView {
  const s = quote.schedule;
  const perPeriod = quote.fees.filter((f) => f.when === 'per_period').reduce((sum, f) => sum + f.amount, 0);
  return {
    method: s.method,
    methodNameZh: REPAYMENT_METHOD_NAMES_ZH[s.method],
    principal: formatYuanPlain(s.principal),
    annualRate: formatPercent(s.annualRate),
    termMonths: s.termMonths,
    startDate: s.startDate,
    maturityDate: s.maturityDate,
    dayCount: s.dayCount,
    apr: { simple: quote.apr.simpleText, compound: quote.apr.compoundText },
    upfrontFees: formatYuanPlain(quote.upfrontFees),
    totalFees: formatYuanPlain(quote.totalFees),
    totalInterest: formatYuanPlain(quote.totalInterest),
    totalCost: formatYuanPlain(quote.totalCost),
    totalRepayment: formatYuanPlain(quote.totalRepayment),
    installments: s.installments.map((i) => ({
      period: i.period,
      dueDate: i.dueDate,
      principal: formatYuanPlain(i.principal),
      interest: formatYuanPlain(i.interest),
      fee: formatYuanPlain(perPeriod),
      total: formatYuanPlain(i.total + perPeriod),
      remainingPrincipal: formatYuanPlain(i.remainingPrincipal),
    })),
  };
}
