import { validateYearlyReviewPolicy, type YearlyReviewPolicy } from '../../core/index.js';
import { ConfigError } from './configError.js';

/** The yearly review's thresholds (REVIEW_KEEP_FROM_SCORE, REVIEW_FREEZE_BELOW_SCORE, REVIEW_REDUCE_FACTOR), checked by core. */
export function parseYearlyReviewSettings(raw: { REVIEW_KEEP_FROM_SCORE: number; REVIEW_FREEZE_BELOW_SCORE: number; REVIEW_REDUCE_FACTOR: number }): YearlyReviewPolicy {
  const policy: YearlyReviewPolicy = { keepFromScore: raw.REVIEW_KEEP_FROM_SCORE, freezeBelowScore: raw.REVIEW_FREEZE_BELOW_SCORE, reduceFactor: raw.REVIEW_REDUCE_FACTOR, roundTo: 10_000 };
  const valid = validateYearlyReviewPolicy(policy);
  if (!valid.ok) throw new ConfigError(valid.error.field === 'reduceFactor' ? 'REVIEW_REDUCE_FACTOR' : 'REVIEW_FREEZE_BELOW_SCORE', valid.error.message);
  return valid.value;
}
