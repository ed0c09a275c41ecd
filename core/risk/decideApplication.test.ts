import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApplicantProfile } from './applicantProfile.js';
import { decideApplication } from './decideApplication.js';
import { DEMO_ENTERPRISE_PRODUCT, DEMO_PERSONAL_PRODUCT } from './demoProducts.js';
import { DEMO_AS_OF, demoPersona } from './demoPersonas.js';
import { createPrng } from './prng.js';
import { generateResidentId } from './residentId.js';
import type { Product } from './product.js';
import { syntheticApplicant } from './syntheticApplicant.js';

const decide = (profile: ApplicantProfile, product: Product = DEMO_PERSONAL_PRODUCT, asOf = DEMO_AS_OF) => {
  const r = decideApplication(product, profile, asOf);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const errorCode = (profile: unknown, product: unknown = DEMO_PERSONAL_PRODUCT, asOf = DEMO_AS_OF) => {
  const r = decideApplication(product as Product, profile as ApplicantProfile, asOf);
  return r.ok ? 'OK' : r.error.code;
};
const excellent = demoPersona('excellent').profile;
const withRequest = (patch: object): ApplicantProfile => ({ ...excellent, request: { ...excellent.request, ...patch } });

describe('decideApplication', () => {
  it('approves the excellent persona at grade A, 6.48 %, with the DTI-bound limit and APR from core/lending', () => {
    const d = decide(excellent);
    expect(d).toMatchObject({ outcome: 'approved', grade: 'A', rate: 0.0648, limitBinding: 'dti', reasons: [], productId: DEMO_PERSONAL_PRODUCT.id });
    expect(d.score).toBe(765);
    expect(d.limit).toBe(17_900_000);
    expect(d.offeredAmount).toBe(17_900_000); // asked ¥200,000, offered the limit
    expect(d.limit % DEMO_PERSONAL_PRODUCT.limitPolicy.step).toBe(0);
    expect(d.dti).toBeLessThanOrEqual(0.5);
    expect(d.apr?.compoundText).toBe('6.57%'); // 12-month daily-interest loan, ACT/360 over 365 days
    expect(d.offerExpiresOn).toBe('2025-07-07');
    expect(d.lineExpiresOn).toBe('2028-06-30');
    expect(d.modelVersion).toBe('demo-application-illustrative@1.0.0 / changde-kuaidai-personal-demo@2025.1');
    expect(d.scoreBreakdown.reduce((s, v) => s + v.points, DEMO_PERSONAL_PRODUCT.scorecard.basePoints)).toBe(d.score);
    expect(d.ruleResults.every((r) => r.status === 'passed')).toBe(true);
    expect(d.pd).toBeGreaterThan(0);
  });

  it('APR of a fee-free 6.48 % loan in 12 equal instalments is 6.48 % simple, 6.68 % compound (domain.md)', () => {
    const d = decide(withRequest({ repaymentMethod: 'equal_installment', amount: 10_000_000 }));
    expect(d.apr).toMatchObject({ simpleText: '6.48%', compoundText: '6.68%' });
  });

  it('offers the requested amount when it is below the limit', () => {
    const d = decide(withRequest({ amount: 5_000_000 }));
    expect(d.offeredAmount).toBe(5_000_000);
    expect(d.limit).toBe(17_900_000);
  });

  it('caps consumer-purpose limits at ¥200,000', () => {
    const rich: ApplicantProfile = {
      ...excellent,
      request: { ...excellent.request, purpose: 'consumer', amount: 30_000_000 },
      sources: { ...excellent.sources, credit_bureau: { ...(excellent.sources.credit_bureau as NonNullable<ApplicantProfile['sources']['credit_bureau']>), monthlyDebtPayments: 0 }, housing_fund: { monthlyContribution: 2_400_000, months: 96 } },
    };
    const d = decide(rich);
    expect(d).toMatchObject({ outcome: 'approved', limit: 20_000_000, limitBinding: 'consumer_cap' });
    expect(decide({ ...rich, request: { ...rich.request, purpose: 'business' } })).toMatchObject({ limit: 30_000_000, limitBinding: 'product_max' });
  });

  it('sends missing data to manual review on the personal product and declines on the enterprise one', () => {
    const noBureau = { ...excellent, sources: { ...excellent.sources, credit_bureau: undefined } };
    const d = decide(noBureau);
    expect(d.outcome).toBe('manual_review');
    expect(d.reasons.map((r) => r.code)).toContain('DATA_MISSING_CREDIT_BUREAU');
    expect(new Set(d.reasons.map((r) => r.code)).size).toBe(d.reasons.length);
    const owner = demoPersona('enterprise_owner').profile;
    const e = decide({ ...owner, sources: { ...owner.sources, tax: undefined } }, DEMO_ENTERPRISE_PRODUCT);
    expect(e).toMatchObject({ outcome: 'declined', limit: 0, rate: null, apr: null });
    expect(e.reasons[0]?.code).toBe('DATA_MISSING_TAX');
  });

  it('applies the age window on the decision date and at the end of the 3-year line', () => {
    const born = (birthDate: string): ApplicantProfile => ({ ...excellent, person: { ...excellent.person, idNumber: generateResidentId({ regionCode: '430702', birthDate, sex: 'male', serial: 7 }) } });
    expect(decide(born('1958-09-01')).reasons.map((r) => r.code)).toEqual(['AGE_ABOVE_MAX']); // 66
    expect(decide(born('1960-09-01')).outcome).toBe('approved'); // 64 now, 67 at the line end
    const strict: Product = { ...DEMO_PERSONAL_PRODUCT, rules: DEMO_PERSONAL_PRODUCT.rules.map((r) => (r.kind === 'age' ? { ...r, maxAgeAtMaturity: 66 } : r)) };
    expect(decide(born('1960-09-01'), strict).reasons.map((r) => r.code)).toEqual(['AGE_AT_MATURITY_ABOVE_MAX']);
    expect(decide(born('2007-07-01')).reasons.map((r) => r.code)).toContain('AGE_BELOW_MIN'); // 17
  });

  it('declines below the lowest grade band with a borrower-safe reason', () => {
    const weak: ApplicantProfile = {
      ...excellent,
      sources: {
        credit_bureau: { overdue24m: { maxConsecutive: 2, totalCount: 5 }, hardInquiries3m: 6, unsettledLenders: 3, monthlyDebtPayments: 0, historyMonths: 8, currentOverdue: false },
      },
    };
    const d = decide(weak);
    expect(d.outcome).toBe('declined');
    expect(d.grade).toBeNull();
    const reason = d.reasons.find((r) => r.code === 'SCORE_BELOW_CUTOFF');
    expect(reason?.messageZh).not.toMatch(/\d|分/);
    expect(reason?.detail).toMatch(/score \d+ below 600/);
  });

  it('returns typed errors for bad input', () => {
    expect(errorCode(withRequest({ amount: -1 }))).toBe('AMOUNT_INVALID');
    expect(errorCode(withRequest({ amount: 1e15 }))).toBe('AMOUNT_INVALID');
    expect(errorCode(withRequest({ amount: 12.5 }))).toBe('AMOUNT_INVALID');
    expect(errorCode(withRequest({ amount: 50_000 }))).toBe('AMOUNT_BELOW_MINIMUM');
    expect(errorCode(withRequest({ termMonths: 7 }))).toBe('TERM_NOT_OFFERED');
    expect(errorCode(withRequest({ repaymentMethod: 'balloon' }))).toBe('METHOD_UNKNOWN');
    expect(errorCode(withRequest({ repaymentMethod: 'equal_principal' }))).toBe('METHOD_NOT_OFFERED');
    expect(errorCode(excellent, DEMO_ENTERPRISE_PRODUCT)).toBe('ENTERPRISE_REQUIRED');
    expect(errorCode({ ...excellent, request: { ...excellent.request, purpose: 'consumer' }, enterprise: demoPersona('enterprise_owner').profile.enterprise }, DEMO_ENTERPRISE_PRODUCT)).toBe('PURPOSE_NOT_OFFERED');
    expect(errorCode({ ...excellent, person: { ...excellent.person, idNumber: '43070219860512023' } })).toBe('ID_NUMBER_FORMAT');
    expect(errorCode({ ...excellent, person: { ...excellent.person, idNumber: '430702198605120231' } })).toBe('ID_NUMBER_CHECK_DIGIT');
    expect(errorCode(excellent, DEMO_PERSONAL_PRODUCT, '2025-13-01')).toBe('AS_OF_INVALID');
    expect(errorCode(excellent, DEMO_PERSONAL_PRODUCT, '2999-06-30')).toMatch(/^(AS_OF_INVALID|DATE_INVALID)$/);
    expect(errorCode(excellent, { ...DEMO_PERSONAL_PRODUCT, pricing: { ...DEMO_PERSONAL_PRODUCT.pricing, floor: 0.2, cap: 0.1 } })).toBe('PRODUCT_RATE_FLOOR_ABOVE_CAP');
    expect(errorCode({ ...excellent, request: undefined })).toBe('REQUEST_MISSING');
  });
});

describe('decideApplication (properties over synthetic applicants)', () => {
  const products = [DEMO_PERSONAL_PRODUCT, DEMO_ENTERPRISE_PRODUCT];
  const applicant = fc.tuple(fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom(0, 1)).map(([seed, p]) => {
    const product = products[p] as Product;
    const profile = syntheticApplicant(createPrng(seed), DEMO_AS_OF, {
      enterprise: product.segment === 'enterprise',
      termsMonths: product.termsMonths,
      repaymentMethods: product.repaymentMethods,
      purposes: product.purposes,
      amountRange: [product.amount.min, product.amount.max * 1.5],
    });
    return { product, profile };
  });

  it('is deterministic: the same input gives the same decision', () => {
    fc.assert(fc.property(applicant, ({ product, profile }) => {
      const a = decideApplication(product, profile, DEMO_AS_OF);
      const b = decideApplication(product, structuredClone(profile), DEMO_AS_OF);
      expect(b).toEqual(a);
    }), { numRuns: 2000 });
  });

  it('keeps limits within the product max and the consumer cap, rates within [floor, cap], and the score equal to its breakdown', () => {
    fc.assert(fc.property(applicant, ({ product, profile }) => {
      const r = decideApplication(product, profile, DEMO_AS_OF);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const d = r.value;
      expect(d.limit).toBeLessThanOrEqual(product.amount.max);
      if (profile.request.purpose === 'consumer') expect(d.limit).toBeLessThanOrEqual(product.consumerCap);
      expect(d.offeredAmount).toBeLessThanOrEqual(Math.min(d.limit, profile.request.amount));
      expect(d.limit % product.limitPolicy.step).toBe(0);
      if (d.rate !== null) {
        expect(d.rate).toBeGreaterThanOrEqual(product.pricing.floor);
        expect(d.rate).toBeLessThanOrEqual(product.pricing.cap);
      }
      if (d.outcome === 'declined') expect([d.limit, d.rate, d.apr]).toEqual([0, null, null]);
      if (d.outcome === 'approved') {
        expect(d.reasons).toEqual([]);
        expect(d.offeredAmount).toBeGreaterThanOrEqual(product.amount.min);
        if (d.dti !== null) expect(d.dti).toBeLessThanOrEqual(0.5);
      }
      expect(d.scoreBreakdown.reduce((s, v) => s + v.points, product.scorecard.basePoints)).toBe(d.score);
    }), { numRuns: 3000 });
  });
});
