import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION_POLICY as policy } from './retentionPolicy.js';
import { auditDue, borrowerHold, consentDue, contactLogDue, conversationDue, jobRowDue, loanRecordsDue, pastPeriod } from './retentionRules.js';

const now = new Date('2031-06-01T03:30:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const yearsAgo = (y: number) => new Date(Date.UTC(2031 - y, 5, 1, 3, 30));
const idle = { openLines: 0, openDrawdowns: 0, openWorkOrders: 0 };

describe('borrower holds', () => {
  it('hold everything of a borrower with an open line, drawdown or work order', () => {
    expect(borrowerHold(idle)).toBeUndefined();
    expect(borrowerHold(undefined)).toBeUndefined();
    expect(borrowerHold({ ...idle, openLines: 1 })).toBe('open_line');
    expect(borrowerHold({ ...idle, openDrawdowns: 1 })).toBe('open_drawdown');
    expect(borrowerHold({ ...idle, openWorkOrders: 2 })).toBe('open_work_order');
  });
});

describe('conversations', () => {
  const old = { lastActivityAt: daysAgo(1096), borrower: idle, openWorkOrders: 0, handoff: false, undelivered: 0 };
  it('go after their period when nothing holds them', () => {
    expect(conversationDue(old, policy, now)).toEqual({ due: true });
    expect(conversationDue({ ...old, borrower: undefined }, policy, now)).toEqual({ due: true });
    expect(conversationDue({ ...old, lastActivityAt: daysAgo(1094) }, policy, now)).toEqual({ due: false });
    // A hold is named only past the period: young rows are simply recent.
    expect(conversationDue({ ...old, lastActivityAt: daysAgo(10), handoff: true }, policy, now)).toEqual({ due: false });
  });
  it('stay while the borrower holds something, a work order names them, a person talks or a reply waits', () => {
    expect(conversationDue({ ...old, borrower: { ...idle, openLines: 1 } }, policy, now)).toEqual({ due: false, hold: 'open_line' });
    expect(conversationDue({ ...old, openWorkOrders: 1 }, policy, now)).toEqual({ due: false, hold: 'open_work_order' });
    expect(conversationDue({ ...old, handoff: true }, policy, now)).toEqual({ due: false, hold: 'handoff' });
    expect(conversationDue({ ...old, undelivered: 1 }, policy, now)).toEqual({ due: false, hold: 'undelivered' });
  });
});

describe('contact logs', () => {
  it('stay at least two years, and while not final or the borrower holds something', () => {
    expect(contactLogDue({ createdAt: daysAgo(365), final: true, borrower: idle }, policy, now)).toEqual({ due: false });
    expect(contactLogDue({ createdAt: daysAgo(731), final: true, borrower: idle }, policy, now)).toEqual({ due: true });
    expect(contactLogDue({ createdAt: daysAgo(731), final: false, borrower: idle }, policy, now)).toEqual({ due: false, hold: 'not_final' });
    expect(contactLogDue({ createdAt: daysAgo(731), final: true, borrower: { ...idle, openDrawdowns: 1 } }, policy, now)).toEqual({ due: false, hold: 'open_drawdown' });
  });
});

describe('loan records', () => {
  it('go five years after the last line was settled, never while something is open', () => {
    expect(loanRecordsDue({ lastActivityAt: yearsAgo(4), borrower: idle }, policy, now)).toEqual({ due: false });
    expect(loanRecordsDue({ lastActivityAt: new Date(yearsAgo(5).getTime() - 1), borrower: idle }, policy, now)).toEqual({ due: true });
    expect(loanRecordsDue({ lastActivityAt: yearsAgo(5), borrower: idle }, policy, now)).toEqual({ due: false });
    expect(loanRecordsDue({ lastActivityAt: yearsAgo(9), borrower: { ...idle, openLines: 1 } }, policy, now)).toEqual({ due: false, hold: 'open_line' });
    expect(loanRecordsDue({ lastActivityAt: null, borrower: idle }, policy, now)).toEqual({ due: false });
  });
  it('count years on the calendar', () => {
    const leap = new Date('2024-02-29T00:00:00Z');
    expect(pastPeriod(policy, 'loanRecords', new Date('2019-02-28T23:59:59Z'), leap)).toBe(true);
    expect(pastPeriod(policy, 'loanRecords', new Date('2019-03-01T00:00:01Z'), leap)).toBe(false);
  });
});

describe('consents', () => {
  const gone = { grantedAt: yearsAgo(8), revokedAt: null, authorisedRecordsRemain: false, recordsGoneAt: daysAgo(1096), borrower: idle };
  it('stay as long as a record they authorised stays', () => {
    expect(consentDue({ ...gone, authorisedRecordsRemain: true }, policy, now)).toEqual({ due: false, hold: 'records_remain' });
    expect(consentDue({ ...gone, recordsGoneAt: null }, policy, now)).toEqual({ due: false, hold: 'records_remain' });
    expect(consentDue({ ...gone, revokedAt: yearsAgo(7), authorisedRecordsRemain: true }, policy, now)).toEqual({ due: false, hold: 'records_remain' });
  });
  it('count their period from the later of revocation and the records being gone', () => {
    expect(consentDue(gone, policy, now)).toEqual({ due: true });
    expect(consentDue({ ...gone, recordsGoneAt: daysAgo(100) }, policy, now)).toEqual({ due: false });
    expect(consentDue({ ...gone, revokedAt: daysAgo(100) }, policy, now)).toEqual({ due: false });
  });
});

describe('audit rows and job rows', () => {
  it('audit rows stay their period, and while a kept consent counts from them', () => {
    expect(auditDue({ at: daysAgo(1826), marksKeptConsents: false }, policy, now)).toEqual({ due: true });
    expect(auditDue({ at: daysAgo(1800), marksKeptConsents: false }, policy, now)).toEqual({ due: false });
    expect(auditDue({ at: daysAgo(4000), marksKeptConsents: true }, policy, now)).toEqual({ due: false, hold: 'consents_remain' });
  });
  it('job rows go once finished and past their period', () => {
    expect(jobRowDue({ status: 'done', finishedAt: daysAgo(8) }, policy, now)).toEqual({ due: true });
    expect(jobRowDue({ status: 'cancelled', finishedAt: daysAgo(6) }, policy, now)).toEqual({ due: false });
    expect(jobRowDue({ status: 'pending', finishedAt: daysAgo(80) }, policy, now)).toEqual({ due: false, hold: 'not_final' });
  });
});
