import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMonthlyMethod } from './amortize.js';
import { buildSchedule, type Schedule, type ScheduleInput } from './buildSchedule.js';
import { aprFromCashflows, aprFromSchedule, scheduleCashflows, validateFees, type Fee } from './computeApr.js';
import { loanArb } from './testArbitraries.js';

const schedule = (input: Partial<ScheduleInput> = {}): Schedule => {
  const r = buildSchedule({ principal: 10_000_000, annualRate: 0.0648, termMonths: 12, method: 'equal_installment', startDate: '2024-01-15', ...input });
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
};

describe('APR (PBoC announcement 2021 No. 3): reference figures', () => {
  it('¥100,000 with a ¥1,000 upfront fee and 12 × ¥8,833.30 → 12.80% simple, 13.58% compound', () => {
    const r = aprFromCashflows([-(10_000_000 - 100_000), ...new Array<number>(12).fill(883_330)]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ simple: 0.128, compound: 0.1358, simpleText: '12.80%', compoundText: '13.58%' });
    expect(r.value.periodRate).toBeCloseTo(0.0106698, 6);
  });

  it('fee-free ¥100,000 at 6.48% in 12 equal instalments → 6.48% simple, 6.68% compound', () => {
    const r = aprFromSchedule(schedule());
    expect(r.ok && r.value).toMatchObject({ simple: 0.0648, compound: 0.0668, simpleText: '6.48%', compoundText: '6.68%' });
  });

  // Figures cross-checked with an independent bisection IRR (Python): 8.3683% / 8.6968%, 7.5645% / 7.8324%.
  it('fees raise the APR: the 6.48% loan with a ¥1,000 upfront fee, or ¥50 a month', () => {
    expect(aprFromSchedule(schedule(), [{ amount: 100_000, when: 'upfront' }])).toMatchObject({ ok: true, value: { simpleText: '8.37%', compoundText: '8.70%' } });
    expect(aprFromSchedule(schedule(), [{ amount: 5_000, when: 'per_period' }])).toMatchObject({ ok: true, value: { simpleText: '7.56%', compoundText: '7.83%' } });
  });

  it('places a bullet repayment at maturity month', () => {
    const s = schedule({ method: 'bullet' });
    const flows = scheduleCashflows(s, [{ amount: 100, when: 'per_period' }]);
    expect(flows).toHaveLength(13);
    expect(flows[0]).toBe(-10_000_000);
    expect(flows.slice(1, 12).every((f) => f === 0)).toBe(true);
    expect(flows[12]).toBe(10_658_900);
    // One payment, one period: 366 days at 6.48% on ACT/360 cost 6.588%, i.e. 0.018% a day, which is
    // 6.57% over a 365-day year, simple or compound alike — never below the contract rate.
    expect(aprFromSchedule(s)).toMatchObject({ ok: true, value: { simpleText: '6.57%', compoundText: '6.57%' } });
  });

  it('annualises a one-payment loan over its actual days', () => {
    const year = schedule({ method: 'daily_revolving', startDate: '2025-01-15' }); // 365 days
    expect(aprFromSchedule(year)).toMatchObject({ ok: true, value: { simpleText: '6.57%', compoundText: '6.57%' } });
    const quarter = schedule({ method: 'bullet', termMonths: 3, startDate: '2025-01-15' }); // 90 days: 1.62% for the quarter
    expect(aprFromSchedule(quarter)).toMatchObject({ ok: true, value: { simpleText: '6.57%', compoundText: '6.73%' } });
    // A ¥1,000 upfront fee on ¥100,000 for a year: 6,570 + 1,000 on 99,000 received.
    expect(aprFromSchedule(year, [{ amount: 100_000, when: 'upfront' }])).toMatchObject({ ok: true, value: { simpleText: '7.65%', compoundText: '7.65%' } });
  });

  it('solves a negative rate when less comes back than was lent', () => {
    const r = aprFromCashflows([-10_000, 9_000]);
    expect(r.ok && r.value.periodRate).toBeCloseTo(-0.1, 12);
  });
});

describe('APR: bad input', () => {
  it.each([
    [[]],
    [[-100]],
    [[100, 100]],
    [[0, 100]],
    [[-100, -5, 200]],
    [[-100, 0, 0]],
    [[-100, 50.5]],
    [[-100, Number.NaN]],
  ])('%j → CASHFLOWS_INVALID', (flows) => {
    const r = aprFromCashflows(flows as number[]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('CASHFLOWS_INVALID');
  });

  it('rejects bad fees', () => {
    expect(validateFees([{ amount: -1, when: 'upfront' }])).toMatchObject({ ok: false, error: { code: 'FEE_INVALID', field: 'fees[0].amount' } });
    expect(validateFees([{ amount: 1.5, when: 'upfront' }])).toMatchObject({ ok: false, error: { code: 'FEE_INVALID' } });
    expect(validateFees([{ amount: 100, when: 'monthly' } as unknown as Fee])).toMatchObject({ ok: false, error: { code: 'FEE_INVALID', field: 'fees[0].when' } });
    expect(aprFromSchedule(schedule(), [{ amount: 10_000_000, when: 'upfront' }])).toMatchObject({ ok: false, error: { code: 'CASHFLOWS_INVALID' } });
  });
});

describe('APR: properties', () => {
  const feeArb = fc.array(fc.record({ amount: fc.integer({ min: 1, max: 500_000 }), when: fc.constantFrom<Fee['when']>('upfront', 'per_period') }), { minLength: 1, maxLength: 3 });

  it('is never NaN: any conventional cash flows solve, and the NPV at the rate is ~0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000_000 }), fc.array(fc.integer({ min: 0, max: 2_000_000_000 }), { minLength: 1, maxLength: 361 }), (out, back) => {
        fc.pre(back.some((b) => b > 0));
        const r = aprFromCashflows([-out, ...back]);
        if (!r.ok) throw new Error(r.error.code);
        const { periodRate, simple, compound } = r.value;
        expect(Number.isFinite(periodRate) && Number.isFinite(simple) && Number.isFinite(compound)).toBe(true);
        expect(periodRate).toBeGreaterThan(-1);
        if (periodRate > -0.9 && periodRate < 10) {
          // Near r = −1 (almost nothing repaid) 1 + r carries few significant digits; only finiteness is promised there.
          const npv = back.reduce((s, c, t) => s + c / Math.pow(1 + periodRate, t + 1), -out);
          expect(Math.abs(npv)).toBeLessThanOrEqual(1e-6 * Math.max(out, ...back));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('fee-free monthly schedules report their nominal rate (to 0.01 pp); fees never lower the APR', () => {
    fc.assert(
      fc.property(loanArb, feeArb, (loan, fees) => {
        fc.pre(loan.principal > fees.reduce((s, f) => s + (f.when === 'upfront' ? f.amount : 0), 0));
        const s = schedule(loan);
        const plain = aprFromSchedule(s);
        const withFees = aprFromSchedule(s, fees);
        if (!plain.ok || !withFees.ok) throw new Error('APR failed');
        expect(withFees.value.periodRate).toBeGreaterThanOrEqual(plain.value.periodRate - 1e-12);
        if (isMonthlyMethod(loan.method) && loan.principal >= 1_000_000) {
          // APR ≥ nominal rate when fees exist (rounding of instalments to the fen is the only slack).
          expect(Math.abs(12 * plain.value.periodRate - loan.annualRate)).toBeLessThanOrEqual(1e-4);
          expect(12 * withFees.value.periodRate).toBeGreaterThanOrEqual(loan.annualRate - 1e-4);
          expect(withFees.value.simple).toBeGreaterThanOrEqual(plain.value.simple);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
