import { daysBetween, type IsoDate } from '../calendar/index.js';
import { interestForDays, type DayCount } from './dayCount.js';
import { roundFen, type Fen, type RoundingMode } from './roundFen.js';

/** The repayment methods the core schedules. */
export type RepaymentMethod = 'equal_installment' | 'equal_principal' | 'interest_first' | 'bullet' | 'daily_revolving';

export const REPAYMENT_METHODS: readonly RepaymentMethod[] = ['equal_installment', 'equal_principal', 'interest_first', 'bullet', 'daily_revolving'];

/** What a borrower reads for each method. */
export const REPAYMENT_METHOD_NAMES_ZH: Readonly<Record<RepaymentMethod, string>> = {
  equal_installment: '等额本息',
  equal_principal: '等额本金',
  interest_first: '先息后本',
  bullet: '到期一次还本付息',
  daily_revolving: '随借随还',
};

/** Monthly methods accrue r = annual/12 per period; the others accrue daily on the day count. */
export const isMonthlyMethod = (method: RepaymentMethod): boolean =>
  method === 'equal_installment' || method === 'equal_principal' || method === 'interest_first';

/** One scheduled instalment; every amount in fen. */
export interface Installment {
  readonly period: number;
  readonly dueDate: IsoDate;
  readonly principal: Fen;
  readonly interest: Fen;
  readonly total: Fen;
  /** Principal still owed after this instalment is paid. */
  readonly remainingPrincipal: Fen;
}

export interface AmortizeInput {
  readonly principal: Fen;
  readonly annualRate: number;
  readonly method: RepaymentMethod;
  /** Due dates of the instalments to build (one for bullet/daily_revolving). */
  readonly dueDates: readonly IsoDate[];
  /** Date interest starts (drawdown date, or the date of an early repayment). */
  readonly accrualStart: IsoDate;
  /** First period is a broken one (after an early repayment): its interest is by days, not r. */
  readonly firstPeriodByDays: boolean;
  readonly dayCount: DayCount;
  readonly rounding: RoundingMode;
  readonly firstPeriodNumber: number;
  /** Keep this level amount (instalment for equal_installment, principal for equal_principal). */
  readonly levelAmount?: Fen;
}

export interface Amortization {
  readonly installments: readonly Installment[];
  /** The level instalment (equal_installment) or level principal (equal_principal) used. */
  readonly levelAmount?: Fen;
}

/** Level payment of an annuity: P·r / (1 − (1+r)^−n), unrounded. */
export const annuityPayment = (principal: Fen, r: number, n: number): number => (principal * r) / (1 - Math.pow(1 + r, -n));

/**
 * Builds instalments for `principal` over the given due dates. Rounding remainders go into the last
 * instalment, so principal sums exactly to the loan. Where rounding a tiny loan's level amount would
 * repay it early, later instalments carry zero principal (never negative).
 * Internal: buildSchedule validates inputs and reschedules reuse this.
 */
export function amortize(input: AmortizeInput): Amortization {
  const { principal, annualRate, method, dueDates, rounding } = input;
  const n = dueDates.length;
  if (n === 0) throw new RangeError('amortize: no due dates');
  const periodInterest = (balance: Fen, index: number): Fen => {
    if (index === 0 && (input.firstPeriodByDays || !isMonthlyMethod(method))) {
      return interestForDays(balance, annualRate, daysBetween(input.accrualStart, dueDates[0] as IsoDate), input.dayCount, rounding);
    }
    return roundFen((balance * annualRate) / 12, rounding);
  };

  let level: Fen | undefined;
  if (method === 'equal_installment') level = input.levelAmount ?? roundFen(annuityPayment(principal, annualRate / 12, n), rounding);
  else if (method === 'equal_principal') level = input.levelAmount ?? roundFen(principal / n, rounding);

  const installments: Installment[] = [];
  let balance = principal;
  for (let i = 0; i < n; i += 1) {
    const last = i === n - 1;
    const interest = periodInterest(balance, i);
    let paid: Fen;
    if (last) paid = balance;
    else if (method === 'equal_installment') paid = Math.min(Math.max((level as Fen) - interest, 0), balance);
    else if (method === 'equal_principal') paid = Math.min(level as Fen, balance);
    else paid = 0; // interest_first; bullet and daily_revolving have one instalment
    balance -= paid;
    installments.push({
      period: input.firstPeriodNumber + i,
      dueDate: dueDates[i] as IsoDate,
      principal: paid,
      interest,
      total: paid + interest,
      remainingPrincipal: balance,
    });
  }
  return level === undefined ? { installments } : { installments, levelAmount: level };
}
