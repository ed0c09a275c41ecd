import { describe, expect, it } from 'vitest';
import { daysInYear, interestForDays } from './dayCount.js';

describe('interestForDays', () => {
  it('accrues ¥18.00 a day on ¥100,000 at 6.48% ACT/360', () => {
    expect(interestForDays(10_000_000, 0.0648, 1)).toBe(1_800);
    expect(interestForDays(10_000_000, 0.0648, 30)).toBe(54_000);
    expect(interestForDays(10_000_000, 0.0648, 365, 'ACT/360')).toBe(657_000);
  });

  it('uses a 365-day year when configured', () => {
    expect(daysInYear('ACT/365')).toBe(365);
    expect(interestForDays(10_000_000, 0.0648, 365, 'ACT/365')).toBe(648_000);
    expect(interestForDays(10_000_000, 0.0648, 1, 'ACT/365')).toBe(1_775); // 1775.34
  });

  it('rounds once, half up by default, and is zero for no days or no principal', () => {
    expect(interestForDays(25, 0.36, 20)).toBe(1); // 0.5 fen
    expect(interestForDays(25, 0.36, 20, 'ACT/360', 'HALF_EVEN')).toBe(0);
    expect(interestForDays(10_000_000, 0.0648, 0)).toBe(0);
    expect(interestForDays(0, 0.0648, 30)).toBe(0);
  });
});
