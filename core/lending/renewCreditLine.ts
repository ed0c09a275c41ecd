import { ok, type Result } from '../result.js';
import { addDays, addMonths, isIsoDate, type IsoDate } from '../calendar/index.js';
import { checkEventDate, lineOutstandingPrincipal, recordCreditLineReview, type CreditLine, type LineTransition } from './creditLine.js';
import { fail } from './lendingError.js';
import { MAX_PRINCIPAL_FEN } from './limits.js';
import type { Fen } from './roundFen.js';

export interface RenewCreditLineInput {
  /** The day the borrower accepts the renewal (not after the line's last valid day). */
  readonly on: IsoDate;
  /** The line's new last valid day: after the current one. */
  readonly validUntil: IsoDate;
  /** The limit of the fresh decision. */
  readonly limit: Fen;
  /** The rate offered for new drawdowns from now on. */
  readonly annualRate: number;
}

/** The last valid day of a renewed term: `validityMonths` from the day after the current last day (a line valid to 2029-01-14 for 36 months runs to 2032-01-14). */
export const renewedValidUntil = (validUntil: IsoDate, validityMonths: number): IsoDate => addDays(addMonths(addDays(validUntil, 1), validityMonths), -1);

/**
 * Renewal without repaying first (无还本续贷): the same line runs on to a new last valid day with the
 * fresh decision's limit and rate. Drawdowns already made stay as they are — their schedules and
 * locked rates unchanged, nothing repaid and nothing posted — so the ledger needs no entry; only
 * new drawdowns use the new rate. Available is the new limit less what is still owed (never below
 * zero). A fresh decision is also a review: the next yearly review falls a review interval after it.
 * Refused: a line not active (frozen, expired, closed), a date after its last valid day, a last
 * valid day not after the current one, a limit out of range, a rate above the line's cap.
 */
export function renewCreditLine(line: CreditLine, input: RenewCreditLineInput): Result<LineTransition> {
  const date = checkEventDate(line, input.on);
  if (!date.ok) return date;
  if (line.status === 'expired' || input.on > line.validUntil) return fail('LINE_EXPIRED', 'on', `The line was valid until ${line.validUntil}`);
  if (line.status !== 'active') return fail('LINE_NOT_ACTIVE', 'status', `Cannot renew a ${line.status} line`);
  if (!isIsoDate(input.validUntil) || input.validUntil <= line.validUntil) return fail('VALIDITY_OUT_OF_RANGE', 'validUntil', `The new last day must be after ${line.validUntil}`);
  if (typeof input.limit !== 'number' || !Number.isSafeInteger(input.limit) || input.limit <= 0 || input.limit > MAX_PRINCIPAL_FEN) {
    return fail('LIMIT_OUT_OF_RANGE', 'limit', `Limit must be 1 to ${MAX_PRINCIPAL_FEN} fen, got ${String(input.limit)}`);
  }
  if (typeof input.annualRate !== 'number' || !(input.annualRate > 0)) return fail('RATE_OUT_OF_RANGE', 'annualRate');
  if (input.annualRate > line.maxAnnualRate) return fail('RATE_ABOVE_CAP', 'annualRate', `Annual rate ${input.annualRate} is above the line's cap ${line.maxAnnualRate}`);
  const renewed: CreditLine = {
    ...line,
    limit: input.limit,
    available: Math.max(0, input.limit - lineOutstandingPrincipal(line)),
    annualRate: input.annualRate,
    validUntil: input.validUntil,
    asOf: input.on,
  };
  const reviewed = recordCreditLineReview(renewed, input.on);
  if (!reviewed.ok) return reviewed;
  return ok({ line: reviewed.value.line, postings: [] });
}
