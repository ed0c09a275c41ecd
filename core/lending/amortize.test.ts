import { describe, expect, it } from 'vitest';
import { amortize, annuityPayment, isMonthlyMethod, type AmortizeInput } from './amortize.js';

const base: AmortizeInput = {
  principal: 10_000_000,
  annualRate: 0.0648,
  method: 'equal_installment',
  dueDates: ['2024-02-15', '2024-03-15', '2024-04-15'],
  accrualStart: '2024-01-15',
  firstPeriodByDays: false,
  dayCount: 'ACT/360',
  rounding: 'HALF_UP',
  firstPeriodNumber: 1,
};

describe('amortize', () => {
  it('computes the annuity payment P·r / (1 − (1+r)^−n)', () => {
    expect(annuityPayment(10_000_000, 0.0054, 12)).toBeCloseTo(862_872.109, 3);
  });

  it('charges a broken first period by days after an early repayment', () => {
    const plan = amortize({ ...base, accrualStart: '2024-02-05', firstPeriodByDays: true, dueDates: ['2024-02-15', '2024-03-15'] });
    expect(plan.installments[0]?.interest).toBe(18_000); // 10 days × ¥18.00
    expect(plan.installments[1]?.interest).toBe(Math.round((plan.installments[0]?.remainingPrincipal ?? 0) * 0.0054));
  });

  it('keeps a given level amount (shorten_term) and lets the last instalment absorb the rest', () => {
    const plan = amortize({ ...base, principal: 1_500_000, levelAmount: 862_872, dueDates: ['2024-02-15', '2024-03-15'] });
    expect(plan.installments[0]?.total).toBe(862_872);
    expect(plan.installments[1]?.remainingPrincipal).toBe(0);
    expect(plan.installments[1]?.total).toBeLessThan(862_872);
    expect(plan.levelAmount).toBe(862_872);
  });

  it('clamps a tiny loan whose rounded level payment repays it early (principal never negative)', () => {
    const plan = amortize({ ...base, principal: 7, method: 'equal_principal', dueDates: Array.from({ length: 12 }, (_, k) => `2024-${String(k + 1).padStart(2, '0')}-28`) });
    expect(plan.levelAmount).toBe(1); // 7/12 = 0.58 → 1
    expect(plan.installments.map((i) => i.principal)).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('numbers periods from the first given and throws without due dates (a bug)', () => {
    expect(amortize({ ...base, firstPeriodNumber: 4 }).installments.map((i) => i.period)).toEqual([4, 5, 6]);
    expect(() => amortize({ ...base, dueDates: [] })).toThrow(RangeError);
    expect(isMonthlyMethod('bullet')).toBe(false);
  });
});
