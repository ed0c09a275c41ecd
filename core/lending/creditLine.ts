import { ok, type Result } from '../result.js';
import { REPAYMENT_METHODS, type Installment, type RepaymentMethod } from './amortize.js';
import { addDays, addMonths, isIsoDate, type IsoDate } from '../calendar/index.js';
import { DAY_COUNTS, DEFAULT_DAY_COUNT, type DayCount } from './dayCount.js';
import type { Posting } from './ledger.js';
import { fail } from './lendingError.js';
import { MAX_ANNUAL_RATE, MAX_PRINCIPAL_FEN } from './limits.js';
import { ROUNDING_MODES, type Fen, type RoundingMode } from './roundFen.js';

export type CreditLineStatus = 'active' | 'frozen' | 'expired' | 'closed';
export type InstallmentStatus = 'scheduled' | 'due' | 'overdue' | 'paid';

/** A scheduled instalment of a drawdown and what has happened to it. */
export interface InstallmentState extends Installment {
  readonly status: InstallmentStatus;
  readonly paidPrincipal: Fen;
  readonly paidInterest: Fen;
  readonly paidPenalty: Fen;
  /** Penalty interest fixed for overdue segments closed by a repayment (before `penaltyFrom`). */
  readonly penaltyBooked: Fen;
  /** Start of the open penalty segment: the due date, then the date of each later repayment. */
  readonly penaltyFrom: IsoDate;
  /** Interest and penalty already recognised in the ledger. */
  readonly interestRecognized: Fen;
  readonly penaltyRecognized: Fen;
  readonly paidOn?: IsoDate;
}

/** An early repayment: interest for the days used, then principal (the rest is rescheduled). */
export interface Prepayment {
  readonly on: IsoDate;
  readonly principal: Fen;
  readonly interest: Fen;
  readonly mode: EarlyRepaymentMode;
}

/** After a partial early repayment: keep the term and lower the instalments, or keep them and end sooner. */
export type EarlyRepaymentMode = 'reduce_installment' | 'shorten_term';

/** One borrowing under a line, with its own method, term and rate locked at drawdown. */
export interface Drawdown {
  readonly id: string;
  readonly drawnOn: IsoDate;
  readonly principal: Fen;
  readonly method: RepaymentMethod;
  readonly termMonths: number;
  readonly annualRate: number;
  /** Penalty rate on overdue principal: annualRate × the line's penalty multiplier, locked. */
  readonly penaltyRate: number;
  readonly dayCount: DayCount;
  readonly rounding: RoundingMode;
  readonly levelAmount?: Fen;
  /** Interest on principal not yet due runs from the later of this and the last due date passed. */
  readonly accrualStart: IsoDate;
  readonly installments: readonly InstallmentState[];
  readonly prepayments: readonly Prepayment[];
  readonly status: 'active' | 'settled';
  readonly settledOn?: IsoDate;
}

export interface CreditLinePolicy {
  readonly dayCount: DayCount;
  readonly rounding: RoundingMode;
  /** Contract rate × this on overdue principal; 1.5 by default, 1.3–1.5 allowed. */
  readonly penaltyMultiplier: number;
  readonly methods: readonly RepaymentMethod[];
  /** A drawdown must mature on or before the line's last valid day. */
  readonly maturityWithinLine: boolean;
  readonly reviewIntervalMonths: number;
}

/** A revolving credit line (常德快贷: one approval, borrow and repay any time within its validity). */
export interface CreditLine {
  readonly id: string;
  readonly limit: Fen;
  /** limit − outstanding principal; restored as principal is repaid. */
  readonly available: Fen;
  /** Rate offered for new drawdowns; each drawdown locks its own. */
  readonly annualRate: number;
  /** No drawdown may be priced above this. */
  readonly maxAnnualRate: number;
  readonly validFrom: IsoDate;
  /** Last day a drawdown may be made (inclusive). */
  readonly validUntil: IsoDate;
  readonly nextReviewDate: IsoDate;
  readonly status: CreditLineStatus;
  readonly policy: CreditLinePolicy;
  /** Date of the latest event or evaluation; operations never go back before it. */
  readonly asOf: IsoDate;
  readonly drawdowns: readonly Drawdown[];
}

