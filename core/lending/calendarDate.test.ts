import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, daysBetween, daysInMonth, isIsoDate, maxDate, minDate, monthlyDates, shanghaiDateOf, validateIsoDate } from './calendarDate.js';

const utcIso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe('calendar dates', () => {
  it('validates real YYYY-MM-DD dates only', () => {
    for (const good of ['2024-02-29', '2000-02-29', '2023-12-31', '1900-01-01', '2999-12-31']) expect(isIsoDate(good), good).toBe(true);
    for (const bad of ['2023-02-29', '1900-02-29', '2024-13-01', '2024-00-10', '2024-04-31', '2024-1-5', '20240105', '2024-01-05T00:00', '', 'today', null, 20240105]) {
      expect(isIsoDate(bad), String(bad)).toBe(false);
    }
    const r = validateIsoDate('2023-02-29', 'startDate');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'DATE_INVALID', field: 'startDate' });
    expect(validateIsoDate('2024-02-29')).toEqual({ ok: true, value: '2024-02-29' });
  });

  it('adds months from the start day, clamped to month end, never cumulatively', () => {
    const start = '2024-01-31';
    expect([1, 2, 3, 4, 13].map((k) => addMonths(start, k))).toEqual(['2024-02-29', '2024-03-31', '2024-04-30', '2024-05-31', '2025-02-28']);
    expect(addMonths('2023-01-31', 1)).toBe('2023-02-28');
    expect(addMonths('2024-12-15', 1)).toBe('2025-01-15');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2024-01-15', 360)).toBe('2054-01-15');
    expect(() => addMonths('2024-02-30', 1)).toThrow(RangeError);
  });

  it('lists monthly dates exactly as addMonths does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 1, max: 360 }), (day, count) => {
        const start = addDays('1950-01-01', day);
        const dates = monthlyDates(start, count);
        expect(dates).toHaveLength(count);
        expect(dates[count - 1]).toBe(addMonths(start, count));
        expect(dates[0]).toBe(addMonths(start, 1));
        expect(dates.every((d, k) => d === addMonths(start, k + 1))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('counts days between dates and adds days', () => {
    expect(daysBetween('2024-01-31', '2024-03-01')).toBe(30);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(daysBetween('2025-01-01', '2024-01-01')).toBe(-366);
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(daysInMonth(2100, 2)).toBe(28);
  });

  it('agrees with the platform calendar (UTC arithmetic) on random dates', () => {
    const min = Date.UTC(1900, 0, 1);
    const max = Date.UTC(2999, 11, 31);
    fc.assert(
      fc.property(fc.integer({ min: min / 86_400_000, max: max / 86_400_000 }), fc.integer({ min: -5000, max: 5000 }), (day, delta) => {
        const a = utcIso(day * 86_400_000);
        const b = utcIso((day + delta) * 86_400_000);
        if (!isIsoDate(b)) return;
        expect(addDays(a, delta)).toBe(b);
        expect(daysBetween(a, b)).toBe(delta);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the Shanghai date of a moment (UTC+8, no DST)', () => {
    expect(shanghaiDateOf(Date.UTC(2024, 0, 31, 15, 59, 59))).toBe('2024-01-31');
    expect(shanghaiDateOf(Date.UTC(2024, 0, 31, 16, 0, 0))).toBe('2024-02-01');
    expect(shanghaiDateOf(0)).toBe('1970-01-01');
    expect(shanghaiDateOf(-8 * 3_600_000 - 1)).toBe('1969-12-31');
    expect(() => shanghaiDateOf(Number.NaN)).toThrow(RangeError);
  });

  it('picks the later and earlier date', () => {
    expect(maxDate('2024-01-02', '2023-12-31')).toBe('2024-01-02');
    expect(minDate('2024-01-02', '2023-12-31')).toBe('2023-12-31');
  });
});
