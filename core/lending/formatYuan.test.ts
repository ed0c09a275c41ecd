import { describe, expect, it } from 'vitest';
import { formatYuan, formatYuanPlain } from './formatYuan.js';

describe('formatYuan', () => {
  it('groups thousands with 2 decimals by default', () => {
    expect(formatYuan(862_872)).toBe('8,628.72');
    expect(formatYuan(10_000_000)).toBe('100,000.00');
    expect(formatYuan(0)).toBe('0.00');
    expect(formatYuan(5)).toBe('0.05');
    expect(formatYuan(100)).toBe('1.00');
    expect(formatYuan(10_000_000_000)).toBe('100,000,000.00');
  });

  it('adds ¥ on request and keeps the sign in front', () => {
    expect(formatYuan(862_872, { symbol: true })).toBe('¥8,628.72');
    expect(formatYuan(-100, { symbol: true })).toBe('-¥1.00');
    expect(formatYuan(-123_456)).toBe('-1,234.56');
  });

  it('has a plain API form', () => {
    expect(formatYuanPlain(862_872)).toBe('8628.72');
    expect(formatYuanPlain(354_464)).toBe('3544.64');
    expect(formatYuan(123_456_789, { grouping: false, symbol: true })).toBe('¥1234567.89');
  });

  it('throws on a non-integer amount of fen (a bug)', () => {
    expect(() => formatYuan(1.5)).toThrow(RangeError);
    expect(() => formatYuan(Number.NaN)).toThrow(RangeError);
  });
});
