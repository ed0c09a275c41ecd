import { describe, expect, it } from 'vitest';
import { loadConfig } from './loadConfig.js';

const base = { KUAIDAI_ENV: 'test', DATABASE_URL: 'pglite:memory' };

describe('contact settings', () => {
  it('default to 08:00-21:00, 3 a day, 10 a week, no template ids', () => {
    expect(loadConfig(base).contact).toEqual({ policy: { windowStart: 480, windowEnd: 1260, maxPerDay: 3, maxPerWeek: 10 }, officialAccountTemplates: {} });
  });
  it('read the window, caps and template ids', () => {
    const c = loadConfig({ ...base, CONTACT_WINDOW: '09:00-20:30', CONTACT_MAX_PER_DAY: '2', CONTACT_MAX_PER_WEEK: '5', OA_TEMPLATE_REMINDER: 'tplReminder_0001', OA_TEMPLATE_OVERDUE: 'tplOverdue_00001' }).contact;
    expect(c).toEqual({ policy: { windowStart: 540, windowEnd: 1230, maxPerDay: 2, maxPerWeek: 5 }, officialAccountTemplates: { reminder: 'tplReminder_0001', overdue: 'tplOverdue_00001' } });
  });
  it('refuse a window reaching into 22:00-08:00, and a weekly cap below the daily one', () => {
    expect(() => loadConfig({ ...base, CONTACT_WINDOW: '07:30-21:00' })).toThrow(/CONTACT_WINDOW.*22:00-08:00/);
    expect(() => loadConfig({ ...base, CONTACT_WINDOW: '08:00-23:00' })).toThrow(/CONTACT_WINDOW/);
    expect(() => loadConfig({ ...base, CONTACT_MAX_PER_DAY: '4', CONTACT_MAX_PER_WEEK: '3' })).toThrow(/CONTACT_MAX_PER_WEEK/);
    expect(() => loadConfig({ ...base, CONTACT_MAX_PER_DAY: '7' })).toThrow(/CONTACT_MAX_PER_DAY/);
  });
});
