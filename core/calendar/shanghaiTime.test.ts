import { describe, expect, it } from 'vitest';
import { civilFromDays, formatIsoDate } from './calendarDate.js';
import { parseClockTime, shanghaiDateOf, shanghaiDayNumber, shanghaiMinuteOfDay, shanghaiMoment } from './shanghaiTime.js';

describe('Shanghai time', () => {
  it('gives the Shanghai date of a moment (UTC+8, no DST)', () => {
    expect(shanghaiDateOf(Date.UTC(2024, 0, 31, 15, 59, 59))).toBe('2024-01-31');
    expect(shanghaiDateOf(Date.UTC(2024, 0, 31, 16, 0, 0))).toBe('2024-02-01');
    expect(shanghaiDateOf(0)).toBe('1970-01-01');
    expect(shanghaiDateOf(-8 * 3_600_000 - 1)).toBe('1969-12-31');
    expect(() => shanghaiDateOf(Number.NaN)).toThrow(RangeError);
  });

  it('converts Shanghai moments with a fixed +8h', () => {
    const m = Date.UTC(2025, 5, 30, 16, 30); // 2025-07-01 00:30 in Shanghai
    expect(formatIsoDate(civilFromDays(shanghaiDayNumber(m)))).toBe('2025-07-01');
    expect(shanghaiDateOf(m)).toBe('2025-07-01');
    expect(shanghaiMinuteOfDay(m)).toBe(30);
    expect(shanghaiMoment(shanghaiDayNumber(m), 30)).toBe(m);
  });

  it('parses HH:MM clock times', () => {
    expect(parseClockTime('21:00')).toBe(1260);
    expect(parseClockTime('00:00')).toBe(0);
    for (const bad of ['24:00', '9:00', '12:60', '']) expect(parseClockTime(bad)).toBeNull();
  });
});
