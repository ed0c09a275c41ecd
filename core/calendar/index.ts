/**
 * core/calendar: the one calendar of core/ — Asia/Shanghai dates as `YYYY-MM-DD`, their civil
 * arithmetic (due dates, days past due, ages) and Shanghai moments (business dates, contact
 * windows, working hours). Pure integer arithmetic; the moment is always a parameter.
 */
export {
  addDays, addMonths, ageOn, civilFromDays, daysBetween, daysFromCivil, daysInMonth, formatIsoDate, isIsoDate, isLeapYear, isRealDate,
  maxDate, minDate, monthlyDates, parseIsoDate,
  type CivilDate, type IsoDate,
} from './calendarDate.js';
export { parseClockTime, SHANGHAI_OFFSET_MS, shanghaiDateOf, shanghaiDayNumber, shanghaiMinuteOfDay, shanghaiMoment } from './shanghaiTime.js';
