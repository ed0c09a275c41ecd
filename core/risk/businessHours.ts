import { coreError, err, ok, type Result } from '../result.js';
import { daysFromCivil, formatIsoDate, civilFromDays, parseIsoDate, shanghaiDayNumber, shanghaiMinuteOfDay, shanghaiMoment, type IsoDate } from '../calendar/index.js';

/**
 * Working hours in Asia/Shanghai (fixed UTC+8): the days and the hours within them that count
 * towards a service level. Holidays (法定节假日) close a weekday; make-up working days (调休上班)
 * open a weekend day. One span per day, no overnight shifts.
 */
export interface BusinessCalendar {
  /** Minutes after Shanghai midnight the working day opens (09:00 → 540). */
  readonly opensAt: number;
  /** Minutes after Shanghai midnight it closes (18:00 → 1080); after `opensAt`. */
  readonly closesAt: number;
  /** ISO weekdays that are working days: 1 Monday … 7 Sunday. */
  readonly weekdays: readonly number[];
  /** Dates that are not working days whatever their weekday. */
  readonly holidays: readonly IsoDate[];
  /** Dates that are working days whatever their weekday. */
  readonly workdays: readonly IsoDate[];
}

/** 09:00–18:00, Monday to Friday, no holidays listed. */
export const DEFAULT_BUSINESS_CALENDAR: BusinessCalendar = Object.freeze({ opensAt: 540, closesAt: 1080, weekdays: Object.freeze([1, 2, 3, 4, 5]), holidays: Object.freeze([]), workdays: Object.freeze([]) });

const MS_PER_MINUTE = 60_000;
/** A calendar whose working days are this far apart is a mistake; it also bounds every search below. */
const MAX_DAYS_SEARCHED = 3_700;
/** Ten years of minutes: far beyond any service level, and a bound on the day-by-day walk. */
const MAX_MINUTES = 10 * 366 * 1440;

/** Checks a calendar built from configuration; the other functions assume a valid one. */
export function validateBusinessCalendar(c: BusinessCalendar): Result<BusinessCalendar> {
  const bad = (field: string, reason: string) => err(coreError('INVALID_CALENDAR', `business calendar ${field}: ${reason}`, field));
  if (!Number.isInteger(c.opensAt) || !Number.isInteger(c.closesAt) || c.opensAt < 0 || c.closesAt > 1440 || c.opensAt >= c.closesAt) return bad('hours', 'must open before it closes, within one day');
  if (!c.weekdays.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) return bad('weekdays', 'must be 1 (Monday) to 7 (Sunday)');
  for (const [field, list] of [['holidays', c.holidays], ['workdays', c.workdays]] as const) {
    const wrong = list.find((d) => parseIsoDate(d) === null);
    if (wrong !== undefined) return bad(field, `${wrong} is not a date (YYYY-MM-DD)`);
  }
  const both = c.holidays.find((d) => c.workdays.includes(d));
  if (both !== undefined) return bad('holidays', `${both} is listed as a holiday and as a working day`);
  if (!c.weekdays.length && !c.workdays.length) return bad('weekdays', 'no day is a working day');
  return ok(c);
}

interface Compiled {
  readonly weekdays: ReadonlySet<number>;
  readonly holidays: ReadonlySet<number>;
  readonly workdays: ReadonlySet<number>;
}

// Calendars come from configuration and are reused for every deadline: compile each once.
const compiled = new WeakMap<BusinessCalendar, Compiled>();

const dayNumberOf = (iso: IsoDate): number => {
  const c = parseIsoDate(iso)!;
  return daysFromCivil(c.year, c.month, c.day);
};

function compile(c: BusinessCalendar): Compiled {
  let found = compiled.get(c);
  if (!found) {
    found = { weekdays: new Set(c.weekdays), holidays: new Set(c.holidays.map(dayNumberOf)), workdays: new Set(c.workdays.map(dayNumberOf)) };
    compiled.set(c, found);
  }
  return found;
}

/** ISO weekday (1 Monday … 7 Sunday) of a day number; 1970-01-01 was a Thursday. */
const isoWeekday = (dayNo: number): number => ((((dayNo + 3) % 7) + 7) % 7) + 1;

