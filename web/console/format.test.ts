import { describe, expect, it } from 'vitest';
import { fillVariables, stepWords, when } from './format.js';

describe('console words', () => {
  it('fills canned-reply variables from the context, leaving other braces as typed', () => {
    const vars = { name: '陈思远', nextDueDate: '2026-12-15', amountDue: '1,520.00' };
    expect(fillVariables('{name}您好，{nextDueDate} 应还 ¥{amountDue}', vars)).toBe('陈思远您好，2026-12-15 应还 ¥1,520.00');
    // A visitor has no name: the variable goes, the sentence stays.
    expect(fillVariables('{name}您好', { name: '', nextDueDate: '', amountDue: '' })).toBe('您好');
    expect(fillVariables('{{7*7}} {unknown} {constructor}', vars)).toBe('{{7*7}} {unknown} {constructor}');
  });

  it("names flow steps in words, keeping the machine's inner part as detail", () => {
    expect(stepWords('application.mobile')).toEqual({ label: '申请额度', detail: 'mobile' });
    expect(stepWords('menu')).toEqual({ label: '主菜单', detail: '' });
    expect(stepWords('somethingNew.x')).toEqual({ label: 'somethingNew', detail: 'x' });
    expect(stepWords(null)).toEqual({ label: '—', detail: '' });
  });
});

describe('when', () => {
  it('shows Beijing time whatever the machine\'s zone: the time alone today, else the date too', () => {
    const now = new Date('2026-12-05T09:00:00Z'); // 17:00 in Beijing
    expect(when('2026-12-05T08:48:00Z', now)).toBe('16:48');
    // 2026-12-05 17:30 UTC is already 12-06 01:30 in Beijing: another day there.
    expect(when('2026-12-05T17:30:00Z', now)).toMatch(/12.06.*01:30/);
    expect(when(null, now)).toBe('—');
  });
});
