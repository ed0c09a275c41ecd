import { describe, expect, it } from 'vitest';
import { DEMO_PERSONAL_PRODUCT, DEMO_PRODUCTS } from './demoProducts.js';
import { validateProduct, type Product } from './product.js';

const code = (patch: (p: Product) => unknown) => {
  const r = validateProduct(patch(structuredClone(DEMO_PERSONAL_PRODUCT) as Product));
  return r.ok ? 'OK' : r.error.code;
};

describe('validateProduct', () => {
  it('accepts the demo products', () => {
    for (const p of DEMO_PRODUCTS) expect(validateProduct(p).ok).toBe(true);
  });

  it('returns typed errors for inconsistent configuration', () => {
    expect(code((p) => ({ ...p, pricing: { ...p.pricing, floor: 0.2, cap: 0.1 } }))).toBe('PRODUCT_RATE_FLOOR_ABOVE_CAP');
    expect(code((p) => ({ ...p, pricing: { ...p.pricing, cap: 0.3 } }))).toBe('PRODUCT_RATE_CAP_ABOVE_CEILING');
    expect(code((p) => ({ ...p, pricing: { ...p.pricing, floor: 6.48 } }))).toBe('PRODUCT_RATE_FLOOR_ABOVE_CAP');
    expect(code((p) => ({ ...p, pricing: { ...p.pricing, spreadByGrade: { A: 0.03, B: 0.04 } } }))).toBe('PRODUCT_GRADE_VALUE_INVALID');
    expect(code((p) => ({ ...p, amount: { min: 500_000, max: 100_000 } }))).toBe('PRODUCT_AMOUNT_MIN_ABOVE_MAX');
    expect(code((p) => ({ ...p, amount: { min: 100.5, max: 100_000 } }))).toBe('PRODUCT_AMOUNT_INVALID');
    expect(code((p) => ({ ...p, amount: { min: 100_000, max: 1e15 } }))).toBe('PRODUCT_AMOUNT_INVALID');
    expect(code((p) => ({ ...p, repaymentMethods: ['equal_installment', 'balloon'] }))).toBe('METHOD_UNKNOWN');
    expect(code((p) => ({ ...p, termsMonths: [12, 12] }))).toBe('PRODUCT_TERMS_INVALID');
    expect(code((p) => ({ ...p, termsMonths: [0] }))).toBe('PRODUCT_TERMS_INVALID');
    expect(code((p) => ({ ...p, consumerCap: 30_000_000 }))).toBe('PRODUCT_CONSUMER_CAP_INVALID');
    expect(code((p) => ({ ...p, gradeBands: [{ grade: 'A', minScore: 600 }, { grade: 'B', minScore: 640 }] }))).toBe('PRODUCT_GRADE_BANDS_INVALID');
    expect(code((p) => ({ ...p, gradeBands: [{ grade: 'A', minScore: 680 }, { grade: 'A', minScore: 640 }] }))).toBe('PRODUCT_GRADE_BANDS_INVALID');
    expect(code((p) => ({ ...p, scorecard: { ...p.scorecard, variables: [] } }))).toBe('PRODUCT_SCORECARD_INVALID');
    expect(code((p) => ({ ...p, rules: [{ kind: 'age', minAge: 16, maxAge: 65, maxAgeAtMaturity: 70, severity: 'decline' }] }))).toBe('PRODUCT_RULE_INVALID');
    expect(code((p) => ({ ...p, rules: [{ kind: 'age', minAge: 30, maxAge: 25, maxAgeAtMaturity: 70, severity: 'decline' }] }))).toBe('PRODUCT_RULE_INVALID');
    expect(code((p) => ({ ...p, rules: [{ kind: 'debt_to_income', max: 1.5, severity: 'decline' }] }))).toBe('PRODUCT_RULE_INVALID');
    expect(code((p) => ({ ...p, rules: [{ kind: 'telepathy', severity: 'decline' }] }))).toBe('PRODUCT_RULE_INVALID');
    expect(code((p) => ({ ...p, rules: [{ kind: 'watchlist', severity: 'warn' }] }))).toBe('PRODUCT_RULE_INVALID');
    expect(code((p) => ({ ...p, dataSources: { required: ['credit_bureau'], optional: ['credit_bureau'] } }))).toBe('PRODUCT_DATA_SOURCES_INVALID');
    expect(code((p) => ({ ...p, dataSources: { required: ['wechat_moments'], optional: [] } }))).toBe('PRODUCT_DATA_SOURCES_INVALID');
    expect(code((p) => ({ ...p, limitPolicy: { ...p.limitPolicy, declaredIncomeHaircut: 2 } }))).toBe('PRODUCT_LIMIT_POLICY_INVALID');
    expect(code((p) => ({ ...p, limitPolicy: { ...p.limitPolicy, step: 10_000_000 } }))).toBe('PRODUCT_LIMIT_POLICY_INVALID');
    expect(code((p) => ({ ...p, segment: 'household' }))).toBe('PRODUCT_SHAPE');
    expect(code(() => 'not a product')).toBe('PRODUCT_SHAPE');
  });
});
