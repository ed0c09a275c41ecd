import { describe, expect, it } from 'vitest';
import { DEMO_ENTERPRISE_PRODUCT, DEMO_PERSONAL_PRODUCT, DEMO_PRODUCTS } from './demoProducts.js';
import { validateProduct } from './product.js';

describe('demo products', () => {
  it('validate', () => {
    for (const p of DEMO_PRODUCTS) expect(validateProduct(p).ok).toBe(true);
  });

  it('demo products follow the seeds and policy defaults', () => {
    const p = DEMO_PERSONAL_PRODUCT;
    expect(p.pricing.floor).toBe(0.0648);
    expect(p.amount.max).toBe(30_000_000);
    expect(p.consumerCap).toBe(20_000_000);
    expect(p.lineValidityMonths).toBe(36);
    expect(p.repaymentMethods).toContain('daily_revolving');
    expect(p.gradeBands).toEqual([{ grade: 'A', minScore: 680 }, { grade: 'B', minScore: 640 }, { grade: 'C', minScore: 600 }]);
    expect(p.scorecard.illustrative).toBe(true);
    expect(DEMO_ENTERPRISE_PRODUCT.segment).toBe('enterprise');
    expect(DEMO_ENTERPRISE_PRODUCT.rules.map((r) => r.kind)).toContain('enterprise_uscc');
  });
});
