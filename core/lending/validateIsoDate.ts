import { isIsoDate, type IsoDate } from '../calendar/index.js';
import { ok, type Result } from '../result.js';
import { fail } from './lendingError.js';

/** Validates a `YYYY-MM-DD` string as a real calendar date (DATE_INVALID otherwise). */
export function validateIsoDate(value: unknown, field = 'date'): Result<IsoDate> {
  return isIsoDate(value) ? ok(value) : fail('DATE_INVALID', field, `Not a real calendar date in YYYY-MM-DD form: ${JSON.stringify(value)}`);
}
