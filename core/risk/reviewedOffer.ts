import { coreError, err, ok, type Result } from '../result.js';
import type { LoanPurpose } from './applicantProfile.js';
import { addDays, type IsoDate } from '../calendar/index.js';
import { quoteLoan, type Fen, type RepaymentMethod } from './lendingBridge.js';
import type { Product } from './product.js';

/**
 * Manual review (人工审批): what a reviewer may approve for an application the automatic decision
 * sent to a person, and when a second reviewer must confirm it (four eyes). Pure: the product, the
 * automatic decision's figures and the reviewer's terms in, bounds or an APR out.
 */

/** The limits and rates a reviewer may approve, in fen and decimals. */
export interface ReviewBounds {
  readonly minLimit: Fen;
  /** min(product max, consumer cap for consumer purpose, the decision's provisional limit when it computed one). */
  readonly maxLimit: Fen;
  /** What bound `maxLimit`: the product, the consumer cap, or the decision's income/DTI limit. */
  readonly maxLimitBinding: 'product' | 'consumer_cap' | 'decision';
  readonly rateFloor: number;
  readonly rateCap: number;
  /** Approvals of a limit above this need a second, different reviewer's confirmation. */
  readonly fourEyesAbove: Fen;
  /** Days the approved offer may be accepted, counted from the reviewer's approval. */
  readonly offerValidityDays: number;
}

/** Unset on a product, every manual approval needs a second reviewer (fail closed). */
export const DEFAULT_FOUR_EYES_ABOVE: Fen = 0;

/**
 * The bounds of a reviewed offer. The decision's provisional limit (its income and DTI test) caps
 * the limit when it computed one; a decision that could not (income unknown: limit 0) leaves the
 * product's own bounds, the reviewer having verified income by other means.
 */
export function reviewBounds(product: Product, decided: { readonly provisionalLimit: Fen; readonly purpose: LoanPurpose | null }): ReviewBounds {
  let maxLimit: Fen = product.amount.max;
  let maxLimitBinding: ReviewBounds['maxLimitBinding'] = 'product';
  if (decided.purpose === 'consumer' && product.consumerCap < maxLimit) {
    maxLimit = product.consumerCap;
    maxLimitBinding = 'consumer_cap';
  }
  if (decided.provisionalLimit > 0 && decided.provisionalLimit < maxLimit) {
    maxLimit = decided.provisionalLimit;
    maxLimitBinding = 'decision';
  }
  return {
    minLimit: product.amount.min,
    maxLimit,
    maxLimitBinding,
    rateFloor: product.pricing.floor,
    rateCap: product.pricing.cap,
    fourEyesAbove: product.fourEyesAbove ?? DEFAULT_FOUR_EYES_ABOVE,
    offerValidityDays: product.offerValidityDays,
  };
}

export interface ReviewedTerms {
  readonly limit: Fen;
  readonly annualRate: number;
  /** The term and method the automatic decision quoted its APR for (the application's). */
  readonly termMonths: number;
  readonly repaymentMethod: RepaymentMethod;
  /** The day the offer is made (the APR of the daily methods depends on it). */
  readonly asOf: IsoDate;
}

/** The APR of an offer, quoted as the automatic decision quotes it: on ¥100,000 at the rate, term and method. */
export interface ReviewedOffer {
  readonly limit: Fen;
  readonly annualRate: number;
  readonly apr: { readonly simple: number; readonly compound: number; readonly simpleText: string; readonly compoundText: string };
  readonly needsSecondReviewer: boolean;
  /** Last day the offer may be accepted: as for an automatic approval, the product's validity from the day it is made. */
  readonly offerExpiresOn: IsoDate;
}

