import { ok, type Result } from '../result.js';
import { amortize, isMonthlyMethod, REPAYMENT_METHODS, type Installment, type RepaymentMethod } from './amortize.js';
import { addMonths, isIsoDate, monthlyDates, type IsoDate } from '../calendar/index.js';
import { DAY_COUNTS, DEFAULT_DAY_COUNT, type DayCount } from './dayCount.js';
import { fail } from './lendingError.js';
import { MAX_ANNUAL_RATE, MAX_PRINCIPAL_FEN, MAX_TERM_MONTHS, MIN_TERM_MONTHS } from './limits.js';
import { ROUNDING_MODES, type Fen, type RoundingMode } from './roundFen.js';

export interface ScheduleInput {
  readonly principal: Fen;
  /** Decimal annual rate: 6.48% is 0.0648. */
  readonly annualRate: number;
  readonly termMonths: number;
  readonly method: RepaymentMethod;
  /** Disbursement date; due dates fall on its day of the month (clamped to month end). */
  readonly startDate: IsoDate;
  /** Basis for daily interest (bullet, daily_revolving, early repayment); default ACT/360. */
  readonly dayCount?: DayCount;
  /** Default HALF_UP. */
  readonly rounding?: RoundingMode;
  /** The product's cap on the annual rate, when tighter than 36%. */
  readonly maxAnnualRate?: number;
}

export interface Schedule {
  readonly method: RepaymentMethod;
  readonly principal: Fen;
  readonly annualRate: number;
  readonly termMonths: number;
  readonly startDate: IsoDate;
  readonly maturityDate: IsoDate;
  readonly dayCount: DayCount;
  readonly rounding: RoundingMode;
  readonly installments: readonly Installment[];
  readonly totalInterest: Fen;
  readonly totalPayment: Fen;
  /** The level monthly payment (等额本息) or level monthly principal (等额本金). */
  readonly levelAmount?: Fen;
}

/** Checks every loan term the core accepts; shared by buildSchedule, quotes and drawdowns. */
export function validateLoanTerms(input: ScheduleInput): Result<ScheduleInput> {
  const { principal, annualRate, termMonths, method, startDate } = input;
  if (typeof principal !== 'number' || !Number.isSafeInteger(principal)) {
    return fail('AMOUNT_INVALID', 'principal', 'Principal must be a whole number of fen');
  }
  if (principal <= 0 || principal > MAX_PRINCIPAL_FEN) return fail('PRINCIPAL_OUT_OF_RANGE', 'principal', `Principal must be 1 to ${MAX_PRINCIPAL_FEN} fen, got ${principal}`);
  if (typeof annualRate !== 'number' || !Number.isFinite(annualRate) || annualRate <= 0 || annualRate > MAX_ANNUAL_RATE) {
    return fail('RATE_OUT_OF_RANGE', 'annualRate', `Annual rate must be above 0 and at most 0.36, got ${String(annualRate)}`);
  }
  if (input.maxAnnualRate !== undefined) {
    if (typeof input.maxAnnualRate !== 'number' || !(input.maxAnnualRate > 0) || input.maxAnnualRate > MAX_ANNUAL_RATE) {
      return fail('RATE_OUT_OF_RANGE', 'maxAnnualRate', `Rate cap must be above 0 and at most 0.36, got ${String(input.maxAnnualRate)}`);
    }
    if (annualRate > input.maxAnnualRate) return fail('RATE_ABOVE_CAP', 'annualRate', `Annual rate ${annualRate} is above the product cap ${input.maxAnnualRate}`);
  }
  if (typeof termMonths !== 'number' || !Number.isInteger(termMonths) || termMonths < MIN_TERM_MONTHS || termMonths > MAX_TERM_MONTHS) {
    return fail('TERM_OUT_OF_RANGE', 'termMonths', `Term must be a whole number of months from 1 to 360, got ${String(termMonths)}`);
  }
  if (!REPAYMENT_METHODS.includes(method)) return fail('METHOD_UNKNOWN', 'method', `Unknown repayment method: ${JSON.stringify(method)}`);
  if (!isIsoDate(startDate)) return fail('DATE_INVALID', 'startDate', `Not a real calendar date in YYYY-MM-DD form: ${JSON.stringify(startDate)}`);
  if (input.dayCount !== undefined && !DAY_COUNTS.includes(input.dayCount)) return fail('DAY_COUNT_UNKNOWN', 'dayCount', `Unknown day count: ${JSON.stringify(input.dayCount)}`);
  if (input.rounding !== undefined && !ROUNDING_MODES.includes(input.rounding)) return fail('ROUNDING_UNKNOWN', 'rounding', `Unknown rounding mode: ${JSON.stringify(input.rounding)}`);
  if (!isIsoDate(addMonths(startDate, termMonths))) return fail('DATE_INVALID', 'startDate', 'Maturity falls after 2999-12-31');
  return ok(input);
}

/** Due dates of a new loan: monthly on the start date's day, or one date at maturity. */
export const dueDatesFor = (method: RepaymentMethod, startDate: IsoDate, termMonths: number): IsoDate[] =>
  isMonthlyMethod(method) ? monthlyDates(startDate, termMonths) : [addMonths(startDate, termMonths)];

/**
 * Validates the loan terms and builds its repayment schedule (等额本息, 等额本金, 先息后本, 到期一次还本付息,
 * 随借随还). Monthly methods use r = annual/12 per period; bullet and daily_revolving charge
 * principal × rate × actual days / basis at maturity. Principal always sums exactly to the loan.
 */
export function buildSchedule(input: ScheduleInput): Result<Schedule> {
  const valid = validateLoanTerms(input);
  if (!valid.ok) return valid;
  const dayCount = input.dayCount ?? DEFAULT_DAY_COUNT;
  const rounding = input.rounding ?? 'HALF_UP';
  const dueDates = dueDatesFor(input.method, input.startDate, input.termMonths);
  const { installments, levelAmount } = amortize({
    principal: input.principal,
    annualRate: input.annualRate,
    method: input.method,
    dueDates,
    accrualStart: input.startDate,
    firstPeriodByDays: false,
    dayCount,
    rounding,
    firstPeriodNumber: 1,
  });
  const totalInterest = installments.reduce((sum, i) => sum + i.interest, 0);
  return ok({
    method: input.method,
    principal: input.principal,
    annualRate: input.annualRate,
    termMonths: input.termMonths,
    startDate: input.startDate,
    maturityDate: dueDates[dueDates.length - 1] as IsoDate,
    dayCount,
    rounding,
    installments,
    totalInterest,
    totalPayment: input.principal + totalInterest,
    ...(levelAmount === undefined ? {} : { levelAmount }),
  });
}
