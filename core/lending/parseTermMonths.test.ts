import { describe, expect, it } from 'vitest';
import { parseTermMonths } from './parseTermMonths.js';

const months = (text: string): number | string => {
  const r = parseTermMonths(text);
  return r.ok ? r.value : r.error.code;
};

describe('parseTermMonths', () => {
  it('reads months, periods and years', () => {
    const cases: [string, number][] = [
      ['12', 12], ['12期', 12], ['十二期', 12], ['12个月', 12], ['12月', 12], ['1年', 12], ['一年', 12], ['半年', 6], ['两年', 24],
      ['3年', 36], ['三年', 36], ['一年半', 18], ['1.5年', 18], ['24期', 24], ['二十四个月', 24], ['三十六期', 36], ['6个月', 6],
      ['30年', 360], ['360', 360], ['1', 1], [' 12 期 ', 12], ['１２期', 12],
    ];
    for (const [text, expected] of cases) expect(months(text), text).toBe(expected);
  });

  it('answers NOT_UNDERSTOOD for anything else', () => {
    for (const text of ['', 'abc', '很久', '12天', '1.3年', '12.5期', '-12', '一二期', '年', '期', '半', '😀', '两三年']) {
      expect(months(text), text).toBe('NOT_UNDERSTOOD');
    }
  });

  it('answers TERM_OUT_OF_RANGE for readable terms outside 1–360 months', () => {
    expect(months('0')).toBe('TERM_OUT_OF_RANGE');
    expect(months('0期')).toBe('TERM_OUT_OF_RANGE');
    expect(months('1000')).toBe('TERM_OUT_OF_RANGE');
    expect(months('1000期')).toBe('TERM_OUT_OF_RANGE');
    expect(months('31年')).toBe('TERM_OUT_OF_RANGE');
  });
});
