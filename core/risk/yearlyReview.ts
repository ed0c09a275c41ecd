import { coreError, err, ok, type Result } from '../result.js';
import type { Fen } from './lendingBridge.js';

/**
 * The yearly review of a revolving line (lines longer than a year are re-reviewed at least
 * yearly): from the behaviour score, keep the line, reduce its limit, or freeze it. A reduction
 * never goes below what is drawn, so no borrower is put over their limit by a review.
 */

export type YearlyReviewOutcome = 'keep' | 'reduce' | 'freeze';

/** Thresholds (policy, illustrative; configurable). */
export interface YearlyReviewPolicy {
  /** A score at or above this keeps the line. */
  readonly keepFromScore: number;
  /** A score below this freezes it; between the two the limit is reduced. */
  readonly freezeBelowScore: number;
  /** The reduced limit: limit × this (0 < factor < 1), rounded down to `roundTo`. */
  readonly reduceFactor: number;
  /** Fen the reduced limit is rounded down to (¥100 by default). */
  readonly roundTo: Fen;
}

export const DEFAULT_YEARLY_REVIEW_POLICY: YearlyReviewPolicy = Object.freeze({ keepFromScore: 600, freezeBelowScore: 540, reduceFactor: 0.7, roundTo: 10_000 });

export interface YearlyReviewInput {
  readonly behaviourScore: number;
  readonly limit: Fen;
  /** Principal drawn and not repaid. */
  readonly outstanding: Fen;
}

export interface YearlyReview {
  readonly outcome: YearlyReviewOutcome;
  /** The limit after the review (the same unless reduced). */
  readonly newLimit: Fen;
  /** Why, for staff (English). */
  readonly detail: string;
}

const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Checks a policy: freeze threshold ≤ keep threshold, 0 < factor < 1, a positive rounding (REVIEW_POLICY_INVALID). */
export function validateYearlyReviewPolicy(p: YearlyReviewPolicy): Result<YearlyReviewPolicy> {
  if (!Number.isFinite(p.keepFromScore) || !Number.isFinite(p.freezeBelowScore) || p.freezeBelowScore > p.keepFromScore) {
    return err(coreError('REVIEW_POLICY_INVALID', 'freezeBelowScore must be a number at most keepFromScore', 'freezeBelowScore'));
  }
  if (!(p.reduceFactor > 0 && p.reduceFactor < 1)) return err(coreError('REVIEW_POLICY_INVALID', 'reduceFactor must be between 0 and 1', 'reduceFactor'));
  if (!whole(p.roundTo) || p.roundTo < 1) return err(coreError('REVIEW_POLICY_INVALID', 'roundTo must be a whole number of fen ≥ 1', 'roundTo'));
  return ok(p);
}

/**
 * Keep, reduce or freeze from the behaviour score. A reduction that cannot lower the limit (all of
 * it is drawn) keeps the line: there is nothing to take back, and the next review looks again.
 * REVIEW_INPUT_INVALID / REVIEW_POLICY_INVALID on malformed input.
 */
export function yearlyReview(input: YearlyReviewInput, policy: YearlyReviewPolicy = DEFAULT_YEARLY_REVIEW_POLICY): Result<YearlyReview> {
  const valid = validateYearlyReviewPolicy(policy);
  if (!valid.ok) return valid;
  if (!Number.isFinite(input.behaviourScore)) return err(coreError('REVIEW_INPUT_INVALID', 'behaviourScore must be a number', 'behaviourScore'));
  if (!whole(input.limit) || input.limit < 1) return err(coreError('REVIEW_INPUT_INVALID', 'limit must be a whole number of fen ≥ 1', 'limit'));
  if (!whole(input.outstanding)) return err(coreError('REVIEW_INPUT_INVALID', 'outstanding must be a whole number of fen ≥ 0', 'outstanding'));
  const { behaviourScore: s, limit, outstanding } = input;
  if (s >= policy.keepFromScore) return ok({ outcome: 'keep', newLimit: limit, detail: `behaviour score ${s} ≥ ${policy.keepFromScore}` });
  if (s < policy.freezeBelowScore) return ok({ outcome: 'freeze', newLimit: limit, detail: `behaviour score ${s} < ${policy.freezeBelowScore}` });
  const reduced = Math.floor((limit * policy.reduceFactor) / policy.roundTo) * policy.roundTo;
  const newLimit = Math.max(reduced, outstanding);
  if (newLimit >= limit) return ok({ outcome: 'keep', newLimit: limit, detail: `behaviour score ${s} would reduce the limit, but all of it is drawn` });
  return ok({ outcome: 'reduce', newLimit, detail: `behaviour score ${s} in [${policy.freezeBelowScore}, ${policy.keepFromScore}): limit × ${policy.reduceFactor}${newLimit > reduced ? ', not below the amount drawn' : ''}` });
}
