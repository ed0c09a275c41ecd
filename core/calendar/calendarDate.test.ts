import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, ageOn, civilFromDays, daysBetween, daysFromCivil, daysInMonth, isIsoDate, maxDate, minDate, monthlyDates, parseIsoDate } from './calendarDate.js';

const utcIso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe('calendar dates', () => {
  it('validates real YYYY-MM-DD dates only', () => {
    for (const good of ['2024-02-29', '2000-02-29', '2023-12-31', '1900-01-01', '2999-12-31']) expect(isIsoDate(good), good).toBe(true);
    for (const bad of ['2023-02-29', '1900-02-29', '2024-13-01', '2024-00-10', '2024-04-31', '2024-1-5', '20240105', '2024-01-05T00:00', '', 'today', null, 20240105]) {
      expect(isIsoDate(bad), String(bad)).toBe(false);
    }
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

  it('picks the later and earlier date', () => {
    expect(maxDate('2024-01-02', '2023-12-31')).toBe('2024-01-02');
    expect(minDate('2024-01-02', '2023-12-31')).toBe('2023-12-31');
  });

  it('parses only strict, real ISO dates into civil parts', () => {
    expect(parseIsoDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-01', '20240101', '2024-01-32', '1899-12-31', '3000-01-01', '']) expect(parseIsoDate(bad)).toBeNull();
  });

  it('day numbers round-trip and start at 1970-01-01', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(11_017);
    fc.assert(fc.property(fc.integer({ min: -200_000, max: 400_000 }), (n) => {
      const c = civilFromDays(n);
      expect(daysFromCivil(c.year, c.month, c.day)).toBe(n);
    }), { numRuns: 2000 });
  });

  it('counts completed years; a 29 February birthday completes on 1 March in common years', () => {
    const b = { year: 2000, month: 2, day: 29 };
    expect(ageOn(b, { year: 2018, month: 2, day: 28 })).toBe(17);
    expect(ageOn(b, { year: 2018, month: 3, day: 1 })).toBe(18);
    expect(ageOn(b, { year: 2024, month: 2, day: 29 })).toBe(24);
  });
});
