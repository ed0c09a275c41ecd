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
