import { describe, expect, it } from 'vitest';
import { DEMO_ENTERPRISE_PRODUCT, DEMO_PERSONAL_PRODUCT, DEMO_PRODUCTS } from '../../core/index.js';
import { aprOn, aprRange, dayInterestOn10k, exampleTerms, lowestRateFor, percentRange, productsFor } from './rateStory.js';

describe('the rate story', () => {
  it("an offer's APR is the range over the product's methods and terms, each end with its basis", () => {
    const range = aprRange(DEMO_PERSONAL_PRODUCT, 0.0648, '2026-11-22')!;
    expect(range.lowest).toMatchObject({ method: 'daily_revolving', termMonths: 12, compound: 0.0657 });
    expect(range.highest).toMatchObject({ method: 'daily_revolving', termMonths: 3, compound: 0.0673 });
    expect([range.lowestSimple, range.highestSimple]).toEqual([0.0648, 0.0657]);
    expect(percentRange(range.lowest.compound, range.highest.compound)).toBe('6.57%–6.73%');
    expect(percentRange(0.0668, 0.0668)).toBe('6.68%');
  });

  it('every worked example has the same basis, and its APR lies in the range (domain.md: 6.48%, 12 equal instalments → 6.68% compound)', () => {
    expect(exampleTerms(DEMO_PERSONAL_PRODUCT)).toEqual({ method: 'equal_installment', termMonths: 12 });
    expect(exampleTerms({ repaymentMethods: ['daily_revolving'], termsMonths: [3, 6] })).toEqual({ method: 'daily_revolving', termMonths: 6 });
    const example = aprOn(0.0648, 'equal_installment', 12, '2026-11-22')!;
    expect([example.compound, example.simple]).toEqual([0.0668, 0.0648]);
    const range = aprRange(DEMO_PERSONAL_PRODUCT, 0.0648, '2026-11-22')!;
    expect(example.compound).toBeGreaterThanOrEqual(range.lowest.compound);
    expect(example.compound).toBeLessThanOrEqual(range.highest.compound);
  });

  it('a range asked for again is the one computed, and each of its inputs makes its own', () => {
    const range = aprRange(DEMO_PERSONAL_PRODUCT, 0.0648, '2026-11-22')!;
    expect(aprRange({ repaymentMethods: [...DEMO_PERSONAL_PRODUCT.repaymentMethods], termsMonths: [...DEMO_PERSONAL_PRODUCT.termsMonths] }, 0.0648, '2026-11-22')).toBe(range);
    expect(Object.isFrozen(range) && Object.isFrozen(range.lowest)).toBe(true);
    // Methods, terms, rate and date each change the answer; none is served another's.
    const equalOnly = aprRange({ repaymentMethods: ['equal_installment'], termsMonths: DEMO_PERSONAL_PRODUCT.termsMonths }, 0.0648, '2026-11-22')!;
    expect(equalOnly.lowest.method).toBe('equal_installment');
    expect(aprRange({ repaymentMethods: ['equal_installment'], termsMonths: [12] }, 0.0648, '2026-11-22')).toMatchObject({ lowest: { termMonths: 12, compound: 0.0668 }, highest: { termMonths: 12 } });
    expect(aprRange(DEMO_PERSONAL_PRODUCT, 0.0864, '2026-11-22')!.lowest.compound).toBeGreaterThan(range.highest.compound);
    const other = aprRange(DEMO_PERSONAL_PRODUCT, 0.0648, '2027-02-01')!;
    expect(other).not.toBe(range);
    expect(other.lowest.method).toBe('daily_revolving');
  });

  it('quotes individuals the lowest rate of the individual products, never the business floor', () => {
    expect(lowestRateFor(DEMO_PRODUCTS)).toBe(0.0648);
    expect(lowestRateFor(DEMO_PRODUCTS, 'individual')).toBe(0.0648);
    expect(lowestRateFor(DEMO_PRODUCTS, 'enterprise')).toBe(0.04);
    // A bank with business products only quotes those.
    expect(productsFor([DEMO_ENTERPRISE_PRODUCT])).toEqual([DEMO_ENTERPRISE_PRODUCT]);
    expect(dayInterestOn10k(0.0648)).toBe('1.80');
  });
});
