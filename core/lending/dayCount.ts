import { roundFen, type Fen, type RoundingMode } from './roundFen.js';

/**
 * Day-count basis for daily interest: actual days over a 360-day year (ACT/360, the default: 6.48%
 * is exactly 0.018% a day) or a 365-day year (ACT/365). Check the contract.
 */
export type DayCount = 'ACT/360' | 'ACT/365';

export const DAY_COUNTS: readonly DayCount[] = ['ACT/360', 'ACT/365'];
export const DEFAULT_DAY_COUNT: DayCount = 'ACT/360';

/** 360 or 365: the divisor of the day count. */
export const daysInYear = (basis: DayCount): number => (basis === 'ACT/365' ? 365 : 360);

/**
 * Interest in fen on `principal` at `annualRate` for `days` actual days: principal × rate × days /
 * basis, rounded once. ¥100,000 at 6.48% ACT/360 is 1,800 fen (¥18.00) a day.
 */
export function interestForDays(principal: Fen, annualRate: number, days: number, basis: DayCount = DEFAULT_DAY_COUNT, rounding?: RoundingMode): Fen {
  if (days <= 0 || principal === 0) return 0;
  return roundFen((principal * annualRate * days) / daysInYear(basis), rounding);
}
