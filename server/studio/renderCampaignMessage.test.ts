import { describe, expect, it } from 'vitest';
import { campaignReply, campaignRobotMessage, campaignTemplateMessage, renderCampaignMessage } from './renderCampaignMessage.js';

const base = { publicBaseUrl: 'https://loans.example.cn/', bankName: '示范银行', token: 'tok123' };
const content = { text: '春耕贷款，利率优惠。', card: { title: '春耕贷', description: '最高20万' }, withQr: true };

describe('renderCampaignMessage', () => {
  it('names the bank first, ends with how to unsubscribe, and links the card to the tracked link and its QR', () => {
    const m = renderCampaignMessage({ ...base, content, channel: 'web' });
    expect(m.text.startsWith('【示范银行】春耕贷款')).toBe(true);
    expect(m.text.endsWith('回复"退订"不再接收')).toBe(true);
    expect(m.card).toEqual({ title: '春耕贷', description: '最高20万', url: 'https://loans.example.cn/r/tok123', qrPngUrl: 'https://loans.example.cn/r/tok123/qr.png' });
    expect(campaignReply(m)).toMatchObject({ card: { type: 'link', url: 'https://loans.example.cn/r/tok123' } });
  });

  it('puts the link into the text on text channels, above the unsubscribe line', () => {
    const m = renderCampaignMessage({ ...base, content: { text: '你好', withQr: false }, channel: 'wechaty_room' });
    expect(m.text.split('\n')).toEqual(['【示范银行】你好', '了解详情：https://loans.example.cn/r/tok123', '回复"退订"不再接收']);
    const en = renderCampaignMessage({ ...base, content, channel: 'official_account', locale: 'en' });
    expect(en.text.split('\n')).toEqual(['[示范银行]春耕贷款，利率优惠。', '春耕贷：https://loans.example.cn/r/tok123', 'Reply TD to unsubscribe']);
  });

  it('a robot posts news whose description keeps the bank and the unsubscribe line; a template opens the tracked link', () => {
    const m = renderCampaignMessage({ ...base, content, channel: 'wecom_robot' });
    const robot = campaignRobotMessage(m);
    expect(robot.msgtype).toBe('news');
    if (robot.msgtype !== 'news') throw new Error('news expected');
    expect(robot.news.articles[0]).toMatchObject({ title: '春耕贷', url: 'https://loans.example.cn/r/tok123', picurl: 'https://loans.example.cn/r/tok123/qr.png' });
    expect(robot.news.articles[0]!.description).toContain('退订');
    const oa = campaignTemplateMessage('openid1', 'TEMPLATE_ID_123', renderCampaignMessage({ ...base, content, channel: 'official_account' }), '示范银行');
    expect(oa).toMatchObject({ touser: 'openid1', template_id: 'TEMPLATE_ID_123', url: 'https://loans.example.cn/r/tok123' });
    expect(JSON.stringify(oa)).toContain('退订');
  });
});
