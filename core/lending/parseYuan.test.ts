import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatYuan, formatYuanPlain } from './formatYuan.js';
import { parseYuan } from './parseYuan.js';

const value = (text: string, options = {}) => {
  const r = parseYuan(text, options);
  if (!r.ok) throw new Error(`${text}: ${r.error.code}`);
  return r.value;
};
const code = (text: string, options = {}) => {
  const r = parseYuan(text, options);
  return r.ok ? 'ok' : r.error.code;
};

describe('parseYuan', () => {
  it('reads the forms APIs and forms send', () => {
    expect(value('100000.00')).toBe(10_000_000);
    expect(value('¥8,628.72')).toBe(862_872);
    expect(value('￥8,628.72')).toBe(862_872);
    expect(value('8628.7')).toBe(862_870);
    expect(value('1,000')).toBe(100_000);
    expect(value(' 1,234,567.89 ')).toBe(123_456_789);
    expect(value('0')).toBe(0);
    expect(value('0.01')).toBe(1);
    expect(value('100元')).toBe(10_000);
    expect(value('100000000.00')).toBe(10_000_000_000);
  });

  it('rejects garbage with AMOUNT_INVALID', () => {
    for (const bad of ['', 'abc', '1.2.3', '1,00', '12,3456', ',100', '1.', '.5', '1e5', 'NaN', 'Infinity', '¥', '1 000', '0x10', '３万']) {
      expect(code(bad), bad).toBe('AMOUNT_INVALID');
    }
    expect(code(undefined as unknown as string)).toBe('AMOUNT_INVALID');
  });

  it('rejects negatives with AMOUNT_NEGATIVE', () => {
    expect(code('-1.00')).toBe('AMOUNT_NEGATIVE');
    expect(code('-¥1.00')).toBe('AMOUNT_NEGATIVE');
    expect(code('¥-1.00')).toBe('AMOUNT_NEGATIVE');
  });

  it('rejects more than 2 decimals unless allowed, then rounds with roundFen', () => {
    expect(code('1.005')).toBe('AMOUNT_TOO_MANY_DECIMALS');
    expect(value('1.005', { allowExtraDecimals: true })).toBe(101);
    expect(value('1.004', { allowExtraDecimals: true })).toBe(100);
    expect(value('1.005', { allowExtraDecimals: true, rounding: 'HALF_EVEN' })).toBe(100);
    expect(value('1.015', { allowExtraDecimals: true, rounding: 'HALF_EVEN' })).toBe(102);
  });

  it('rejects amounts too large to hold exactly', () => {
    expect(code('99999999999999999999')).toBe('AMOUNT_OUT_OF_RANGE');
  });

  it('round-trips with formatYuan for every amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), fc.boolean(), fc.boolean(), (fen, grouping, symbol) => {
        expect(value(formatYuan(fen, { grouping, symbol }))).toBe(fen);
        expect(value(formatYuanPlain(fen))).toBe(fen);
      }),
      { numRuns: 2000 },
    );
  });
});
