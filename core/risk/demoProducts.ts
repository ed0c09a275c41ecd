import type { AdmissionRule } from './admissionRules.js';
import { DEMO_APPLICATION_SCORECARD } from './demoScorecards.js';
import { validateProduct, type Product } from './product.js';

/**
 * Demo products modelled on the seed articles. Amounts, terms and the 6.48% floor follow the
 * seeds; spreads, grade bands, multiples and thresholds are illustrative policy defaults
 * (docs/lending.md (Part II)). Both decide with the ILLUSTRATIVE SYNTHETIC application scorecard.
 */

const checked = (p: Product): Product => {
  const r = validateProduct(p);
  if (!r.ok) throw new Error(`demo product ${p.id} invalid: ${r.error.code} ${r.error.message}`);
  return Object.freeze(r.value);
};

/** Admission and anti-fraud rules of the personal demo product (domain.md policy defaults). */
export const DEFAULT_ADMISSION_RULES: readonly AdmissionRule[] = Object.freeze([
  { kind: 'resident_id', severity: 'decline' },
  { kind: 'age', minAge: 18, maxAge: 65, maxAgeAtMaturity: 70, severity: 'decline' },
  { kind: 'watchlist', severity: 'decline' },
  { kind: 'overdue_history', failAtConsecutive: 3, failAtTotal: 6, severity: 'decline' },
  { kind: 'current_overdue', severity: 'decline' },
  { kind: 'hard_inquiries', max: 6, severity: 'decline' },
  { kind: 'multi_lender', max: 3, severity: 'decline' },
  { kind: 'debt_to_income', max: 0.5, severity: 'decline' },
  { kind: 'identity_consistency', severity: 'decline' },
  { kind: 'device_consistency', severity: 'manual_review' },
  { kind: 'thin_file', minHistoryMonths: 6, severity: 'manual_review' },
] satisfies AdmissionRule[]);

/** 常德快贷-style personal loan (seed 000): pure credit, from 6.48%, daily interest, 3-year revolving line. */
export const DEMO_PERSONAL_PRODUCT: Product = checked({
  id: 'changde-kuaidai-personal-demo',
  version: '2025.1',
  nameZh: '常德快贷·个人贷(演示)',
  nameEn: 'Changde Kuaidai personal loan (demo)',
  segment: 'individual',
  purposes: ['consumer', 'business'],
  amount: { min: 100_000, max: 30_000_000 }, // ¥1,000 – ¥300,000
  consumerCap: 20_000_000, // ¥200,000 for consumer purpose
  termsMonths: [3, 6, 12],
  repaymentMethods: ['daily_revolving', 'interest_first', 'equal_installment'],
  revolving: true,
  lineValidityMonths: 36,
  offerValidityDays: 7,
  pricing: { lpr: 0.03, spreadByGrade: { A: 0.0348, B: 0.05, C: 0.07 }, floor: 0.0648, cap: 0.15 },
  gradeBands: [{ grade: 'A', minScore: 680 }, { grade: 'B', minScore: 640 }, { grade: 'C', minScore: 600 }],
  scorecard: DEMO_APPLICATION_SCORECARD,
  rules: DEFAULT_ADMISSION_RULES,
  dataSources: { required: ['credit_bureau'], optional: ['housing_fund', 'social_security', 'bank'] },
  insufficientDataSeverity: 'manual_review',
  limitPolicy: {
    incomeMultipleByGrade: { A: 20, B: 15, C: 10 },
    depositMultiple: 0.5,
    taxMultipleByGrade: { A: 0, B: 0, C: 0 },
    declaredIncomeHaircut: 0.5,
    housingFundRatePerSide: 0.12,
    step: 100_000, // ¥1,000
    dtiAmortisationMonths: 36, // the 3-year line, amortised
  },
  fourEyesAbove: 10_000_000, // a reviewed limit above ¥100,000 needs a second reviewer
});

/** 小微快贷-style loan for small enterprises and individual businesses (seed 004), identified by USCC. */
export const DEMO_ENTERPRISE_PRODUCT: Product = checked({
  id: 'xiaowei-kuaidai-enterprise-demo',
  version: '2025.1',
  nameZh: '小微快贷·经营贷(演示)',
  nameEn: 'Xiaowei Kuaidai small-business loan (demo)',
  segment: 'enterprise',
  purposes: ['business'],
  amount: { min: 1_000_000, max: 100_000_000 }, // ¥10,000 – ¥1,000,000
  consumerCap: 20_000_000,
  termsMonths: [6, 12],
  repaymentMethods: ['interest_first', 'equal_installment', 'daily_revolving'],
  revolving: true,
  lineValidityMonths: 12,
  offerValidityDays: 7,
  pricing: { lpr: 0.03, spreadByGrade: { A: 0.015, B: 0.025, C: 0.04 }, floor: 0.04, cap: 0.12 },
  gradeBands: [{ grade: 'A', minScore: 680 }, { grade: 'B', minScore: 640 }, { grade: 'C', minScore: 600 }],
  scorecard: DEMO_APPLICATION_SCORECARD,
  // Business loans are sized on the enterprise (tax, deposits), so the personal DTI rule is left out (policy).
  rules: [
    ...DEFAULT_ADMISSION_RULES.filter((r) => r.kind !== 'debt_to_income'),
    { kind: 'enterprise_uscc', severity: 'decline' },
    { kind: 'enterprise_role', allowedRoles: ['legal_representative', 'individual_business_owner'], severity: 'decline' },
    { kind: 'business_status', severity: 'decline' },
    { kind: 'business_age', minYears: 1, severity: 'decline' },
  ],
  dataSources: { required: ['credit_bureau', 'business_registry', 'tax'], optional: ['bank', 'housing_fund', 'social_security'] },
  insufficientDataSeverity: 'decline',
  limitPolicy: {
    incomeMultipleByGrade: { A: 12, B: 10, C: 6 },
    depositMultiple: 1,
    taxMultipleByGrade: { A: 8, B: 6, C: 4 },
    declaredIncomeHaircut: 0.3,
    housingFundRatePerSide: 0.12,
    step: 1_000_000, // ¥10,000
    dtiAmortisationMonths: null,
  },
  fourEyesAbove: 50_000_000, // a reviewed limit above ¥500,000 needs a second reviewer
});

/** The demo products, for a product picker. */
export const DEMO_PRODUCTS: readonly Product[] = Object.freeze([DEMO_PERSONAL_PRODUCT, DEMO_ENTERPRISE_PRODUCT]);
