/**
 * Calendar dates in Asia/Shanghai as `YYYY-MM-DD` strings, and the civil arithmetic under them
 * (days since 1970-01-01, month ends, leap years, ages). Integer arithmetic only: no Date object,
 * no clock. The one calendar core/lending and core/risk share.
 */

/** A calendar date in Asia/Shanghai as `YYYY-MM-DD`. ISO dates compare correctly as strings. */
export type IsoDate = string;

/** A date as its civil parts (month 1–12). */
export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days in month `m` (1–12) of year `y`. */
export const daysInMonth = (y: number, m: number): number =>
  m === 2 ? (isLeapYear(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;

/** True when y/m/d names a real Gregorian date. */
export const isRealDate = (y: number, m: number, d: number): boolean =>
  Number.isInteger(y) && Number.isInteger(m) && Number.isInteger(d) && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);

const code0 = 48;
const digit = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - code0;
  return c >= 0 && c <= 9 ? c : -1;
};

let lastText: unknown;
let lastParsed: CivilDate | null = null;

/** Parses a strict `YYYY-MM-DD` string naming a real date in 1900–2999; null otherwise. */
export function parseIsoDate(s: string): CivilDate | null {
  // The same date is parsed many times in a row (a decision, a schedule): remember the last one.
  if (s === lastText) return lastParsed;
  const parsed = parseUncached(s);
  lastText = s;
  lastParsed = parsed;
  return parsed;
}

function parseUncached(s: string): CivilDate | null {
  if (typeof s !== 'string' || s.length !== 10 || s[4] !== '-' || s[7] !== '-') return null;
  const y0 = digit(s, 0), y1 = digit(s, 1), y2 = digit(s, 2), y3 = digit(s, 3);
  const m0 = digit(s, 5), m1 = digit(s, 6), d0 = digit(s, 8), d1 = digit(s, 9);
  if (y0 < 0 || y1 < 0 || y2 < 0 || y3 < 0 || m0 < 0 || m1 < 0 || d0 < 0 || d1 < 0) return null;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  return year >= 1900 && year <= 2999 && isRealDate(year, month, day) ? Object.freeze({ year, month, day }) : null;
}

/** True for a real calendar date `YYYY-MM-DD` between 1900 and 2999 (2023-02-29 is false). */
export const isIsoDate = (value: unknown): value is IsoDate => typeof value === 'string' && parseIsoDate(value) !== null;

function civil(date: IsoDate): CivilDate {
  const parts = parseIsoDate(date);
  if (!parts) throw new RangeError(`Not a valid ISO date: ${String(date)}`);
  return parts;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

export const formatIsoDate = (c: CivilDate): IsoDate => `${c.year}-${pad2(c.month)}-${pad2(c.day)}`;

/** Days since 1970-01-01 (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The civil date of a day number (days since 1970-01-01; H. Hinnant's civil_from_days). */
export function civilFromDays(n: number): CivilDate {
  const z = n + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const dayNumber = (date: IsoDate): number => {
  const c = civil(date);
  return daysFromCivil(c.year, c.month, c.day);
};

/**
 * The date `months` months after `date`, on the same day of the month clamped to the month's end
 * (Jan 31 + 1 → Feb 28/29). Due dates are always computed from the start date, never cumulatively,
 * so Jan 31 → Feb 29 → Mar 31. Throws on an invalid date (validate first).
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const { year, month, day } = civil(date);
  const index = year * 12 + (month - 1) + months;
  const ny = Math.floor(index / 12);
  const nm = index - ny * 12 + 1;
  return formatIsoDate({ year: ny, month: nm, day: Math.min(day, daysInMonth(ny, nm)) });
}

/** `addMonths(date, 1..count)` in one pass (schedules): the start is parsed once. */
export function monthlyDates(date: IsoDate, count: number): IsoDate[] {
  const { year, month, day } = civil(date);
  const out: IsoDate[] = new Array<IsoDate>(count);
  for (let k = 1; k <= count; k += 1) {
    const index = year * 12 + (month - 1) + k;
    const ny = Math.floor(index / 12);
    const nm = index - ny * 12 + 1;
    out[k - 1] = formatIsoDate({ year: ny, month: nm, day: Math.min(day, daysInMonth(ny, nm)) });
  }
  return out;
}

/** The date `days` days after `date` (negative goes back). */
export const addDays = (date: IsoDate, days: number): IsoDate => formatIsoDate(civilFromDays(dayNumber(date) + days));

/** Calendar days from `from` to `to` (positive when `to` is later): 2024-01-31 → 2024-03-01 is 30. */
export const daysBetween = (from: IsoDate, to: IsoDate): number => dayNumber(to) - dayNumber(from);

/** The later / earlier of two ISO dates. */
export const maxDate = (a: IsoDate, b: IsoDate): IsoDate => (a >= b ? a : b);
export const minDate = (a: IsoDate, b: IsoDate): IsoDate => (a <= b ? a : b);

/**
 * Age in completed years (周岁) on `on`. Someone born on 29 February completes a year on
 * 1 March in common years.
 */
export function ageOn(birth: CivilDate, on: CivilDate): number {
  let age = on.year - birth.year;
  if (on.month < birth.month || (on.month === birth.month && on.day < birth.day)) age -= 1;
  return age;
}
