import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS } from '../../core/index.js';
import { readAnswer } from './applicationFields.js';

const product = DEMO_PRODUCTS[0]!;
const ctx = { locale: 'zh' as const, at: Date.UTC(2026, 10, 22, 2), products: DEMO_PRODUCTS, product };

describe('readAnswer: the wished amount', () => {
  it('reads Chinese amounts within the product range', () => {
    expect(readAnswer('amount', '5万', ctx)).toEqual({ ok: true, patch: { amount: 5_000_000 } });
  });

  it('names the range for an amount outside it, also one too large to read at all (100亿)', () => {
    const range = readAnswer('amount', '1000万', ctx);
    expect(range).toMatchObject({ ok: false, hint: expect.stringContaining('申请金额需在') });
    expect(readAnswer('amount', '100亿', ctx)).toEqual(range);
  });

  it('asks for an amount it can read when the text is none', () => {
    for (const text of ['很多', '-5', 'abc']) expect(readAnswer('amount', text, ctx)).toMatchObject({ ok: false, hint: expect.stringContaining('没看懂这个金额') });
  });
});

describe('readAnswer: ID number and mobile however typed', () => {
  it('stores the 18 characters of an ID typed with separators, full-width or inside a sentence', () => {
    for (const text of ['430702198104134861', '430702-19810413-4861', '430702 1981 0413 4861', '４３０７０２１９８１０４１３４８６１', '我的身份证号是 430702.19810413.4861']) {
      expect(readAnswer('idNumber', text, ctx), text).toEqual({ ok: true, patch: { idNumber: '430702198104134861' } });
    }
    expect(readAnswer('idNumber', '430702 19810413 102x', ctx)).toEqual({ ok: true, patch: { idNumber: '43070219810413102X' } });
    expect(readAnswer('idNumber', '430702-19810413-4862', ctx)).toMatchObject({ ok: false, hint: expect.stringContaining('校验位') });
  });

  it('stores the 11 digits of a mobile typed with +86/0086, separators or full-width', () => {
    for (const text of ['13234608845', '132 3460 8845', '+8613234608845', '0086 132-3460-8845', '86 132 3460 8845', '１３２３４６０８８４５', '＋８６ １３２－３４６０－８８４５', '我的手机 132 3460 8845']) {
      expect(readAnswer('mobile', text, ctx), text).toEqual({ ok: true, patch: { mobile: '13234608845', mobileVerified: false } });
    }
    for (const text of ['132 3460 884', '12834608845', '13234608845 或 13807360001', '0731-88888888']) {
      expect(readAnswer('mobile', text, ctx), text).toMatchObject({ ok: false });
    }
  });
});
