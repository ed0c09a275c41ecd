import { describe, expect, it } from 'vitest';
import { DEFAULT_BUSINESS_CALENDAR as WEEK } from './businessHours.js';
import { serviceDeadlines } from './serviceDeadlines.js';

const sh = (iso: string): number => Date.parse(`${iso}+08:00`);

describe('serviceDeadlines', () => {
  it('counts both deadlines and their warnings in working hours', () => {
    const d = serviceDeadlines(sh('2026-12-11T17:00'), { firstResponseMinutes: 15, resolutionMinutes: 240 }, { minutes: 30 }, WEEK);
    expect(d.firstResponse.dueAt).toBe(sh('2026-12-11T17:15'));
    expect(d.firstResponse.warnAt).toBe(sh('2026-12-11T17:00')); // a lead longer than the level warns at once
    expect(d.resolution.dueAt).toBe(sh('2026-12-14T12:00'));
    expect(d.resolution.warnAt).toBe(sh('2026-12-14T11:30'));
  });

  it('takes a share of the level as the lead', () => {
    const d = serviceDeadlines(sh('2026-12-07T09:00'), { firstResponseMinutes: 100, resolutionMinutes: 960 }, { percent: 20 }, WEEK);
    expect(d.firstResponse.warnAt).toBe(sh('2026-12-07T10:20'));
    expect(d.resolution.warnAt).toBe(sh('2026-12-08T12:48')); // 768 working minutes: 540 on Monday, 228 on Tuesday
    expect(d.resolution.dueAt).toBe(sh('2026-12-08T16:00'));
  });
});
