import { describe, expect, it } from 'vitest';
import type { Reply } from '../../flows/index.js';
import { markdownMessage, newsMessage, replyToRobotMessage, textMessage, truncateUtf8 } from './robotMessage.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('WeCom robot messages', () => {
  it('builds text with mentions, markdown and news in the webhook format', () => {
    expect(textMessage('今日利率 6.48% 起', { userIds: ['wangqing', '@all'], mobiles: ['13800001111'] })).toEqual({
      msgtype: 'text',
      text: { content: '今日利率 6.48% 起', mentioned_list: ['wangqing', '@all'], mentioned_mobile_list: ['13800001111'] },
    });
    expect(textMessage('hi')).toEqual({ msgtype: 'text', text: { content: 'hi' } });
    expect(markdownMessage('**快贷** <font color="info">上线</font>')).toEqual({ msgtype: 'markdown', markdown: { content: '**快贷** <font color="info">上线</font>' } });
    expect(newsMessage([{ title: '春季快贷', description: '3 分钟到账', url: 'https://b.cn/?ref=cmp_spring', picurl: 'https://b.cn/p.png' }])).toEqual({
      msgtype: 'news',
      news: { articles: [{ title: '春季快贷', description: '3 分钟到账', url: 'https://b.cn/?ref=cmp_spring', picurl: 'https://b.cn/p.png' }] },
    });
  });

  it("keeps within WeCom's byte limits and refuses impossible news", () => {
    const text = textMessage('借'.repeat(1_000));
    expect(text.msgtype === 'text' && bytes(text.text.content)).toBeLessThanOrEqual(2048);
    expect(text.msgtype === 'text' && text.text.content.endsWith('…')).toBe(true);
    const md = markdownMessage('x'.repeat(5_000));
    expect(md.msgtype === 'markdown' && bytes(md.markdown.content)).toBe(4096);
    const news = newsMessage([{ title: '标'.repeat(100), description: '述'.repeat(300), url: 'https://b.cn' }]);
    expect(news.msgtype === 'news' && bytes(news.news.articles[0]!.title)).toBeLessThanOrEqual(128);
    expect(news.msgtype === 'news' && bytes(news.news.articles[0]!.description!)).toBeLessThanOrEqual(512);
    expect(() => newsMessage([])).toThrow(RangeError);
    expect(() => newsMessage(Array.from({ length: 9 }, () => ({ title: 't', url: 'https://b.cn' })))).toThrow(/1 to 8/);
    expect(() => newsMessage([{ title: 't', url: 'javascript:alert(1)' }])).toThrow(/http/);
    expect(truncateUtf8('abc', 10)).toBe('abc');
    expect(truncateUtf8('你好世界', 7)).toBe('你…');
  });

  it('renders a neutral reply: a link card as news, text with numbered options, sensitive replies withheld', () => {
    const link: Reply = { text: '扫码或点击申请', card: { type: 'link', title: '春季快贷', description: '年化利率 6.68% 起', url: '/?ref=spring' } };
    expect(replyToRobotMessage(link, { baseUrl: 'https://loans.example-bank.cn' })).toEqual({
      msgtype: 'news',
      news: { articles: [{ title: '春季快贷', description: '扫码或点击申请\n年化利率 6.68% 起', url: 'https://loans.example-bank.cn/?ref=spring' }] },
    });
    expect(replyToRobotMessage(link, { baseUrl: 'https://b.cn', mentions: { userIds: ['@all'] } })).toMatchObject({ msgtype: 'text', text: { mentioned_list: ['@all'], content: expect.stringContaining('https://b.cn/?ref=spring') } });
    expect(replyToRobotMessage({ text: '请选择：', options: [{ label: '申请额度', value: 'apply' }] })).toEqual({ msgtype: 'text', text: { content: '请选择：\n\n1. 申请额度' } });
    expect(replyToRobotMessage({ text: '您的额度 50,000.00 元', sensitive: true })).toEqual({ msgtype: 'text', text: { content: '这条消息含有个人信息，请在私聊中查看。' } });
    expect(replyToRobotMessage({ ...link, sensitive: true }, { baseUrl: 'https://b.cn' }).msgtype).toBe('text');
  });
});
