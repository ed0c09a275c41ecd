import { describe, expect, it } from 'vitest';
import { inboundFromWechat, parseScene } from './inboundFromWechat.js';

const head = { ToUserName: 'gh_abc', FromUserName: 'oUser_1-x', CreateTime: '1700000000' };
const event = (Event: string, EventKey = '') => inboundFromWechat({ ...head, MsgType: 'event', Event, EventKey });

describe('official-account callbacks as inbound messages', () => {
  it('turns a text message into text, deduplicated by MsgId', () => {
    expect(inboundFromWechat({ ...head, MsgType: 'text', Content: '我要借款', MsgId: '6054768590064713728' })).toEqual({
      kind: 'inbound',
      openid: 'oUser_1-x',
      account: 'gh_abc',
      inbound: { channel: 'official_account', userId: 'oUser_1-x', messageId: 'msg:6054768590064713728', text: '我要借款' },
    });
  });

  it.each([
    ['image', 'image'],
    ['voice', 'voice'],
    ['video', 'video'],
    ['shortvideo', 'video'],
    ['location', 'location'],
    ['link', 'link'],
    ['file', 'file'],
    ['miniprogrampage', 'other'],
  ])('turns a %s message into the %s placeholder', (msgType, media) => {
    const r = inboundFromWechat({ ...head, MsgType: msgType, MsgId: '42' });
    expect(r).toMatchObject({ kind: 'inbound', inbound: { messageId: 'msg:42', media } });
    expect(r.kind === 'inbound' && r.inbound.text).toBeUndefined();
  });

  it('uses speech recognition of a voice message as text when the account has it', () => {
    expect(inboundFromWechat({ ...head, MsgType: 'voice', MsgId: '43', Recognition: '还款' })).toMatchObject({ inbound: { text: '还款' } });
  });

  it('greets on subscribe and carries the QR scene of a manager or a campaign as the referral', () => {
    expect(event('subscribe')).toMatchObject({ kind: 'inbound', inbound: { text: '你好', messageId: 'evt:oUser_1-x:1700000000:subscribe:' } });
    expect(event('subscribe').kind === 'inbound' && 'scene' in event('subscribe')).toBe(false);
    const viaManager = event('subscribe', 'qrscene_mgr_ZS001');
    expect(viaManager).toMatchObject({ kind: 'inbound', inbound: { text: '你好', referral: 'mgr_ZS001' }, scene: { kind: 'manager', code: 'ZS001', scene: 'mgr_ZS001' } });
    expect(event('SCAN', 'cmp_spring2025')).toMatchObject({ kind: 'inbound', inbound: { referral: 'cmp_spring2025' }, scene: { kind: 'campaign', code: 'spring2025' } });
    expect(event('SCAN', 'br_0101')).toMatchObject({ inbound: { referral: 'br_0101' }, scene: { kind: 'branch', code: '0101' } });
    expect(event('SCAN', 'prd_changde-kuaidai-personal-demo')).toMatchObject({ inbound: { referral: 'prd_changde-kuaidai-personal-demo' }, scene: { kind: 'product', code: 'changde-kuaidai-personal-demo' } });
    expect(event('SCAN', '123')).toMatchObject({ inbound: { referral: '123' }, scene: { kind: 'other', code: '123' } });
  });

  it('maps menu clicks to words the flows understand and passes unknown keys through', () => {
    expect(event('CLICK', 'APPLY')).toMatchObject({ inbound: { text: '申请' } });
    expect(event('CLICK', 'repay')).toMatchObject({ inbound: { text: '还款' } });
    expect(event('CLICK', '常见问题')).toMatchObject({ inbound: { text: '常见问题' } });
    expect(inboundFromWechat({ ...head, MsgType: 'event', Event: 'CLICK', EventKey: 'V1001_LOAN' }, { menuTexts: { V1001_LOAN: '贷款' } })).toMatchObject({ inbound: { text: '贷款' } });
    expect(event('CLICK')).toMatchObject({ kind: 'ignored' });
    // Two clicks in the same second are two messages.
    const a = event('CLICK', 'APPLY');
    const b = event('CLICK', 'REPAY');
    expect(a.kind === 'inbound' && b.kind === 'inbound' && a.inbound.messageId !== b.inbound.messageId).toBe(true);
  });

  it('needs no answer for unsubscribe, link menus and reports', () => {
    expect(event('unsubscribe')).toMatchObject({ kind: 'ignored', reason: 'unsubscribed' });
    expect(event('VIEW', 'https://bank.example/loan')).toMatchObject({ kind: 'ignored' });
    expect(event('LOCATION')).toMatchObject({ kind: 'ignored' });
    expect(event('TEMPLATESENDJOBFINISH')).toMatchObject({ kind: 'ignored' });
  });

  it('refuses messages without the fields every callback has', () => {
    expect(inboundFromWechat({ MsgType: 'text', Content: 'x', MsgId: '1' })).toMatchObject({ kind: 'invalid' });
    expect(inboundFromWechat({ ...head, FromUserName: 'o user', MsgType: 'text', MsgId: '1' })).toMatchObject({ kind: 'invalid' });
    expect(inboundFromWechat({ ...head, MsgType: 'text', Content: 'x' })).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/MsgId/) });
    expect(inboundFromWechat({ ...head, CreateTime: 'now', MsgType: 'text', MsgId: '1' })).toMatchObject({ kind: 'invalid' });
  });

  it('parses scene values', () => {
    expect(parseScene('mgr_A1')).toEqual({ kind: 'manager', code: 'A1', scene: 'mgr_A1' });
    expect(parseScene('cmp_x_y')).toEqual({ kind: 'campaign', code: 'x_y', scene: 'cmp_x_y' });
    expect(parseScene('br_0101')).toEqual({ kind: 'branch', code: '0101', scene: 'br_0101' });
    expect(parseScene('prd_p1')).toEqual({ kind: 'product', code: 'p1', scene: 'prd_p1' });
    expect(parseScene('mgr_')).toEqual({ kind: 'other', code: 'mgr_', scene: 'mgr_' });
    expect(parseScene('')).toBeUndefined();
    expect(parseScene('x'.repeat(65))).toBeUndefined();
  });
});
