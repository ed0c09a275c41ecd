import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addBusinessMinutes, businessMinutesBetween, DEFAULT_BUSINESS_CALENDAR as WEEK, isBusinessDate, isWithinBusinessHours, validateBusinessCalendar, type BusinessCalendar } from './businessHours.js';

/** A Shanghai wall-clock moment as epoch ms. */
const sh = (iso: string): number => Date.parse(`${iso}+08:00`);
const shText = (ms: number): string => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

// 2026 National Day: 1–7 October off (Thu 1 … Wed 7), Saturday 10 October worked (调休).
const NATIONAL_DAY: BusinessCalendar = {
  ...WEEK,
  holidays: ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'],
  workdays: ['2026-10-10'],
};

describe('business hours', () => {
  it('counts within one day, across the night and across the weekend', () => {
    expect(shText(addBusinessMinutes(sh('2026-12-07T10:00'), 15, WEEK))).toBe('2026-12-07 10:15'); // Monday
    expect(shText(addBusinessMinutes(sh('2026-12-07T17:50'), 30, WEEK))).toBe('2026-12-08 09:20');
    expect(shText(addBusinessMinutes(sh('2026-12-11T17:50'), 30, WEEK))).toBe('2026-12-14 09:20'); // Friday → Monday
    expect(shText(addBusinessMinutes(sh('2026-12-12T11:00'), 240, WEEK))).toBe('2026-12-14 13:00'); // Saturday → Monday
  });

  it('starts counting at opening time when asked before it, and ends at closing time exactly', () => {
    expect(shText(addBusinessMinutes(sh('2026-12-07T07:30'), 60, WEEK))).toBe('2026-12-07 10:00');
    expect(shText(addBusinessMinutes(sh('2026-12-07T09:00'), 540, WEEK))).toBe('2026-12-07 18:00');
    expect(shText(addBusinessMinutes(sh('2026-12-07T20:00'), 1, WEEK))).toBe('2026-12-08 09:01');
    expect(addBusinessMinutes(sh('2026-12-12T03:00'), 0, WEEK)).toBe(sh('2026-12-12T03:00'));
  });

  it('two business days of 8 hours from Friday afternoon end on Tuesday afternoon', () => {
    expect(shText(addBusinessMinutes(sh('2026-12-11T14:00'), 16 * 60, { ...WEEK, opensAt: 540, closesAt: 1020 }))).toBe('2026-12-15 14:00');
  });

  it('skips holidays and works make-up days (National Day 2026)', () => {
    expect(isBusinessDate('2026-10-01', NATIONAL_DAY)).toBe(false);
    expect(isBusinessDate('2026-10-10', NATIONAL_DAY)).toBe(true);
    expect(isBusinessDate('2026-10-11', NATIONAL_DAY)).toBe(false);
    // Wednesday 30 September 17:00 + 2 h: one hour that day, the next on Thursday 8 October.
    expect(shText(addBusinessMinutes(sh('2026-09-30T17:00'), 120, NATIONAL_DAY))).toBe('2026-10-08 10:00');
    // Friday 9 October 17:00 + 2 h: the make-up Saturday.
    expect(shText(addBusinessMinutes(sh('2026-10-09T17:00'), 120, NATIONAL_DAY))).toBe('2026-10-10 10:00');
    expect(businessMinutesBetween(sh('2026-09-30T09:00'), sh('2026-10-09T09:00'), NATIONAL_DAY)).toBe(540 * 2); // 30 September and 8 October; 9 October has not begun
  });

  it('measures working minutes between moments, signed', () => {
    expect(businessMinutesBetween(sh('2026-12-11T17:00'), sh('2026-12-14T10:00'), WEEK)).toBe(120);
    expect(businessMinutesBetween(sh('2026-12-14T10:00'), sh('2026-12-11T17:00'), WEEK)).toBe(-120);
    expect(businessMinutesBetween(sh('2026-12-12T10:00'), sh('2026-12-13T10:00'), WEEK)).toBe(0);
    expect(businessMinutesBetween(sh('2026-12-07T10:00'), sh('2026-12-07T10:00:30'), WEEK)).toBe(0.5);
  });

  it('knows whether a moment is within hours', () => {
    expect(isWithinBusinessHours(sh('2026-12-07T09:00'), WEEK)).toBe(true);
    expect(isWithinBusinessHours(sh('2026-12-07T18:00'), WEEK)).toBe(false);
    expect(isWithinBusinessHours(sh('2026-12-12T10:00'), WEEK)).toBe(false);
  });

  it('refuses calendars that cannot be right', () => {
    expect(validateBusinessCalendar(WEEK).ok).toBe(true);
    const wrong = (c: Partial<BusinessCalendar>) => {
      const r = validateBusinessCalendar({ ...WEEK, ...c });
      return r.ok ? null : r.error.field;
    };
    expect(wrong({ opensAt: 1080, closesAt: 540 })).toBe('hours');
    expect(wrong({ weekdays: [0] })).toBe('weekdays');
    expect(wrong({ weekdays: [] })).toBe('weekdays');
    expect(wrong({ holidays: ['2026-02-30'] })).toBe('holidays');
    expect(wrong({ holidays: ['2026-10-10'], workdays: ['2026-10-10'] })).toBe('holidays');
    expect(() => addBusinessMinutes(0, -1, WEEK)).toThrow(RangeError);
  });

  describe('properties', () => {
    const start = fc.integer({ min: sh('2024-01-01T00:00'), max: sh('2030-12-31T23:59') });
    const minutes = fc.integer({ min: 0, max: 20_000 });
    const calendar: fc.Arbitrary<BusinessCalendar> = fc
      .record({
        opensAt: fc.integer({ min: 0, max: 1200 }),
        length: fc.integer({ min: 30, max: 720 }),
        weekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
        holidays: fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 10 }),
      })
      .map(({ opensAt, length, weekdays, holidays }) => ({
        opensAt,
        closesAt: Math.min(1440, opensAt + length),
        weekdays,
        holidays: holidays.map((d) => new Date(Date.UTC(2026, 11, 1 + d)).toISOString().slice(0, 10)),
        workdays: [],
      }));

    it('adding then measuring gives the minutes back', () => {
      fc.assert(fc.property(start, minutes, calendar, (s, m, c) => {
        expect(businessMinutesBetween(s, addBusinessMinutes(s, m, c), c)).toBeCloseTo(m, 6);
      }), { numRuns: 500 });
    });

    it('the deadline is never earlier than the start, grows with the minutes, and a positive count ends within hours or at closing time', () => {
      fc.assert(fc.property(start, minutes, minutes, calendar, (s, a, b, c) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const x = addBusinessMinutes(s, lo, c);
        const y = addBusinessMinutes(s, hi, c);
        expect(x).toBeGreaterThanOrEqual(s);
        expect(y).toBeGreaterThanOrEqual(x);
        if (lo > 0) expect(isWithinBusinessHours(x, c) || isWithinBusinessHours(x - 1, c)).toBe(true);
      }), { numRuns: 500 });
    });

    it('adding in two steps equals adding at once', () => {
      fc.assert(fc.property(start, minutes, minutes, calendar, (s, a, b, c) => {
        expect(addBusinessMinutes(addBusinessMinutes(s, a, c), b, c)).toBe(addBusinessMinutes(s, a + b, c));
      }), { numRuns: 500 });
    });

    it('working minutes between moments add up over a midpoint', () => {
      fc.assert(fc.property(start, start, start, (a, b, m) => {
        expect(businessMinutesBetween(a, m, WEEK) + businessMinutesBetween(m, b, WEEK)).toBeCloseTo(businessMinutesBetween(a, b, WEEK), 6);
      }), { numRuns: 300 });
    });
  });
});