export interface OpenCreditLineInput {
  readonly id: string;
  readonly limit: Fen;
  readonly annualRate: number;
  /** Default 24% (the ceiling read for bank internet lending with partners; check). */
  readonly maxAnnualRate?: number;
  readonly validFrom: IsoDate;
  /** Default 36 (three years); the line is valid through the day before validFrom + this. */
  readonly validityMonths?: number;
  /** Default 12: lines longer than a year are re-reviewed at least yearly (check). */
  readonly reviewIntervalMonths?: number;
  readonly dayCount?: DayCount;
  readonly rounding?: RoundingMode;
  readonly penaltyMultiplier?: number;
  readonly methods?: readonly RepaymentMethod[];
  readonly maturityWithinLine?: boolean;
}

export const DEFAULT_PENALTY_MULTIPLIER = 1.5;
export const MIN_PENALTY_MULTIPLIER = 1.3;
export const MAX_PENALTY_MULTIPLIER = 1.5;
export const DEFAULT_MAX_ANNUAL_RATE = 0.24;

/** The outcome of every credit-line transition: the new line and the postings it implies. */
export interface LineTransition {
  readonly line: CreditLine;
  readonly postings: readonly Posting[];
}

const validId = (id: unknown): id is string => typeof id === 'string' && id.trim().length > 0;
const validMonths = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 360;

/** Opens a revolving credit line: validates terms, sets 3-year validity and yearly review; no postings. */
export function openCreditLine(input: OpenCreditLineInput): Result<LineTransition> {
  if (!validId(input.id)) return fail('ID_INVALID', 'id');
  if (typeof input.limit !== 'number' || !Number.isSafeInteger(input.limit) || input.limit <= 0 || input.limit > MAX_PRINCIPAL_FEN) {
    return fail('LIMIT_OUT_OF_RANGE', 'limit', `Limit must be 1 to ${MAX_PRINCIPAL_FEN} fen, got ${String(input.limit)}`);
  }
  const maxAnnualRate = input.maxAnnualRate ?? DEFAULT_MAX_ANNUAL_RATE;
  if (typeof maxAnnualRate !== 'number' || !(maxAnnualRate > 0) || maxAnnualRate > MAX_ANNUAL_RATE) {
    return fail('RATE_OUT_OF_RANGE', 'maxAnnualRate', `Rate cap must be above 0 and at most 0.36, got ${String(maxAnnualRate)}`);
  }
  if (typeof input.annualRate !== 'number' || !(input.annualRate > 0) || input.annualRate > MAX_ANNUAL_RATE) {
    return fail('RATE_OUT_OF_RANGE', 'annualRate', `Annual rate must be above 0 and at most 0.36, got ${String(input.annualRate)}`);
  }
  if (input.annualRate > maxAnnualRate) return fail('RATE_ABOVE_CAP', 'annualRate', `Annual rate ${input.annualRate} is above the line's cap ${maxAnnualRate}`);
  if (!isIsoDate(input.validFrom)) return fail('DATE_INVALID', 'validFrom');
  const validityMonths = input.validityMonths ?? 36;
  const reviewIntervalMonths = input.reviewIntervalMonths ?? 12;
  if (!validMonths(validityMonths)) return fail('VALIDITY_OUT_OF_RANGE', 'validityMonths');
  if (!validMonths(reviewIntervalMonths)) return fail('VALIDITY_OUT_OF_RANGE', 'reviewIntervalMonths');
  const penaltyMultiplier = input.penaltyMultiplier ?? DEFAULT_PENALTY_MULTIPLIER;
  if (typeof penaltyMultiplier !== 'number' || !(penaltyMultiplier >= MIN_PENALTY_MULTIPLIER && penaltyMultiplier <= MAX_PENALTY_MULTIPLIER)) {
    return fail('PENALTY_MULTIPLIER_OUT_OF_RANGE', 'penaltyMultiplier', `Penalty multiplier must be 1.3 to 1.5, got ${String(penaltyMultiplier)}`);
  }
  const dayCount = input.dayCount ?? DEFAULT_DAY_COUNT;
  if (!DAY_COUNTS.includes(dayCount)) return fail('DAY_COUNT_UNKNOWN', 'dayCount');
  const rounding = input.rounding ?? 'HALF_UP';
  if (!ROUNDING_MODES.includes(rounding)) return fail('ROUNDING_UNKNOWN', 'rounding');
  const methods = input.methods ?? REPAYMENT_METHODS;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => REPAYMENT_METHODS.includes(m))) {
    return fail('METHOD_UNKNOWN', 'methods', `Unknown repayment method in ${JSON.stringify(methods)}`);
  }
  if (!isIsoDate(addMonths(input.validFrom, validityMonths + 360))) return fail('DATE_INVALID', 'validFrom', 'Line would run past 2999');
  return ok({
    line: {
      id: input.id,
      limit: input.limit,
      available: input.limit,
      annualRate: input.annualRate,
      maxAnnualRate,
      validFrom: input.validFrom,
      validUntil: addDays(addMonths(input.validFrom, validityMonths), -1),
      nextReviewDate: addMonths(input.validFrom, reviewIntervalMonths),
      status: 'active',
      policy: { dayCount, rounding, penaltyMultiplier, methods: [...methods], maturityWithinLine: input.maturityWithinLine ?? true, reviewIntervalMonths },
      asOf: input.validFrom,
      drawdowns: [],
    },
    postings: [],
  });
}

