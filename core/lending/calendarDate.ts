import { ok, type Result } from '../result.js';
import { fail } from './lendingError.js';

/** A calendar date in Asia/Shanghai as `YYYY-MM-DD`. ISO dates compare correctly as strings. */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
/** Asia/Shanghai has been UTC+8 all year since 1991 (no DST), so a fixed offset is exact. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days in month `m` (1–12) of year `y`. */
export const daysInMonth = (y: number, m: number): number =>
  m === 2 ? (isLeapYear(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

interface Ymd {
  readonly y: number;
  readonly m: number;
  readonly d: number;
}

function splitDate(date: IsoDate): Ymd | null {
  const match = typeof date === 'string' ? ISO_DATE.exec(date) : null;
  if (!match) return null;
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return { y, m, d };
}

function ymd(date: IsoDate): Ymd {
  const parts = splitDate(date);
  if (!parts) throw new RangeError(`Not a valid ISO date: ${String(date)}`);
  return parts;
}

const format = ({ y, m, d }: Ymd): IsoDate => `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;

// Days from 1970-01-01 and back (H. Hinnant's civil-date algorithms): pure arithmetic, no Date.
function toEpochDay({ y, m, d }: Ymd): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function fromEpochDay(days: number): Ymd {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/** True for a real calendar date `YYYY-MM-DD` between 1900 and 2999 (2023-02-29 is false). */
export const isIsoDate = (value: unknown): value is IsoDate => typeof value === 'string' && splitDate(value) !== null;

/** Validates a `YYYY-MM-DD` string as a real calendar date (DATE_INVALID otherwise). */
export function validateIsoDate(value: unknown, field = 'date'): Result<IsoDate> {
  return isIsoDate(value) ? ok(value) : fail('DATE_INVALID', field, `Not a real calendar date in YYYY-MM-DD form: ${JSON.stringify(value)}`);
}

/**
 * The date `months` months after `date`, on the same day of the month clamped to the month's end
 * (Jan 31 + 1 → Feb 28/29). Due dates are always computed from the start date, never cumulatively,
 * so Jan 31 → Feb 29 → Mar 31. Throws on an invalid date (validate first).
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const { y, m, d } = ymd(date);
  const index = y * 12 + (m - 1) + months;
  const ny = Math.floor(index / 12);
  const nm = index - ny * 12 + 1;
  return format({ y: ny, m: nm, d: Math.min(d, daysInMonth(ny, nm)) });
}

/** `addMonths(date, 1..count)` in one pass (schedules): the start is parsed once. */
export function monthlyDates(date: IsoDate, count: number): IsoDate[] {
  const { y, m, d } = ymd(date);
  const out: IsoDate[] = new Array<IsoDate>(count);
  for (let k = 1; k <= count; k += 1) {
    const index = y * 12 + (m - 1) + k;
    const ny = Math.floor(index / 12);
    const nm = index - ny * 12 + 1;
    out[k - 1] = format({ y: ny, m: nm, d: Math.min(d, daysInMonth(ny, nm)) });
  }
  return out;
}

/** The date `days` days after `date` (negative goes back). */
export const addDays = (date: IsoDate, days: number): IsoDate => format(fromEpochDay(toEpochDay(ymd(date)) + days));

/** Calendar days from `from` to `to` (positive when `to` is later): 2024-01-31 → 2024-03-01 is 30. */
export const daysBetween = (from: IsoDate, to: IsoDate): number => toEpochDay(ymd(to)) - toEpochDay(ymd(from));

/** The Asia/Shanghai calendar date of an epoch-millisecond moment (fixed UTC+8). */
export function shanghaiDateOf(epochMs: number): IsoDate {
  if (!Number.isFinite(epochMs)) throw new RangeError(`shanghaiDateOf: not a finite moment: ${epochMs}`);
  return format(fromEpochDay(Math.floor((epochMs + SHANGHAI_OFFSET_MS) / MS_PER_DAY)));
}

/** The later / earlier of two ISO dates. */
export const maxDate = (a: IsoDate, b: IsoDate): IsoDate => (a >= b ? a : b);
export const minDate = (a: IsoDate, b: IsoDate): IsoDate => (a <= b ? a : b);
