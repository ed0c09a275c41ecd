import { describe, expect, it } from 'vitest';
import { renderForWechat } from './renderForWechat.js';

const base = 'https://loans.example-bank.cn';

describe('renderForWechat', () => {
  it('numbers the options of a private reply and keeps its data', () => {
    expect(renderForWechat({ text: '请选择借款期限：', options: [{ label: '3期', value: '3' }, { label: '12期', value: '12' }] }, { group: false, baseUrl: base })).toEqual({ text: '请选择借款期限：\n\n1. 3期\n2. 12期' });
    expect(renderForWechat({ text: '身份证号：430702********0230', sensitive: true }, { group: false, baseUrl: base }).text).toBe('身份证号：430702********0230');
  });

  it('renders a link card as its title and the URL on a line of its own, resolved against the base', () => {
    const { text } = renderForWechat({ text: '请私聊我，或点击下方链接办理。', card: { type: 'link', title: '快贷助手 · 在线办理', description: '纯线上申请', url: '/?ref=M001' } }, { group: true, baseUrl: base });
    expect(text).toBe(`请私聊我，或点击下方链接办理。\n\n【快贷助手 · 在线办理】纯线上申请\n${base}/?ref=M001`);
  });

  it('replaces a sensitive reply, or one with a personal number, by a notice in a group', () => {
    const sensitive = renderForWechat({ text: '您的可用额度 ¥179,000.00', sensitive: true }, { group: true, baseUrl: `${base}/` });
    expect(sensitive).toEqual({ text: `这条消息含有个人信息，不在群里发送。请私聊我，或点击链接在网页上查看：\n${base}/`, withheld: 'sensitive' });
    const numbered = renderForWechat({ text: '已登记', card: { type: 'receipt', kind: 'repayment', reference: 'R1', amount: '1.00', at: '2026-11-22', lines: [{ label: '手机', value: '13807360001' }] } }, { group: true, baseUrl: base });
    expect(numbered.withheld).toBe('personal_number');
    expect(numbered.text).not.toContain('13807360001');
    expect(renderForWechat({ text: 'Your limit', sensitive: true }, { group: true, baseUrl: base, locale: 'en' }).text).toMatch(/^This message contains personal information/);
  });
});
