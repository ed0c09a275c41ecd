import { civilFromDays, formatIsoDate, type IsoDate } from './calendarDate.js';

/**
 * Moments (epoch milliseconds) on the Shanghai clock: the business date of a moment, minutes
 * after local midnight, clock times. Asia/Shanghai has been UTC+8 all year since 1991 (no DST),
 * so a fixed offset is exact.
 */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

const MS_PER_DAY = 86_400_000;
const MS_PER_MINUTE = 60_000;

/** Shanghai calendar day number (days since 1970-01-01) of an epoch-millisecond moment. */
export const shanghaiDayNumber = (ms: number): number => Math.floor((ms + SHANGHAI_OFFSET_MS) / MS_PER_DAY);

/** The Asia/Shanghai calendar date of an epoch-millisecond moment. */
export function shanghaiDateOf(epochMs: number): IsoDate {
  if (!Number.isFinite(epochMs)) throw new RangeError(`shanghaiDateOf: not a finite moment: ${epochMs}`);
  return formatIsoDate(civilFromDays(shanghaiDayNumber(epochMs)));
}

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
