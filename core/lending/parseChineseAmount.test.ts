import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChineseAmount } from './parseChineseAmount.js';

const yuan = (text: string): number => {
  const r = parseChineseAmount(text);
  if (!r.ok) throw new Error(`${text}: ${r.error.code}`);
  return r.value / 100;
};
const code = (text: string): string => {
  const r = parseChineseAmount(text);
  return r.ok ? 'ok' : r.error.code;
};

describe('parseChineseAmount', () => {
  it('reads what borrowers type', () => {
    const cases: [string, number][] = [
      ['3万', 30_000], ['三万五', 35_000], ['2.5w', 25_000], ['2.5W', 25_000], ['5千', 5_000], ['5k', 5_000], ['5K', 5_000],
      ['30000', 30_000], ['3万元', 30_000], ['¥30,000', 30_000], ['￥30,000', 30_000], ['一万二', 12_000], ['两万', 20_000],
      ['十万', 100_000], ['1.2万', 12_000], ['壹万', 10_000], ['3万5', 35_000], ['3万5千', 35_000], ['1万2000', 12_000],
      ['两千五', 2_500], ['二十万', 200_000], ['十二万', 120_000], ['三十五万', 350_000], ['一百万', 1_000_000], ['5千万', 50_000_000],
      ['一万零五百', 10_500], ['一千零五', 1_005], ['3万零500', 30_500], ['二十五', 25], ['十五', 15], ['一百五', 150],
      ['12k', 12_000], ['8628.72', 8_628.72], ['3 万', 30_000], ['３万', 30_000], ['３０，０００', 30_000], ['3万块', 30_000],
      ['3万块钱', 30_000], ['人民币3万元', 30_000], ['壹万贰仟叁佰肆拾伍元整', 12_345], ['拾万元整', 100_000], ['1亿', 100_000_000],
      ['5万块钱', 50_000], ['五万元', 50_000], ['伍万', 50_000], ['5w', 50_000], ['50k', 50_000], ['五万块', 50_000],
    ];
    for (const [text, expected] of cases) expect(yuan(text), text).toBe(expected);
  });

  it('answers NOT_UNDERSTOOD for anything else', () => {
    const bad = [
      '', '   ', '😀', '💰3万', 'abc', '借钱', '我想借三万', '三万吧', '-3万', '负三万', '0', '零', '0元', '3万5千万', '3万万', '万',
      'k', '3万50', '一二', '3 5', '五百三千', '2.5万5', '1.234', '1.0000001万', '3,00', '几万', '三四万', '3-5万', '3万/5万', 'null',
    ];
    for (const text of bad) expect(code(text), text).toBe('NOT_UNDERSTOOD');
  });

  it('refuses amounts above 100,000,000 yuan as AMOUNT_OUT_OF_RANGE', () => {
    expect(code('2亿')).toBe('AMOUNT_OUT_OF_RANGE');
    expect(code('100000000.01')).toBe('AMOUNT_OUT_OF_RANGE');
  });

  it('gives the borrower a Chinese explanation', () => {
    const r = parseChineseAmount('随便');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.messageZh).toMatch(/3万/);
  });

  it('reads every whole number of yuan written in Arabic numerals, with or without 万', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000_000 }), (n) => {
        expect(yuan(String(n))).toBe(n);
        expect(yuan(`${n.toLocaleString('en-US')}元`)).toBe(n);
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 9999 }), (n) => yuan(`${n}万`) === n * 10_000), { numRuns: 2000 });
  });

  it('never throws and never returns a non-positive or fractional amount on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789.,万千百十一二两三五零亿wk元¥-半 abc') }), (text) => {
        const r = parseChineseAmount(text);
        if (r.ok) expect(Number.isSafeInteger(r.value) && r.value > 0).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
