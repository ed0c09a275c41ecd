import { roundFen, type RoundingMode } from './roundFen.js';

/**
 * Rounds a decimal rate to 2 decimals of a percent (0.12803 → 0.128), HALF_UP by default, with the
 * same tolerant rounding as money (roundFen works on any count of units; here basis points).
 */
export function roundRate(rate: number, mode: RoundingMode = 'HALF_UP'): number {
  return roundFen(rate * 10_000, mode) / 10_000;
}

/** Formats a decimal rate as a percent with 2 decimals: 0.0648 → "6.48%", 0.128038 → "12.80%". */
export function formatPercent(rate: number, options: { readonly sign?: boolean; readonly rounding?: RoundingMode } = {}): string {
  const bp = roundFen(rate * 10_000, options.rounding);
  const abs = Math.abs(bp);
  const text = `${bp < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return options.sign === false ? text : `${text}%`;
}
