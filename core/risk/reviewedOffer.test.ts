import { describe, expect, it } from 'vitest';
import { DEMO_ENTERPRISE_PRODUCT, DEMO_PERSONAL_PRODUCT } from './demoProducts.js';
import { validateProduct } from './product.js';
import { DEFAULT_FOUR_EYES_ABOVE, priceReviewedOffer, reviewBounds } from './reviewedOffer.js';

const terms = { termMonths: 12, repaymentMethod: 'equal_installment' as const, asOf: '2026-12-05' };

describe('reviewBounds', () => {
  it('caps the limit by the decision\'s income/DTI limit when it is the lowest bound', () => {
    expect(reviewBounds(DEMO_PERSONAL_PRODUCT, { provisionalLimit: 10_300_000, purpose: 'consumer' })).toEqual({
      minLimit: 100_000,
      maxLimit: 10_300_000,
      maxLimitBinding: 'decision',
      rateFloor: 0.0648,
      rateCap: 0.15,
      fourEyesAbove: 10_000_000,
      offerValidityDays: 7,
    });
  });

  it('falls back to the consumer cap and the product maximum when the decision computed no limit', () => {
    expect(reviewBounds(DEMO_PERSONAL_PRODUCT, { provisionalLimit: 0, purpose: 'consumer' })).toMatchObject({ maxLimit: 20_000_000, maxLimitBinding: 'consumer_cap' });
    expect(reviewBounds(DEMO_PERSONAL_PRODUCT, { provisionalLimit: 0, purpose: 'business' })).toMatchObject({ maxLimit: 30_000_000, maxLimitBinding: 'product' });
    expect(reviewBounds(DEMO_ENTERPRISE_PRODUCT, { provisionalLimit: 0, purpose: null }).fourEyesAbove).toBe(50_000_000);
  });

  it('needs a second reviewer for every approval on a product that sets no threshold', () => {
    const { fourEyesAbove: _omit, ...bare } = DEMO_PERSONAL_PRODUCT;
    expect(reviewBounds(bare, { provisionalLimit: 0, purpose: null }).fourEyesAbove).toBe(DEFAULT_FOUR_EYES_ABOVE);
    const priced = priceReviewedOffer(reviewBounds(bare, { provisionalLimit: 0, purpose: null }), { ...terms, limit: 100_000, annualRate: 0.08 });
    expect(priced.ok && priced.value.needsSecondReviewer).toBe(true);
  });

  it('is a validated product field', () => {
    expect(validateProduct({ ...DEMO_PERSONAL_PRODUCT, fourEyesAbove: -1 })).toMatchObject({ ok: false, error: { field: 'fourEyesAbove' } });
    expect(validateProduct({ ...DEMO_PERSONAL_PRODUCT, fourEyesAbove: 0 }).ok).toBe(true);
  });
});

describe('priceReviewedOffer', () => {
  const bounds = reviewBounds(DEMO_PERSONAL_PRODUCT, { provisionalLimit: 10_300_000, purpose: 'consumer' });

  it('prices terms within the bounds with the APR the automatic decision would quote', () => {
    const r = priceReviewedOffer(bounds, { ...terms, limit: 8_000_000, annualRate: 0.08 });
    expect(r).toEqual({ ok: true, value: { limit: 8_000_000, annualRate: 0.08, apr: { simple: 0.08, compound: 0.083, simpleText: '8.00%', compoundText: '8.30%' }, needsSecondReviewer: false, offerExpiresOn: '2026-12-12' } });
  });

  it('needs a second reviewer strictly above the threshold', () => {
    expect(priceReviewedOffer(bounds, { ...terms, limit: 10_000_000, annualRate: 0.08 })).toMatchObject({ ok: true, value: { needsSecondReviewer: false } });
    expect(priceReviewedOffer(bounds, { ...terms, limit: 10_000_100, annualRate: 0.08 })).toMatchObject({ ok: true, value: { needsSecondReviewer: true } });
  });

  it.each([
    [{ limit: 99_999 }, 'REVIEW_LIMIT_BELOW_MIN', 'limitFen'],
    [{ limit: 10_300_100 }, 'REVIEW_LIMIT_ABOVE_MAX', 'limitFen'],
    [{ limit: 1.5 }, 'REVIEW_LIMIT_INVALID', 'limitFen'],
    [{ annualRate: 0.06 }, 'REVIEW_RATE_BELOW_FLOOR', 'annualRate'],
    [{ annualRate: 0.1501 }, 'REVIEW_RATE_ABOVE_CAP', 'annualRate'],
    [{ annualRate: 0.08000001 }, 'REVIEW_RATE_INVALID', 'annualRate'],
  ])('refuses %o with %s on %s', (change, code, field) => {
    const r = priceReviewedOffer(bounds, { ...terms, limit: 5_000_000, annualRate: 0.08, ...change });
    expect(r).toMatchObject({ ok: false, error: { code, field } });
    if (!r.ok && code === 'REVIEW_LIMIT_ABOVE_MAX') expect(r.error.message).toContain('¥103,000.00');
  });

  it('accepts the floor and the cap themselves', () => {
    expect(priceReviewedOffer(bounds, { ...terms, limit: 5_000_000, annualRate: 0.0648 }).ok).toBe(true);
    expect(priceReviewedOffer(bounds, { ...terms, limit: 5_000_000, annualRate: 0.15 }).ok).toBe(true);
  });
});
