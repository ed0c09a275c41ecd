import { describe, expect, it } from 'vitest';
import { addressingOf, containsPersonalNumber } from './addressing.js';

const names = ['快贷助手', '小快'];
const of = (text: string, mentioned = false) => addressingOf(text, { mentioned, names });

describe('addressingOf', () => {
  it('is addressed by an @-mention, with the mention taken out', () => {
    expect(of('利率多少？', true)).toEqual({ addressed: true, by: 'mention', text: '利率多少？' });
    expect(of('@快贷助手\u2005我要借款')).toEqual({ addressed: true, by: 'mention', text: '我要借款' });
    expect(of('请问 @快贷助手 利率多少')).toEqual({ addressed: true, by: 'mention', text: '请问 利率多少' });
    expect(of('@快贷助手')).toEqual({ addressed: true, by: 'mention', text: '' });
  });

  it('is addressed by a leading name, with or without punctuation', () => {
    expect(of('快贷助手，利率多少？')).toEqual({ addressed: true, by: 'name', text: '利率多少？' });
    expect(of('小快: 我要借款')).toEqual({ addressed: true, by: 'name', text: '我要借款' });
    expect(of('快贷助手我要还款')).toEqual({ addressed: true, by: 'name', text: '我要还款' });
  });

  it('is addressed by a quote of its own message, and passes on only the reply', () => {
    const quote = (who: string) => `「${who}：最快 3 分钟到账，点击链接申请」\n- - - - - - - - - - - - - - -\n怎么申请？`;
    expect(of(quote('快贷助手'))).toEqual({ addressed: true, by: 'quote', text: '怎么申请？' });
    expect(of(quote('张三'))).toEqual({ addressed: false, text: '怎么申请？' });
  });

  it('treats a posted ID or mobile number as addressed, so the person is warned', () => {
    expect(of('我的身份证是430702198605120230')).toMatchObject({ addressed: true, by: 'personal_number' });
    expect(of('电话 138 0736 0001')).toMatchObject({ addressed: true, by: 'personal_number' });
    // A bare opt-out answers a campaign message: addressed without a mention; chatter holding the word is not.
    for (const text of ['退订', 'TD', 'td。', '不要再发了', '别再发']) expect(of(text)).toMatchObject({ addressed: true, by: 'opt_out' });
    expect(of('我把会员退订了')).toMatchObject({ addressed: false });
  });

  it('leaves other chatter alone, including a name in the middle or another person mentioned', () => {
    expect(of('今天天气不错')).toEqual({ addressed: false, text: '今天天气不错' });
    expect(of('我觉得快贷助手挺好用')).toEqual({ addressed: false, text: '我觉得快贷助手挺好用' });
    expect(of('@张三 晚上吃什么')).toEqual({ addressed: false, text: '@张三 晚上吃什么' });
    expect(of('我要借款')).toEqual({ addressed: false, text: '我要借款' });
  });
});

describe('containsPersonalNumber', () => {
  it('finds ID, mobile and card numbers, full-width digits included', () => {
    for (const s of ['430702198605120230', '43070219860512023X', '430702860512023', '13807360001', '+86 138-0736-0001', '１３８０７３６０００１', '6222 0212 3456 7890 123']) {
      expect(containsPersonalNumber(`号码${s}谢谢`), s).toBe(true);
    }
  });

  it('leaves amounts, dates, rates and codes alone', () => {
    for (const s of ['¥179,000.00', '2026-12-22 10:00', '6.48%', '流水号 DD20261122001', '95588', '验证码 123456', 'https://loans.example-bank.cn/?ref=M001']) {
      expect(containsPersonalNumber(s), s).toBe(false);
    }
  });
});
