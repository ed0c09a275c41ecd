import { describe, expect, it } from 'vitest';
import { DEFAULT_FAQ } from '../faq/faqTable.js';
import { understandMenuText } from '../session/understandMenuText.js';
import { recognizeIntent } from './recognizeIntent.js';
import { workOrderNumberIn } from './workOrderNumber.js';

describe('complaints and work orders in the borrower\'s words', () => {
  it('recognises a complaint, before a request for a person', () => {
    for (const said of ['投诉', '我要投诉', '我要投诉客服', '举报', '太不满意了', '非常不满意！', '给你们差评', 'I want to complain', 'complaint']) expect(recognizeIntent(said), said).toBe('complaint');
    expect(recognizeIntent('转人工')).toBe('human');
  });

  it('recognises a question about work orders, before a complaint and the application\'s status', () => {
    for (const said of ['我的工单', '投诉进度', '我的投诉处理得怎么样', '工单 GD20261205-0007', 'GD20261205-0007', 'my work order']) expect(recognizeIntent(said), said).toBe('workOrder');
    expect(recognizeIntent('进度')).toBe('status');
  });

  it('reads the number however it is typed, and takes the question private in a group', () => {
    expect(workOrderNumberIn('工单ＧＤ20261205－0007进度')).toBe('GD20261205-0007');
    expect(workOrderNumberIn('gd20261205 7')).toBeUndefined();
    expect(understandMenuText('工单 gd202612050007', { locale: 'zh', chatType: 'private', faq: DEFAULT_FAQ })).toEqual({ kind: 'work_order', number: 'GD20261205-0007' });
    expect(understandMenuText('我的工单', { locale: 'zh', chatType: 'private', faq: DEFAULT_FAQ })).toEqual({ kind: 'work_order' });
    expect(understandMenuText('我要投诉', { locale: 'zh', chatType: 'group', faq: DEFAULT_FAQ })).toEqual({ kind: 'go_private' });
  });
});
