import { describe, expect, it } from 'vitest';
import { decideContact, parseContactPolicy, DEFAULT_CONTACT_POLICY, type ContactPolicy } from './contactPolicy.js';

/** Epoch ms of a Shanghai wall-clock time. */
const sh = (iso: string): number => Date.parse(`${iso}+08:00`);
const attempt = (now: number, history: number[] = []) => ({ now, chatType: 'private' as const, recipient: 'borrower' as const, history });

describe('parseContactPolicy', () => {
  it('reads the window and caps', () => {
    const p = parseContactPolicy('08:00-21:00', 3, 10);
    expect(p.ok && p.value).toEqual({ windowStart: 480, windowEnd: 1260, maxPerDay: 3, maxPerWeek: 10 });
    expect(parseContactPolicy('09:30-22:00', 1, 1).ok).toBe(true);
  });
  it('refuses a window reaching into 22:00-08:00, a malformed one, and bad caps', () => {
    for (const w of ['07:59-21:00', '08:00-22:01', '20:00-09:00', '8-21', '21:00-08:00', '10:00-10:00']) expect(parseContactPolicy(w, 3, 10).ok, w).toBe(false);
    expect(parseContactPolicy('08:00-21:00', 0, 10).ok).toBe(false);
    expect(parseContactPolicy('08:00-21:00', 3, 2).ok).toBe(false);
  });
});

describe('decideContact', () => {
  it('sends inside the window', () => {
    expect(decideContact(attempt(sh('2026-03-10T10:00:00')))).toEqual({ kind: 'send' });
    expect(decideContact(attempt(sh('2026-03-10T08:00:00')))).toEqual({ kind: 'send' });
  });
  it('defers 21:30 to 08:00 the next day, and 06:00 to 08:00 that day', () => {
    expect(decideContact(attempt(sh('2026-03-10T21:30:00')))).toEqual({ kind: 'defer', notBefore: sh('2026-03-11T08:00:00'), reason: 'outside_window' });
    expect(decideContact(attempt(sh('2026-03-10T21:00:00')))).toEqual({ kind: 'defer', notBefore: sh('2026-03-11T08:00:00'), reason: 'outside_window' });
    expect(decideContact(attempt(sh('2026-03-10T06:00:00')))).toEqual({ kind: 'defer', notBefore: sh('2026-03-10T08:00:00'), reason: 'outside_window' });
  });
  it('holds the daily cap: the next day at the window start', () => {
    const history = [sh('2026-03-10T08:05:00'), sh('2026-03-10T09:00:00'), sh('2026-03-10T10:00:00')];
    expect(decideContact(attempt(sh('2026-03-10T11:00:00'), history))).toEqual({ kind: 'defer', notBefore: sh('2026-03-11T08:00:00'), reason: 'daily_cap' });
    // Yesterday's contacts do not count today.
    expect(decideContact(attempt(sh('2026-03-11T08:00:00'), history))).toEqual({ kind: 'send' });
  });
  it('holds the weekly cap over rolling seven days', () => {
    const policy: ContactPolicy = { ...DEFAULT_CONTACT_POLICY, maxPerDay: 2, maxPerWeek: 3 };
    const history = [sh('2026-03-02T10:00:00'), sh('2026-03-03T10:00:00'), sh('2026-03-04T10:00:00')];
    const d = decideContact(attempt(sh('2026-03-06T10:00:00'), history), policy);
    expect(d.kind).toBe('defer');
    if (d.kind !== 'defer') return;
    expect(d.reason).toBe('weekly_cap');
    expect(d.notBefore).toBe(sh('2026-03-09T10:00:00') + 1);
  });
  it('never a group chat, never a third party', () => {
    expect(decideContact({ ...attempt(sh('2026-03-10T10:00:00')), chatType: 'group' })).toEqual({ kind: 'refuse', reason: 'group_chat' });
    expect(decideContact({ ...attempt(sh('2026-03-10T10:00:00')), recipient: 'third_party' })).toEqual({ kind: 'refuse', reason: 'third_party' });
  });
  it('a deferred moment moved by a cap lands inside the window', () => {
    const policy: ContactPolicy = { ...DEFAULT_CONTACT_POLICY, maxPerDay: 1, maxPerWeek: 7 };
    const d = decideContact(attempt(sh('2026-03-10T22:30:00'), [sh('2026-03-11T08:00:00')]), policy);
    expect(d).toEqual({ kind: 'defer', notBefore: sh('2026-03-12T08:00:00'), reason: 'outside_window' });
  });
});
