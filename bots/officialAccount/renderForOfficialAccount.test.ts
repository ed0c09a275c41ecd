import { describe, expect, it } from 'vitest';
import type { Reply } from '../../flows/index.js';
import { customServiceMessage, passiveReplyOf, passiveReplyXml, renderForOfficialAccount, splitUtf8, TEXT_LIMIT_BYTES } from './renderForOfficialAccount.js';
import { parseWechatXml, xmlFields } from './wechatXml.js';

const link: Reply = { text: '点击下方链接继续申请。', card: { type: 'link', title: '快贷申请', description: '3 分钟到账', url: '/apply?ref=mgr_ZS001' } };
const menu: Reply = { text: '请选择：', options: [{ label: '申请额度', value: 'apply' }, { label: '还款', value: 'repay' }] };
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('replies on the official account', () => {
  it('renders options as numbered lines', () => {
    expect(renderForOfficialAccount(menu)).toEqual([{ type: 'text', content: '请选择：\n\n1. 申请额度\n2. 还款' }]);
  });

  it('renders a link card as a news article resolved against the public URL, keeping what the reply said', () => {
    expect(renderForOfficialAccount(link, { baseUrl: 'https://loans.example-bank.cn' })).toEqual([
      { type: 'news', article: { title: '快贷申请', description: '点击下方链接继续申请。\n3 分钟到账', url: 'https://loans.example-bank.cn/apply?ref=mgr_ZS001' } },
    ]);
    // No base URL for a path, or options next to the card: plain text with the link.
    expect(renderForOfficialAccount(link)[0]).toMatchObject({ type: 'text' });
    expect(renderForOfficialAccount({ ...link, options: menu.options }, { baseUrl: 'https://b.cn' })[0]).toMatchObject({ type: 'text', content: expect.stringContaining('https://b.cn/apply') });
  });

  it('shows sensitive replies: the official account is a private chat', () => {
    expect(renderForOfficialAccount({ text: '您的额度 50,000.00 元', sensitive: true })).toEqual([{ type: 'text', content: '您的额度 50,000.00 元' }]);
  });

  it('splits long text into messages of at most 2,048 bytes, at line breaks, never inside a character', () => {
    const long = Array.from({ length: 60 }, (_, i) => `第${i + 1}期 应还 8,628.72 元，其中利息 540.00 元`).join('\n');
    const pieces = renderForOfficialAccount({ text: long });
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.type === 'text' && bytes(p.content)).toBeLessThanOrEqual(TEXT_LIMIT_BYTES);
    expect(pieces.map((p) => (p.type === 'text' ? p.content : '')).join('\n')).toBe(long);
    const oneLine = '借'.repeat(1_000);
    expect(splitUtf8(oneLine, 2048).map((s) => s.length)).toEqual([682, 318]);
  });

  it('puts as many text replies as fit into the one passive reply; a news card stands alone', () => {
    expect(passiveReplyOf([{ text: '你好！' }, menu, link], { baseUrl: 'https://b.cn' })).toEqual({ message: { type: 'text', content: '你好！\n\n请选择：\n\n1. 申请额度\n2. 还款' }, count: 2 });
    expect(passiveReplyOf([{ text: '你好！' }, menu], { coalesce: false })).toEqual({ message: { type: 'text', content: '你好！' }, count: 1 });
    expect(passiveReplyOf([link, menu], { baseUrl: 'https://b.cn' })).toMatchObject({ message: { type: 'news' }, count: 1 });
    expect(passiveReplyOf([{ text: '好' }, { text: '借'.repeat(700) }])).toMatchObject({ count: 1 });
    expect(passiveReplyOf([{ text: '借'.repeat(700) }])).toBeUndefined();
    expect(passiveReplyOf([])).toBeUndefined();
  });

  it('writes passive replies as WeChat expects them', () => {
    const text = passiveReplyXml({ type: 'text', content: 'a]]>b <c>' }, { openid: 'oUser1', account: 'gh_abc', createTime: 1700000000.9 });
    const t = parseWechatXml(text);
    expect(t.ok && xmlFields(t.root)).toEqual({ ToUserName: 'oUser1', FromUserName: 'gh_abc', CreateTime: '1700000000', MsgType: 'text', Content: 'a]]>b <c>' });
    const news = passiveReplyXml({ type: 'news', article: { title: 'T', description: 'D', url: 'https://b.cn/x' } }, { openid: 'o', account: 'gh', createTime: 1 });
    expect(news).toContain('<MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount><Articles><item><Title><![CDATA[T]]></Title><Description><![CDATA[D]]></Description><Url><![CDATA[https://b.cn/x]]></Url></item></Articles>');
  });

  it('writes customer-service messages', () => {
    expect(customServiceMessage('oUser1', { type: 'text', content: 'hi' })).toEqual({ touser: 'oUser1', msgtype: 'text', text: { content: 'hi' } });
    expect(customServiceMessage('oUser1', { type: 'news', article: { title: 'T', description: 'D', url: 'https://b.cn', picUrl: 'https://b.cn/p.png' } })).toEqual({
      touser: 'oUser1',
      msgtype: 'news',
      news: { articles: [{ title: 'T', description: 'D', url: 'https://b.cn', picurl: 'https://b.cn/p.png' }] },
    });
  });
});
