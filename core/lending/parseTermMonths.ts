import { ok, type Result } from '../result.js';
import { MICRO, normalizeChatText, parseChineseNumber } from './chineseNumber.js';
import { fail } from './lendingError.js';
import { MAX_TERM_MONTHS, MIN_TERM_MONTHS } from './limits.js';

const MONTH_SUFFIXES = ['个月', '個月', '期', '月', 'months', 'month', 'm'];
const YEAR_SUFFIXES = ['年', 'years', 'year', 'y'];

/**
 * Reads a loan term a borrower types into months: "12", "12期", "十二期", "12个月", "1年", "一年",
 * "半年" (6), "两年", "3年", "一年半" (18), "1.5年" (18). A bare number is months. Unreadable text is
 * NOT_UNDERSTOOD; a readable term outside 1–360 months is TERM_OUT_OF_RANGE.
 */
export function parseTermMonths(text: string, field = 'termMonths'): Result<number> {
  if (typeof text !== 'string') return fail('NOT_UNDERSTOOD', field, 'Term text must be a string');
  const s = normalizeChatText(text);
  let months: number | null = null;
  if (s === '半年') {
    months = 6;
  } else {
    const year = YEAR_SUFFIXES.find((suffix) => s.endsWith(suffix) || s.endsWith(`${suffix}半`));
    if (year !== undefined) {
      const half = s.endsWith('半');
      const body = s.slice(0, s.length - year.length - (half ? 1 : 0));
      const n = parseChineseNumber(body);
      if (n !== null && (n * 12n) % MICRO === 0n && !(half && n % MICRO !== 0n)) months = Number((n * 12n) / MICRO) + (half ? 6 : 0);
    } else {
      const suffix = MONTH_SUFFIXES.find((x) => s.endsWith(x)) ?? '';
      const n = parseChineseNumber(s.slice(0, s.length - suffix.length));
      if (n !== null && n % MICRO === 0n) months = Number(n / MICRO);
    }
  }
  if (months === null) return fail('NOT_UNDERSTOOD', field, `Not a loan term: "${text}"`);
  if (!Number.isSafeInteger(months) || months < MIN_TERM_MONTHS || months > MAX_TERM_MONTHS) {
    return fail('TERM_OUT_OF_RANGE', field, `Term must be 1 to 360 months, got "${text}"`);
  }
  return ok(months);
}
