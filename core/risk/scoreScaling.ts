import { coreError, err, ok, type Result } from '../result.js';
import { validateScalingParams, type ScoreScalingParams } from './scorecard.js';

/**
 * Score ↔ odds ↔ PD: Score = Offset + Factor·ln(odds), Factor = PDO / ln 2,
 * Offset = baseScore − Factor·ln(baseOdds). Odds are good:bad; PD = 1 / (1 + odds).
 */
export interface ScoreScaling extends ScoreScalingParams {
  readonly factor: number;
  readonly offset: number;
}

/** The usual industry anchor: 600 points at 50:1, 20 points to double the odds. */
export const DEFAULT_SCALING_PARAMS: ScoreScalingParams = Object.freeze({ baseScore: 600, baseOdds: 50, pdo: 20 });

/** Factor and offset for the params; SCORECARD_SCALING_INVALID unless baseOdds > 0 and pdo > 0. */
export function scoreScaling(params: ScoreScalingParams = DEFAULT_SCALING_PARAMS): Result<ScoreScaling> {
  const p = validateScalingParams(params);
  if (!p.ok) return p;
  const factor = p.value.pdo / Math.LN2;
  return ok({ ...p.value, factor, offset: p.value.baseScore - factor * Math.log(p.value.baseOdds) });
}

const finite = (x: number, name: string): void => {
  if (!Number.isFinite(x)) throw new RangeError(`${name} must be finite, got ${x}`);
};

/** Good:bad odds at a score (exp((score − offset)/factor)); throws on a non-finite score. */
export function scoreToOdds(s: ScoreScaling, points: number): number {
  finite(points, 'score');
  return Math.exp((points - s.offset) / s.factor);
}

/** Probability of default at a score, 1/(1 + odds), in [0, 1]; non-increasing in the score (strictly, away from float saturation). */
export function scoreToPd(s: ScoreScaling, points: number): number {
  finite(points, 'score');
  // e^z overflows to Infinity for huge scores: PD is then 0, never NaN.
  return 1 / (1 + Math.exp((points - s.offset) / s.factor));
}

/** Score at given good:bad odds; ODDS_INVALID unless odds is finite and > 0. */
export function oddsToScore(s: ScoreScaling, odds: number): Result<number> {
  if (!Number.isFinite(odds) || odds <= 0) return err(coreError('ODDS_INVALID', 'odds must be a finite number above 0', 'odds'));
  return ok(s.offset + s.factor * Math.log(odds));
}

/** Score at a probability of default; PD_INVALID unless 0 < pd < 1. */
export function pdToScore(s: ScoreScaling, pd: number): Result<number> {
  if (!Number.isFinite(pd) || pd <= 0 || pd >= 1) return err(coreError('PD_INVALID', 'pd must lie strictly between 0 and 1', 'pd'));
  return oddsToScore(s, (1 - pd) / pd);
}