const REFERENCE_PRINCIPAL: Fen = 10_000_000;
const yuanText = (fen: Fen) => `¥${(fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const pct = (rate: number) => `${(rate * 100).toFixed(2)}%`;

/**
 * Checks a reviewer's terms against the bounds and prices them. Errors name the field at fault:
 * REVIEW_LIMIT_INVALID / REVIEW_LIMIT_BELOW_MIN / REVIEW_LIMIT_ABOVE_MAX (`limitFen`),
 * REVIEW_RATE_INVALID / REVIEW_RATE_BELOW_FLOOR / REVIEW_RATE_ABOVE_CAP (`annualRate`), and
 * quoteLoan's own for a term or method the schedule cannot take.
 */
export function priceReviewedOffer(bounds: ReviewBounds, terms: ReviewedTerms): Result<ReviewedOffer> {
  const { limit, annualRate } = terms;
  if (!Number.isSafeInteger(limit) || limit <= 0) return err(coreError('REVIEW_LIMIT_INVALID', 'the limit must be a whole number of fen above 0', 'limitFen'));
  if (limit < bounds.minLimit) return err(coreError('REVIEW_LIMIT_BELOW_MIN', `the limit is below the product minimum ${yuanText(bounds.minLimit)}`, 'limitFen'));
  if (limit > bounds.maxLimit) {
    const what = bounds.maxLimitBinding === 'decision' ? "the decision's income/DTI limit" : bounds.maxLimitBinding === 'consumer_cap' ? 'the consumer-purpose cap' : 'the product maximum';
    return err(coreError('REVIEW_LIMIT_ABOVE_MAX', `the limit is above ${what} ${yuanText(bounds.maxLimit)}`, 'limitFen'));
  }
  if (!Number.isFinite(annualRate) || annualRate <= 0 || Math.abs(annualRate * 1_000_000 - Math.round(annualRate * 1_000_000)) > 1e-6) {
    return err(coreError('REVIEW_RATE_INVALID', 'the annual rate must be a positive decimal with at most 6 places (6.48% = 0.0648)', 'annualRate'));
  }
  if (annualRate < bounds.rateFloor - 1e-12) return err(coreError('REVIEW_RATE_BELOW_FLOOR', `the rate is below the product floor ${pct(bounds.rateFloor)}`, 'annualRate'));
  if (annualRate > bounds.rateCap + 1e-12) return err(coreError('REVIEW_RATE_ABOVE_CAP', `the rate is above the product cap ${pct(bounds.rateCap)}`, 'annualRate'));
  const quote = quoteLoan({ principal: REFERENCE_PRINCIPAL, annualRate, termMonths: terms.termMonths, method: terms.repaymentMethod, startDate: terms.asOf });
  if (!quote.ok) return quote;
  const a = quote.value.apr;
  return ok({ limit, annualRate, apr: { simple: a.simple, compound: a.compound, simpleText: a.simpleText, compoundText: a.compoundText }, needsSecondReviewer: limit > bounds.fourEyesAbove, offerExpiresOn: addDays(terms.asOf, bounds.offerValidityDays) });
}

/**
 * Why a reviewer declines, from a fixed list: the code is kept on the decision, the label names it
 * for staff; the borrower reads the reviewer's own plain-words explanation.
 */
export const REVIEW_DECLINE_REASONS = {
  THIN_CREDIT_HISTORY: { zh: '信用记录不足以支持授信', en: 'Credit history too thin to lend on' },
  INCOME_NOT_VERIFIED: { zh: '收入无法核实', en: 'Income could not be verified' },
  DEBT_TOO_HIGH: { zh: '负债水平过高', en: 'Debt too high for the income' },
  INFORMATION_INCONSISTENT: { zh: '申请信息与核查结果不一致', en: 'Application does not match what was verified' },
  NO_REPLY: { zh: '未按要求补充材料', en: 'Requested information not provided' },
  POLICY: { zh: '不符合本行信贷政策', en: "Outside the bank's credit policy" },
} as const satisfies Record<string, { readonly zh: string; readonly en: string }>;

export type ReviewDeclineReason = keyof typeof REVIEW_DECLINE_REASONS;
export const REVIEW_DECLINE_CODES = Object.keys(REVIEW_DECLINE_REASONS) as [ReviewDeclineReason, ...ReviewDeclineReason[]];
