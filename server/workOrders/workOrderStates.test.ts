import { describe, expect, it } from 'vitest';
import { parseWorkOrderNumber, formatWorkOrderNumber, numberDay } from './workOrderNumber.js';
import { checkTransition, refusalText, WORK_ORDER_STATES } from './workOrderStates.js';

describe('work-order states', () => {
  it('allows the forward path, reopening, and nothing out of closed', () => {
    const allowed = WORK_ORDER_STATES.flatMap((from) => WORK_ORDER_STATES.filter((to) => checkTransition(from, to, { resolution: 'done', assigned: true }).ok).map((to) => `${from}→${to}`));
    expect(allowed).toEqual(['open→in_progress', 'open→resolved', 'assigned→in_progress', 'assigned→resolved', 'in_progress→resolved', 'resolved→in_progress', 'resolved→closed']);
    expect(checkTransition('resolved', 'in_progress', { assigned: true })).toEqual({ ok: true, reopen: true });
  });

  it('needs a resolution in words to resolve, and an assignee to start', () => {
    expect(checkTransition('in_progress', 'resolved', { resolution: ' ', assigned: true })).toEqual({ ok: false, reason: 'resolution_required' });
    expect(checkTransition('open', 'in_progress', { assigned: false })).toEqual({ ok: false, reason: 'unassigned' });
  });

  it('says why in both languages', () => {
    const refused = checkTransition('closed', 'in_progress', { assigned: true });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refusalText('closed', 'in_progress', refused)).toEqual({ zh: '工单状态 已关闭 不能变为 处理中（已关闭）', en: 'a work order cannot go from closed to in_progress (it is closed)' });
  });
});

describe('work-order numbers', () => {
  it('count by the Shanghai date and read back however they are typed', () => {
    expect(numberDay(Date.parse('2026-12-04T16:00:00Z'))).toBe('20261205'); // midnight in Shanghai
    expect(formatWorkOrderNumber('20261205', 7)).toBe('GD20261205-0007');
    expect(formatWorkOrderNumber('20261205', 12_345)).toBe('GD20261205-12345');
    for (const typed of ['工单 GD20261205-0007', 'gd20261205 0007 进度', 'GD202612050007', 'GD20261205－0007']) expect(parseWorkOrderNumber(typed)).toBe('GD20261205-0007');
    expect(parseWorkOrderNumber('我的工单')).toBeNull();
  });
});
