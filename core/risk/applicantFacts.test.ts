import { describe, expect, it } from 'vitest';
import { applicationFeatures, deriveApplicantFacts } from './applicantFacts.js';
import type { ApplicantProfile } from './applicantProfile.js';
import { DEMO_PERSONAL_PRODUCT } from './demoProducts.js';
import { demoPersona } from './demoPersonas.js';

const policy = DEMO_PERSONAL_PRODUCT.limitPolicy;
const excellent = demoPersona('excellent').profile;
const derive = (p: ApplicantProfile, segment: 'individual' | 'enterprise' = 'individual') => deriveApplicantFacts(p, segment, policy, '2025-06-30');

describe('deriveApplicantFacts', () => {
  it('derives age, verified income (max of housing fund and payroll) and existing DTI', () => {
    const r = derive(excellent);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.identity.age).toBe(39);
    // Housing fund ¥3,600 a month at 12 % + 12 % → ¥15,000; payroll ¥14,000.
    expect(r.value.verifiedMonthlyIncome).toBe(1_500_000);
    expect(r.value.incomeBasis).toBe('verified');
    expect(r.value.existingDti).toBeCloseTo(200_000 / 1_500_000, 12);
    expect(r.value.missingSources).toEqual(['tax', 'business_registry']);
  });

  it('falls back to declared income with the haircut, and to unknown without it', () => {
    const declaredOnly = { ...excellent, sources: { credit_bureau: excellent.sources.credit_bureau } };
    const r = derive(declaredOnly);
    expect(r.ok && [r.value.assessedMonthlyIncome, r.value.incomeBasis]).toEqual([800_000, 'declared']);
    const none = { ...declaredOnly, declaredMonthlyIncome: undefined };
    const n = derive(none);
    expect(n.ok && [n.value.assessedMonthlyIncome, n.value.incomeBasis, n.value.existingDti]).toEqual([null, 'none', null]);
  });

  it('maps absent sources to missing features', () => {
    const r = derive({ ...excellent, sources: {} });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const f = applicationFeatures(r.value, { ...excellent, sources: {} });
    expect(f.creditHistoryMonths).toBeNull();
    expect(f.payroll).toBeNull();
    expect(f.age).toBe(39);
  });

  it('returns typed errors for malformed identity and data', () => {
    const code = (p: unknown, segment: 'individual' | 'enterprise' = 'individual') => {
      const r = derive(p as ApplicantProfile, segment);
      return r.ok ? 'OK' : r.error.code;
    };
    expect(code({ ...excellent, person: { ...excellent.person, idNumber: '430702198605120231' } })).toBe('ID_NUMBER_CHECK_DIGIT');
    expect(code({ ...excellent, person: { ...excellent.person, mobile: '0736-1234567' } })).toBe('MOBILE_FORMAT');
    expect(code(excellent, 'enterprise')).toBe('ENTERPRISE_REQUIRED');
    expect(code({ ...excellent, enterprise: { name: 'x', uscc: '91440300708461136U', role: 'legal_representative' } })).toBe('USCC_CHECK_CHARACTER');
    const b = excellent.sources.credit_bureau as NonNullable<ApplicantProfile['sources']['credit_bureau']>;
    expect(code({ ...excellent, sources: { credit_bureau: { ...b, hardInquiries3m: -1 } } })).toBe('PROFILE_INVALID');
    expect(code({ ...excellent, sources: { credit_bureau: { ...b, monthlyDebtPayments: 10.5 } } })).toBe('PROFILE_INVALID');
    expect(code({ ...excellent, sources: { credit_bureau: { ...b, overdue24m: { maxConsecutive: 4, totalCount: 2 } } } })).toBe('PROFILE_INVALID');
    expect(code({ ...excellent, sources: { business_registry: { status: 'active', establishedOn: '2030-01-01' } } })).toBe('BUSINESS_ESTABLISHED_INVALID');
    expect(code({ ...excellent, sources: undefined })).toBe('PROFILE_INVALID');
    expect(code({ ...excellent, watchlist: 'clean' })).toBe('PROFILE_INVALID');
    expect(code({ ...excellent, verification: { nameIdMatch: 'yes' } })).toBe('PROFILE_INVALID');
    expect(code({ ...excellent, sources: { business_registry: { status: 'closed', establishedOn: '2020-01-01' } } })).toBe('PROFILE_INVALID');
    expect(code({ ...excellent, enterprise: { name: 'x', uscc: '91440300708461136T', role: 'ceo' } })).toBe('PROFILE_INVALID');
    expect(code(null)).toBe('PROFILE_INVALID');
  });
});
