import { describe, expect, it } from 'vitest';
import type { Reply } from '../../flows/index.js';
import { displayWidth, renderReplyAsText, speakerOf } from './renderReplyAsText.js';

const offer: Reply = {
  text: '恭喜，您的额度已批准：',
  card: {
    type: 'offer',
    productName: '常德快贷',
    limit: '50,000.00',
    apr: '6.68%',
    aprSimple: '6.60%',
    aprBasis: '按复利折算，随还款方式和期限而定',
    annualRate: '6.48%',
    dailyRate: '0.018%',
    validUntil: '2029-11-22',
    offerExpiresAt: '2026-11-29 18:00',
    methods: ['等额本息', '先息后本'],
    terms: [3, 6, 12],
  },
  options: [
    { label: '接受额度', value: '接受' },
    { label: '暂不需要', value: '拒绝' },
  ],
};

describe('renderReplyAsText', () => {
  it('renders options as numbered lines', () => {
    expect(renderReplyAsText({ text: '请问您需要什么服务？', options: [{ label: '申请贷款', value: 'apply' }, { label: '查询额度', value: 'limit' }] })).toBe(
      '请问您需要什么服务？\n\n1. 申请贷款\n2. 查询额度',
    );
    expect(renderReplyAsText({ text: '  你好  ' })).toBe('你好');
  });

  it('puts the annualised rate first in an offer', () => {
    const text = renderReplyAsText(offer);
    const lines = text.split('\n');
    expect(lines[0]).toBe('恭喜，您的额度已批准：');
    expect(lines[2]).toBe('年化利率 6.68%（单利年化 6.60%）');
    expect(text).toContain('【常德快贷】额度 50,000.00 元');
    expect(text).toContain('年利率 6.48%，日利率 0.018%');
    expect(text).toContain('期限：3/6/12 个月；还款方式：等额本息、先息后本');
    expect(lines[3]).toBe('按复利折算，随还款方式和期限而定');
    // Two dates, each saying what it is: the line's validity and the offer's deadline.
    expect(text).toContain('额度有效期：今日开通则至 2029-11-22');
    expect(text).toContain('确认期限：请在 2026-11-29 18:00 前确认开通，逾期本次额度失效');
    expect(text).not.toContain('请在此前确认');
    expect(text.indexOf('年化利率')).toBeLessThan(text.indexOf('额度 50,000.00'));
    expect(text.endsWith('1. 接受额度\n2. 暂不需要')).toBe(true);
  });

  it('previews a schedule in aligned rows and says how many instalments there are', () => {
    const rows = Array.from({ length: 3 }, (_, i) => ({ period: i + 1, dueDate: `2026-12-2${i}`, principal: '808.85', interest: i ? '9.10' : '54.00', total: i ? '817.95' : '862.85', remaining: '9,191.15' }));
    const text = renderReplyAsText({
      text: '还款计划如下：',
      card: { type: 'schedule', principal: '10,000.00', termMonths: 12, method: '等额本息', apr: '6.68%', aprSimple: '6.60%', annualRate: '6.48%', totalInterest: '354.20', totalRepayment: '10,354.20', rows, moreRows: 9 },
    });
    const lines = text.split('\n');
    expect(lines).toContain('还款计划：借款 10,000.00 元，12 期，等额本息');
    const table = lines.filter((l) => /^(期|\d)/.test(l));
    expect(table).toHaveLength(4);
    // Every row ends at the same column (right-aligned numbers).
    expect(new Set(table.map(displayWidth)).size).toBe(1);
    expect(table[1]).toMatch(/^1\s+2026-12-20\s+862\.85\s+808\.85\s+54\.00$/);
    expect(text).toContain('…共12期');
    expect(lines.at(-1)).toBe('利息合计 354.20 元，还款总额 10,354.20 元');
  });

  it('renders receipts, accounts, consents and links compactly', () => {
    expect(renderReplyAsText({ text: '放款成功', card: { type: 'receipt', kind: 'drawdown', reference: 'DD20261122001', amount: '10,000.00', at: '2026-11-22 10:00', lines: [{ label: '收款账户', value: '尾号 0123' }] } })).toBe(
      '放款成功\n\n【借款成功】\n金额 10,000.00 元\n时间 2026-11-22 10:00\n流水号 DD20261122001\n收款账户 尾号 0123',
    );
    const account = renderReplyAsText({
      text: '您的额度：',
      card: { type: 'account', limit: '50,000.00', available: '40,000.00', outstanding: '10,000.00', nextDue: { date: '2026-12-22', amount: '862.85' }, overdue: { amount: '100.00', days: 3 }, validUntil: '2029-11-22' },
    });
    expect(account).toContain('【我的额度】额度 50,000.00 元，可用 40,000.00 元');
    expect(account).toContain('下期还款 2026-12-22，应还 862.85 元');
    expect(account).toContain('已逾期 3 天，逾期金额 100.00 元');
    const consent = renderReplyAsText({
      text: '请阅读授权书：',
      card: { type: 'consent', title: '个人信息查询授权书', textVersion: 'v3', text: '本人同意……', sources: [{ id: 'credit_bureau', name: '人行征信', purpose: '贷前审查', required: true }, { id: 'housing_fund', name: '公积金', purpose: '评估收入', required: false }] },
    });
    expect(consent).toContain('【个人信息查询授权书】（版本 v3）');
    expect(consent).toContain('· 人行征信（必选）：贷前审查');
    expect(consent).toContain('· 公积金（可选）：评估收入');
    expect(renderReplyAsText({ text: '', card: { type: 'link', title: '立即申请', description: '扫码或点击链接', url: '/apply?ref=M001' } }, { baseUrl: 'https://bank.example.cn/kd/' })).toBe(
      '【立即申请】扫码或点击链接\nhttps://bank.example.cn/apply?ref=M001',
    );
  });

  it('withholds a sensitive reply in a group chat and labels cards in English on request', () => {
    expect(renderReplyAsText({ text: '您的身份证号 110105********123X', sensitive: true }, { group: true })).toBe('这条消息含有个人信息，请在私聊中查看。');
    expect(renderReplyAsText({ text: '您的身份证号 110105********123X', sensitive: true })).toContain('110105');
    expect(renderReplyAsText(offer, { locale: 'en' }).split('\n')[2]).toBe('APR 6.68% (simple 6.60%)');
  });

  it('lists a whole 12-month schedule by default, and previews a longer one', () => {
    const row = (i: number) => ({ period: i + 1, dueDate: `2027-${String((i % 12) + 1).padStart(2, '0')}-22`, principal: '808.85', interest: '9.10', total: '817.95', remaining: '9,191.15' });
    const card = (n: number) => ({ type: 'schedule' as const, principal: '10,000.00', termMonths: n, method: '等额本息', apr: '6.68%', aprSimple: '6.48%', annualRate: '6.48%', totalInterest: '354.20', totalRepayment: '10,354.20', rows: Array.from({ length: n }, (_, i) => row(i)), moreRows: 0 });
    const twelve = renderReplyAsText({ text: '', card: card(12) }).split('\n');
    expect(twelve.filter((l) => /^\d+\s/.test(l))).toHaveLength(12);
    expect(twelve.join('\n')).not.toContain('…共');
    const long = renderReplyAsText({ text: '', card: card(36) });
    expect(long).toContain('…共36期');
  });

  it("names a staff member's reply as theirs, in either language, unless the channel labels it itself", () => {
    const staff: Reply = { text: '您好，我来帮您。', sender: { kind: 'staff', name: '小王' } };
    expect(renderReplyAsText(staff)).toBe('客服 小王：您好，我来帮您。');
    expect(renderReplyAsText({ ...staff, text: 'Hello, how can I help?' }, { locale: 'en' })).toBe('Agent 小王: Hello, how can I help?');
    expect(renderReplyAsText({ text: '您好', sender: { kind: 'staff', name: '' } })).toBe('客服：您好');
    expect(renderReplyAsText(staff, { speaker: false })).toBe('您好，我来帮您。');
    expect(speakerOf(staff)).toBe('客服 小王');
    expect(speakerOf({})).toBe('快贷助手');
  });

  it('uses no Chinese punctuation around English cards', () => {
    const cards: Reply[] = [
      { text: 'Done', card: { type: 'receipt', kind: 'drawdown', reference: 'DD1', amount: '10,000.00', at: '2026-11-22 10:00', lines: [{ label: 'Card', value: '6222 **** 0001' }] } },
      { text: 'Your line', card: { type: 'account', limit: '50,000.00', available: '40,000.00', outstanding: '10,000.00', validUntil: '2029-11-22' } },
      { text: 'Offer', card: { ...(offer.card as Extract<Reply['card'], { type: 'offer' }>), productName: 'Changde Kuaidai', methods: ['Equal instalments'], aprBasis: 'compound' } },
      { text: 'Apply', card: { type: 'link', title: 'Apply online', description: 'Fully online', url: 'https://bank.example.cn/' } },
    ];
    for (const reply of cards) expect(renderReplyAsText(reply, { locale: 'en' })).not.toMatch(/[\u3000-\u303f\uff00-\uffef“”]/);
  });

  it('counts CJK characters as two columns', () => {
    expect(displayWidth('期数')).toBe(4);
    expect(displayWidth('862.85')).toBe(6);
  });
});
