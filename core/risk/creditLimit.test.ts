import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeCreditLimit, type LimitInput } from './creditLimit.js';
import { DEMO_PERSONAL_PRODUCT } from './demoProducts.js';
import { GRADES } from './product.js';

const base: LimitInput = {
  grade: 'A',
  policy: DEMO_PERSONAL_PRODUCT.limitPolicy,
  productMax: 30_000_000,
  consumerCap: null,
  assessedMonthlyIncome: 1_000_000,
  existingMonthlyDebt: 100_000,
  depositAvg6m: 2_000_000,
  annualTaxPaid: null,
  maxDti: 0.5,
  instalmentPerFen: 0.03,
};

describe('computeCreditLimit', () => {
  it('income × multiple + deposits × multiple, rounded down to ¥1,000', () => {
    // 10,000 × 20 + 20,000 × 0.5 = ¥210,000; DTI room (5,000 − 1,000) / 0.03 = ¥133,333 → binds.
    expect(computeCreditLimit(base)).toEqual({ limit: 13_300_000, capacity: 21_000_000, dtiCapacity: 13_333_333, binding: 'dti' });
    expect(computeCreditLimit({ ...base, maxDti: null })).toEqual({ limit: 21_000_000, capacity: 21_000_000, dtiCapacity: null, binding: 'capacity' });
  });

  it('is capped by the product maximum and the consumer cap', () => {
    const rich = { ...base, assessedMonthlyIncome: 10_000_000, maxDti: null };
    expect(computeCreditLimit(rich)).toMatchObject({ limit: 30_000_000, binding: 'product_max' });
    expect(computeCreditLimit({ ...rich, consumerCap: 20_000_000 })).toMatchObject({ limit: 20_000_000, binding: 'consumer_cap' });
  });

  it('gives 0 when existing debt already uses the DTI room', () => {
    expect(computeCreditLimit({ ...base, existingMonthlyDebt: 600_000 })).toMatchObject({ limit: 0, dtiCapacity: 0, binding: 'dti' });
  });

  it('never exceeds the product max or consumer cap, is a multiple of the step and ≥ 0 (property)', () => {
    const arb = fc.record({
      grade: fc.constantFrom(...GRADES),
      income: fc.option(fc.integer({ min: 0, max: 100_000_000 }), { nil: null }),
      debt: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: null }),
      deposit: fc.option(fc.integer({ min: 0, max: 1_000_000_000 }), { nil: null }),
      tax: fc.option(fc.integer({ min: 0, max: 100_000_000 }), { nil: null }),
      productMax: fc.integer({ min: 100_000, max: 200_000_000 }),
      consumer: fc.boolean(),
      maxDti: fc.option(fc.double({ min: 0.05, max: 1, noNaN: true }), { nil: null }),
      factor: fc.double({ min: 0.001, max: 1.2, noNaN: true }),
    });
    fc.assert(fc.property(arb, (a) => {
      const r = computeCreditLimit({
        ...base, grade: a.grade, assessedMonthlyIncome: a.income, existingMonthlyDebt: a.debt, depositAvg6m: a.deposit, annualTaxPaid: a.tax,
        productMax: a.productMax, consumerCap: a.consumer ? 20_000_000 : null, maxDti: a.maxDti, instalmentPerFen: a.factor,
      });
      expect(r.limit).toBeGreaterThanOrEqual(0);
      expect(r.limit).toBeLessThanOrEqual(a.productMax);
      if (a.consumer) expect(r.limit).toBeLessThanOrEqual(20_000_000);
      expect(r.limit % base.policy.step).toBe(0);
      expect(Number.isSafeInteger(r.limit)).toBe(true);
    }), { numRuns: 5000 });
  });
});
