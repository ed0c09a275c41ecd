import { ok, type Result } from '../result.js';
import { fail } from './lendingError.js';

const PERCENT = /^(\d{1,3})(?:\.(\d{1,6}))?$/;

/**
 * Parses a percentage as people and APIs write it ("6.48", "6.48%", " 6.48 ％") into a decimal
 * annual rate (0.0648). Up to 6 decimals of a percent; no sign. The range is the caller's check.
 * The decimal point is shifted in the string, so "6.48" yields exactly the double nearest 0.0648.
 */
export function parsePercent(text: string, field = 'annualRatePercent'): Result<number> {
  if (typeof text !== 'string') return fail('RATE_INVALID', field, 'Percentage must be a string');
  const s = text.trim().replace(/[%％]$/u, '').trim();
  const match = PERCENT.exec(s);
  if (!match) return fail('RATE_INVALID', field, `Not a valid percentage: "${text}"`);
  const digits = (match[1] ?? '') + (match[2] ?? '');
  const point = (match[1] ?? '').length - 2;
  const decimal = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return ok(Number(decimal));
}
