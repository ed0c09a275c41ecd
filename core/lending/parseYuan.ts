import { ok, type Result } from '../result.js';
import { fail } from './lendingError.js';
import { roundFen, type Fen, type RoundingMode } from './roundFen.js';

export interface ParseYuanOptions {
  /** Accept more than 2 decimals and round them to fen (default false: reject). */
  readonly allowExtraDecimals?: boolean;
  /** Rounding for extra decimals (default HALF_UP). */
  readonly rounding?: RoundingMode;
}

const AMOUNT = /^(\d+|\d{1,3}(?:,\d{3})+)(?:\.(\d*))?$/;

/**
 * Parses a yuan amount as APIs and forms send it ("100000.00", "¥8,628.72", "8628.7", "1,000",
 * optionally ending in 元) into fen. Thousands separators must group by three. Rejects garbage,
 * negatives and more than 2 decimals unless `allowExtraDecimals`. Zero is accepted; callers decide
 * whether an amount must be positive.
 */
export function parseYuan(text: string, options: ParseYuanOptions = {}, field = 'amount'): Result<Fen> {
  if (typeof text !== 'string') return fail('AMOUNT_INVALID', field, 'Amount must be a string');
  let s = text.trim().replace(/元$/u, '').trim();
  let negative = false;
  if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1).trim();
  }
  if (s.startsWith('¥') || s.startsWith('￥')) s = s.slice(1).trim();
  if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1).trim();
  }
  const match = AMOUNT.exec(s);
  if (!match) return fail('AMOUNT_INVALID', field, `Not a valid amount: "${text}"`);
  if (negative) return fail('AMOUNT_NEGATIVE', field, `Amount must not be negative: "${text}"`);
  const whole = (match[1] ?? '').replaceAll(',', '');
  const decimals = match[2] ?? '';
  if (match[2] !== undefined && decimals === '') return fail('AMOUNT_INVALID', field, `Not a valid amount: "${text}"`);
  if (decimals.length > 2 && !options.allowExtraDecimals) {
    return fail('AMOUNT_TOO_MANY_DECIMALS', field, `Amount has more than 2 decimal places: "${text}"`);
  }
  // Exact up to the fen: the integer part and the first two decimals as one integer string.
  const fenDigits = whole + decimals.slice(0, 2).padEnd(2, '0');
  const fen = Number(fenDigits);
  if (!Number.isSafeInteger(fen) || fenDigits.replace(/^0+/, '').length > 15) {
    return fail('AMOUNT_OUT_OF_RANGE', field, `Amount is too large: "${text}"`);
  }
  const rest = decimals.slice(2);
  return ok(rest === '' ? fen : roundFen(fen + Number(`0.${rest}`), options.rounding));
}