/** Whether a Shanghai calendar day (days since 1970-01-01) is a working day. */
export function isBusinessDay(dayNo: number, calendar: BusinessCalendar): boolean {
  const c = compile(calendar);
  if (c.holidays.has(dayNo)) return false;
  return c.workdays.has(dayNo) || c.weekdays.has(isoWeekday(dayNo));
}

/** Whether an ISO date is a working day. */
export const isBusinessDate = (date: IsoDate, calendar: BusinessCalendar): boolean => isBusinessDay(dayNumberOf(date), calendar);

function nextBusinessDay(dayNo: number, calendar: BusinessCalendar): number {
  for (let d = dayNo, i = 0; i < MAX_DAYS_SEARCHED; d++, i++) if (isBusinessDay(d, calendar)) return d;
  throw new RangeError(`no working day within ${MAX_DAYS_SEARCHED} days of ${formatIsoDate(civilFromDays(dayNo))}`);
}

/**
 * The moment `minutes` working minutes after `startMs` (epoch ms): time outside working hours does
 * not count, so a deadline set at 17:50 on a Friday with 30 minutes is 09:20 on Monday. A count
 * ending exactly at closing time answers closing time, not the next opening. Zero minutes answers
 * `startMs`. Fractions of a minute are kept (in milliseconds).
 */
export function addBusinessMinutes(startMs: number, minutes: number, calendar: BusinessCalendar): number {
  if (!Number.isFinite(startMs) || !Number.isFinite(minutes) || minutes < 0 || minutes > MAX_MINUTES) throw new RangeError('addBusinessMinutes: a finite start and a count of 0 to ten years of minutes');
  let left = Math.round(minutes * MS_PER_MINUTE);
  if (left === 0) return startMs;
  const { opensAt, closesAt } = calendar;
  let day = shanghaiDayNumber(startMs);
  // Within the first day: from the later of the start and opening time.
  let from = Math.max(startMs, shanghaiMoment(day, opensAt));
  // One pass per working day: at most MAX_MINUTES / (minutes per day) passes.
  for (;;) {
    if (isBusinessDay(day, calendar)) {
      const close = shanghaiMoment(day, closesAt);
      if (from < close) {
        if (from + left <= close) return from + left;
        left -= close - from;
      }
    }
    day = nextBusinessDay(day + 1, calendar);
    from = shanghaiMoment(day, opensAt);
  }
}

/**
 * Working minutes between two moments (negative when `toMs` is earlier); fractions of a minute
 * kept. The inverse of addBusinessMinutes: `businessMinutesBetween(s, addBusinessMinutes(s, m)) = m`.
 */
export function businessMinutesBetween(fromMs: number, toMs: number, calendar: BusinessCalendar): number {
  if (toMs < fromMs) return -businessMinutesBetween(toMs, fromMs, calendar);
  const { opensAt, closesAt } = calendar;
  const spanMs = (closesAt - opensAt) * MS_PER_MINUTE;
  const first = shanghaiDayNumber(fromMs);
  const last = shanghaiDayNumber(toMs);
  const within = (day: number, a: number, b: number): number => {
    if (!isBusinessDay(day, calendar)) return 0;
    const lo = Math.max(a, shanghaiMoment(day, opensAt));
    const hi = Math.min(b, shanghaiMoment(day, closesAt));
    return Math.max(0, hi - lo);
  };
  if (first === last) return within(first, fromMs, toMs) / MS_PER_MINUTE;
  let total = within(first, fromMs, Infinity) + within(last, -Infinity, toMs);
  for (let day = first + 1; day < last; day++) if (isBusinessDay(day, calendar)) total += spanMs;
  return total / MS_PER_MINUTE;
}

/** Whether a moment falls within working hours (opening inclusive, closing exclusive). */
export function isWithinBusinessHours(ms: number, calendar: BusinessCalendar): boolean {
  const minute = shanghaiMinuteOfDay(ms);
  return isBusinessDay(shanghaiDayNumber(ms), calendar) && minute >= calendar.opensAt && minute < calendar.closesAt;
}
