import { coreError, err, ok, type Result } from '../result.js';
import { compactNumber, nationalMobile } from './personalNumbers.js';

const MOBILE = /^1[3-9]\d{9}$/;

/**
 * Mainland China mobile numbers: 11 digits, `1` then 3–9. A `+86`/`0086`/`86` prefix, spaces,
 * dashes, dots and full-width digits are accepted and removed (as personalNumbers reads them); the
 * value returned is the bare 11 digits.
 */
export function validateMobile(input: string): Result<string> {
  if (typeof input === 'string' && input.length === 11 && MOBILE.test(input)) return ok(input);
  const s = typeof input === 'string' ? compactNumber(input) : '';
  const national = s.startsWith('+') ? nationalMobile(s.slice(1), true) : /^\d+$/.test(s) ? nationalMobile(s) : null;
  if (national === null) {
    return err(coreError('MOBILE_FORMAT', 'a mainland mobile number is 11 digits starting with 13–19', 'mobile', '请输入11位中国大陆手机号码'));
  }
  return ok(national);
}

/** Deterministic valid test mobile number `1{3-9}…` from a non-negative integer serial. */
export function generateMobile(serial: number): string {
  if (!Number.isInteger(serial) || serial < 0) throw new RangeError(`bad serial ${serial}`);
  const second = 3 + (serial % 7);
  return `1${second}${String(Math.floor(serial / 7) % 1_000_000_000).padStart(9, '0')}`;
}
