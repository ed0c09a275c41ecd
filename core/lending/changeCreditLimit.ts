import { ok, type Result } from '../result.js';
import { checkEventDate, lineOutstandingPrincipal, type CreditLine, type LineTransition } from './creditLine.js';
import { fail } from './lendingError.js';
import { MAX_PRINCIPAL_FEN } from './limits.js';
import type { Fen } from './roundFen.js';

/**
 * Sets a line's limit (a yearly review's reduction, a raise): what is available follows, limit −
 * outstanding principal. A limit below what is drawn is refused (LIMIT_OUT_OF_RANGE): a review
 * never puts a borrower over their limit. Drawdowns already made keep their terms; no postings.
 */
export function changeCreditLimit(line: CreditLine, limit: Fen, on: CreditLine['asOf']): Result<LineTransition> {
  const date = checkEventDate(line, on);
  if (!date.ok) return date;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit <= 0 || limit > MAX_PRINCIPAL_FEN) {
    return fail('LIMIT_OUT_OF_RANGE', 'limit', `Limit must be 1 to ${MAX_PRINCIPAL_FEN} fen, got ${String(limit)}`);
  }
  const outstanding = lineOutstandingPrincipal(line);
  if (limit < outstanding) return fail('LIMIT_OUT_OF_RANGE', 'limit', `Limit ${limit} is below the ${outstanding} fen drawn`);
  return ok({ line: { ...line, limit, available: limit - outstanding, asOf: on }, postings: [] });
}
