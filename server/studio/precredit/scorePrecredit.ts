import { decideApplication, type ApplicantProfile, type CreditDecision, type IsoDate, type LoanRequest, type Product } from '../../../core/index.js';
import type { PrecreditRow } from './precreditColumns.js';

/** What the batch makes of one customer. */
export type PrecreditScore =
  | { readonly outcome: 'whitelisted'; readonly limitFen: number; readonly ratePpm: number; readonly score: number; readonly grade: string; readonly reasons: readonly string[] }
  | { readonly outcome: 'excluded'; readonly score: number | null; readonly grade: string | null; readonly reasons: readonly string[] }
  /** The core refused the row's data as malformed (an ID number with a bad check digit, a bad mobile): the row is rejected. */
  | { readonly outcome: 'rejected'; readonly code: string; readonly message: string };

/** The identity check is part of activation (一键激活): a pre-credit decision cannot have it yet. */
export const CHECKED_AT_ACTIVATION = 'IDENTITY_NOT_VERIFIED';

/**
 * The loan request a pre-credit decision is made for: the product's largest amount (the limit is
 * what comes out), its longest term, first repayment method and first purpose — the same request
 * the activation confirms, so the limit offered in the chat is the limit decided here.
 */
export function precreditRequest(product: Product): LoanRequest {
  return {
    amount: product.amount.max,
    termMonths: Math.max(...product.termsMonths),
    repaymentMethod: product.repaymentMethods[0] as string,
    purpose: product.purposes[0] as LoanRequest['purpose'],
  };
}

/** The profile the core decides on for a row (exported so tests can decide the same facts directly). */
export const precreditProfile = (row: PrecreditRow, request: LoanRequest): ApplicantProfile => ({ ...row.profile, request });

/**
 * Scores one row through the conversation's own decision (core decideApplication): no second rule
 * set. Approved → whitelisted with the limit, rate, score and grade. A decision whose only open
 * points are the identity checks the activation performs is whitelisted too (noted in its
 * reasons); any decline or other manual-review reason excludes the customer with those codes —
 * a no-touch batch has nobody to review.
 */
export function scorePrecredit(product: Product, row: PrecreditRow, asOf: IsoDate, request: LoanRequest = precreditRequest(product)): PrecreditScore {
  const r = decideApplication(product, precreditProfile(row, request), asOf);
  if (!r.ok) return { outcome: 'rejected', code: r.error.code, message: r.error.message };
  return fromDecision(r.value);
}

export function fromDecision(d: CreditDecision): PrecreditScore {
  let deferredOnly = d.outcome === 'manual_review';
  if (deferredOnly) for (const x of d.reasons) if (x.code !== CHECKED_AT_ACTIVATION) deferredOnly = false;
  if ((d.outcome === 'approved' || deferredOnly) && d.grade !== null && d.rate !== null && d.limit > 0) {
    const reasons: string[] = [];
    if (d.limitBinding !== null) reasons.push(`LIMIT_BY_${d.limitBinding.toUpperCase()}`);
    if (deferredOnly) reasons.push(CHECKED_AT_ACTIVATION);
    return { outcome: 'whitelisted', limitFen: d.limit, ratePpm: Math.round(d.rate * 1_000_000), score: d.score, grade: d.grade, reasons };
  }
  const reasons: string[] = [];
  for (const x of d.reasons) if (x.code !== CHECKED_AT_ACTIVATION) reasons.push(x.code);
  return { outcome: 'excluded', score: d.score, grade: d.grade, reasons: reasons.length ? reasons : [d.outcome.toUpperCase()] };
}
