import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageOn, civilFromDays, daysFromCivil, formatIsoDate, parseClockTime, parseIsoDate, shanghaiDayNumber, shanghaiMinuteOfDay, shanghaiMoment } from './calendar.js';

describe('calendar', () => {
  it('parses only strict, real ISO dates', () => {
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

  it('converts Shanghai moments with a fixed +8h', () => {
    const m = Date.UTC(2025, 5, 30, 16, 30); // 2025-07-01 00:30 in Shanghai
    expect(formatIsoDate(civilFromDays(shanghaiDayNumber(m)))).toBe('2025-07-01');
    expect(shanghaiMinuteOfDay(m)).toBe(30);
    expect(shanghaiMoment(shanghaiDayNumber(m), 30)).toBe(m);
  });

  it('parses HH:MM clock times', () => {
    expect(parseClockTime('21:00')).toBe(1260);
    expect(parseClockTime('00:00')).toBe(0);
    for (const bad of ['24:00', '9:00', '12:60', '']) expect(parseClockTime(bad)).toBeNull();
  });
});
