import { describe, expect, it } from 'vitest';
import { formatCount, formatFen, formatShare } from './format.js';

describe('figures in 万 and 亿', () => {
  it('counts: grouped below 10,000, then 万 and 亿 with at most two decimals; English in K, M, B', () => {
    expect(formatCount(0, 'zh')).toBe('0');
    expect(formatCount(9_999, 'zh')).toBe('9,999');
    expect(formatCount(10_000, 'zh')).toBe('1万');
    expect(formatCount(12_345, 'zh')).toBe('1.23万');
    expect(formatCount(15_600, 'zh')).toBe('1.56万');
    expect(formatCount(99_999_999, 'zh')).toBe('1亿');
    expect(formatCount(999_999, 'en')).toBe('1M');
    expect(formatCount(130_000_000, 'zh')).toBe('1.3亿');
    expect(formatCount(-25_000, 'zh')).toBe('-2.5万');
    expect(formatCount(12_345, 'en')).toBe('12.35K');
    expect(formatCount(130_000_000, 'en')).toBe('130M');
    expect(formatCount(3_000_000_000, 'en')).toBe('3B');
    expect(formatCount(9_999, 'en')).toBe('9,999');
  });

  it('money in fen as 元, 万元, 亿元 (¥ in English)', () => {
    expect(formatFen(123_456, 'zh')).toBe('1,234.56元');
    expect(formatFen(3_000_000, 'zh')).toBe('3万元');
    expect(formatFen(12_345_600, 'zh')).toBe('12.35万元');
    expect(formatFen(13_000_000_000, 'zh')).toBe('1.3亿元');
    expect(formatFen(30_000_000_000, 'zh')).toBe('3亿元');
    expect(formatFen(123_456, 'en')).toBe('¥1,234.56');
    expect(formatFen(13_000_000_000, 'en')).toBe('¥130M');
  });

  it('shares as percentages', () => {
    expect(formatShare(0.433333)).toBe('43.33%');
    expect(formatShare(0)).toBe('0%');
    expect(formatShare(1)).toBe('100%');
  });
});