/** Principal a drawdown still owes (due or not). */
export const drawdownOutstandingPrincipal = (drawdown: Drawdown): Fen =>
  drawdown.installments.reduce((sum, i) => sum + i.principal - i.paidPrincipal, 0);

/** Principal owed across the line. */
export const lineOutstandingPrincipal = (line: CreditLine): Fen => line.drawdowns.reduce((sum, d) => sum + drawdownOutstandingPrincipal(d), 0);

/** Checks an operation date: a real date, not before the line's last event. */
export function checkEventDate(line: CreditLine, on: IsoDate, field = 'on'): Result<IsoDate> {
  if (!isIsoDate(on)) return fail('DATE_INVALID', field);
  if (on < line.asOf) return fail('DATE_BEFORE_LAST_EVENT', field, `${on} is before the line's last event on ${line.asOf}`);
  return ok(on);
}

/**
 * Freezes (risk warning), unfreezes or closes a line. Closing needs no outstanding principal;
 * expired and closed lines cannot be reactivated. Repayments are accepted in every status.
 */
export function changeCreditLineStatus(line: CreditLine, to: 'active' | 'frozen' | 'closed', on: IsoDate): Result<LineTransition> {
  const date = checkEventDate(line, on);
  if (!date.ok) return date;
  if (to !== 'active' && to !== 'frozen' && to !== 'closed') return fail('OPTION_INVALID', 'to', `Unknown status: ${JSON.stringify(to)}`);
  const from = line.status;
  if (from === 'closed' || (from === 'expired' && to !== 'closed')) return fail('LINE_STATUS_TRANSITION', 'status', `Cannot change a ${from} line to ${to}`);
  if (to === 'active' && on > line.validUntil) return fail('LINE_EXPIRED', 'status');
  if (to === 'closed' && lineOutstandingPrincipal(line) > 0) return fail('LINE_HAS_OUTSTANDING', 'status');
  return ok({ line: { ...line, status: to, asOf: on }, postings: [] });
}

/** Records a completed periodic re-review: the next one falls a review interval after it. */
export function recordCreditLineReview(line: CreditLine, reviewedOn: IsoDate): Result<LineTransition> {
  const date = checkEventDate(line, reviewedOn, 'reviewedOn');
  if (!date.ok) return date;
  return ok({ line: { ...line, nextReviewDate: addMonths(reviewedOn, line.policy.reviewIntervalMonths), asOf: reviewedOn }, postings: [] });
}
