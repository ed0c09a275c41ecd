/**
 * Calendar pieces core/risk needs beyond core/lending's date functions (addDays, addMonths):
 * dates as civil parts and day numbers (days since 1970-01-01), ages, and Shanghai moments
 * (fixed UTC+8, no DST) down to the minute. Integer arithmetic only: no Date object, no clock.
 */

/** ISO calendar date `YYYY-MM-DD` (Asia/Shanghai). */
export type IsoDate = string;

const MS_PER_DAY = 86_400_000;
const MS_PER_MINUTE = 60_000;
/** Shanghai is UTC+8 all year round. */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

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

/** Parses a strict `YYYY-MM-DD` string naming a real date in 1900–2999 (core/lending's range); null otherwise. */
export function parseIsoDate(s: string): CivilDate | null {
  // The same decision date is parsed many times per decision: remember the last one.
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

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

export const formatIsoDate = (c: CivilDate): IsoDate => `${c.year}-${pad2(c.month)}-${pad2(c.day)}`;

/**
 * Age in completed years (周岁) on `on`. Someone born on 29 February completes a year on
 * 1 March in common years.
 */
export function ageOn(birth: CivilDate, on: CivilDate): number {
  let age = on.year - birth.year;
  if (on.month < birth.month || (on.month === birth.month && on.day < birth.day)) age -= 1;
  return age;
}

/** Shanghai calendar day number of an epoch-millisecond moment. */
export const shanghaiDayNumber = (ms: number): number => Math.floor((ms + SHANGHAI_OFFSET_MS) / MS_PER_DAY);

/** Minutes since Shanghai midnight (0–1439) of a moment. */
export const shanghaiMinuteOfDay = (ms: number): number => {
  const local = ms + SHANGHAI_OFFSET_MS;
  return Math.floor((local - Math.floor(local / MS_PER_DAY) * MS_PER_DAY) / MS_PER_MINUTE);
};

/** Epoch ms of a Shanghai day number plus minutes after local midnight. */
export const shanghaiMoment = (dayNo: number, minuteOfDay: number): number =>
  dayNo * MS_PER_DAY + minuteOfDay * MS_PER_MINUTE - SHANGHAI_OFFSET_MS;

/** Parses `HH:MM` (00:00–23:59) to minutes after midnight; null when malformed. */
export function parseClockTime(s: string): number | null {
  if (typeof s !== 'string' || !/^\d\d:\d\d$/.test(s)) return null;
  const h = Number(s.slice(0, 2));
  const m = Number(s.slice(3, 5));
  return h <= 23 && m <= 59 ? h * 60 + m : null;
}
