import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION_POLICY, retentionCutoff, validateRetentionPolicy } from './retentionPolicy.js';

describe('retention policy', () => {
  it('accepts the defaults', () => {
    expect(validateRetentionPolicy(DEFAULT_RETENTION_POLICY).ok).toBe(true);
  });
  it('refuses a period below its floor, naming the kind and the rule', () => {
    const below = (periods: object) => validateRetentionPolicy({ ...DEFAULT_RETENTION_POLICY, periods: { ...DEFAULT_RETENTION_POLICY.periods, ...periods } });
    const contact = below({ contactLogs: { days: 729 } });
    expect(contact.ok).toBe(false);
    if (!contact.ok) expect(contact.error).toMatchObject({ field: 'contactLogs', code: 'RETENTION_BELOW_FLOOR', message: expect.stringContaining('2 years') });
    const loans = below({ loanRecords: { years: 4 } });
    if (!loans.ok) expect(loans.error).toMatchObject({ field: 'loanRecords', message: expect.stringContaining('5 years') });
    expect(loans.ok).toBe(false);
    const audit = below({ audit: { days: 179 } });
    if (!audit.ok) expect(audit.error.message).toContain('网络安全法');
    expect(audit.ok).toBe(false);
    expect(below({ idempotency: { days: 0 } }).ok).toBe(false);
    expect(below({ audit: { days: 180 }, idempotency: { days: 1 } }).ok).toBe(true);
  });
  it('counts days back in days and years back on the calendar', () => {
    const now = new Date('2031-06-01T03:30:00Z');
    expect(retentionCutoff({ days: 7 }, now).toISOString()).toBe('2031-05-25T03:30:00.000Z');
    expect(retentionCutoff({ years: 5 }, now).toISOString()).toBe('2026-06-01T03:30:00.000Z');
  });
});
