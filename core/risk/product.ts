import { coreError, err, ok, type Result } from '../result.js';
import { RULE_KINDS, type AdmissionRule, type RuleSeverity } from './admissionRules.js';
import { DATA_SOURCES, type DataSource, type LoanPurpose } from './applicantProfile.js';
import { MAX_PRINCIPAL_FEN, REPAYMENT_METHODS, type Fen, type RepaymentMethod } from './lendingBridge.js';
import { loadScorecard, type Scorecard } from './scorecard.js';

/**
 * A loan product as data (the product factory): who may borrow, how much, for how long, how it
 * is priced, which scorecard and rules decide, which data sources the borrower must authorise.
 */

export type Grade = 'A' | 'B' | 'C';
export const GRADES: readonly Grade[] = Object.freeze(['A', 'B', 'C']);

/** Rate = clamp(lpr + spreadByGrade[grade], floor, cap); decimals (6.48% = 0.0648). */
export interface PricingTable {
  /** 1-year Loan Prime Rate (configuration: published on the 20th of each month). */
  readonly lpr: number;
  readonly spreadByGrade: Readonly<Record<Grade, number>>;
  readonly floor: number;
  readonly cap: number;
}

/** Lowest score of a grade; bands are listed best first, and a score below the last declines. */
export interface GradeBand {
  readonly grade: Grade;
  readonly minScore: number;
}

/** Inputs of the limit formula (see creditLimit.ts). */
export interface LimitPolicy {
  /** Months of assessed monthly income granted per grade. */
  readonly incomeMultipleByGrade: Readonly<Record<Grade, number>>;
  /** Share of the 6-month average deposit added to the limit. */
  readonly depositMultiple: number;
  /** Multiples of the annual tax paid added per grade (enterprise products; 0 to ignore tax). */
  readonly taxMultipleByGrade: Readonly<Record<Grade, number>>;
  /** Declared (unverified) income counts at this share when nothing verifies income. */
  readonly declaredIncomeHaircut: number;
  /** Housing fund deposit rate per side (employee = employer): income ≈ monthly deposit / (2 × rate). */
  readonly housingFundRatePerSide: number;
  /** Limits are rounded down to a multiple of this (fen). */
  readonly step: Fen;
  /**
   * Months over which the DTI test amortises the new debt (level instalments at the offered
   * rate); null = the requested term. Revolving lines use the line's validity, not one drawdown's term.
   */
  readonly dtiAmortisationMonths: number | null;
}

export interface Product {
  readonly id: string;
  readonly version: string;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly segment: 'individual' | 'enterprise';
  readonly purposes: readonly LoanPurpose[];
  readonly amount: { readonly min: Fen; readonly max: Fen };
  /** Cap on limits for consumer-purpose loans (≤ ¥200,000 by regulation). */
  readonly consumerCap: Fen;
  readonly termsMonths: readonly number[];
  readonly repaymentMethods: readonly RepaymentMethod[];
  /** One approval usable as a revolving line for `lineValidityMonths`. */
  readonly revolving: boolean;
  readonly lineValidityMonths: number;
  /** Days an approved offer may be accepted. */
  readonly offerValidityDays: number;
  readonly pricing: PricingTable;
  readonly gradeBands: readonly GradeBand[];
  readonly scorecard: Scorecard;
  readonly rules: readonly AdmissionRule[];
  readonly dataSources: { readonly required: readonly DataSource[]; readonly optional: readonly DataSource[] };
  /** What an absent source or unchecked input leads to. */
  readonly insufficientDataSeverity: RuleSeverity;
  readonly limitPolicy: LimitPolicy;
  /**
   * Manual review: an approval of a limit above this (fen) takes effect only when a second,
   * different reviewer confirms it (four eyes). Unset: every manual approval needs one.
   */
  readonly fourEyesAbove?: Fen;
}

/** Regulatory cap on consumer-purpose personal credit (互联网贷款管理暂行办法 2020; check). */
export const CONSUMER_CREDIT_CAP_FEN: Fen = 20_000_000;
/** Highest rate cap a product may set: the 24% borrower-cost ceiling read for bank internet lending (check). */
export const PRODUCT_RATE_CEILING = 0.24;

const fail = (code: string, message: string, field: string): Result<never> => err(coreError(code, message, field));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isFen = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isSeverity = (v: unknown): v is RuleSeverity => v === 'decline' || v === 'manual_review';
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

function checkGradeRecord(v: unknown, field: string, lo: number, hi: number): Result<true> {
  if (!isObject(v)) return fail('PRODUCT_SHAPE', `${field} must map every grade to a number`, field);
  for (const g of GRADES) {
    const x = v[g];
    if (!isNum(x) || x < lo || x > hi) return fail('PRODUCT_GRADE_VALUE_INVALID', `${field}.${g} must be a number in [${lo}, ${hi}]`, `${field}.${g}`);
  }
  return ok(true);
}

function checkRule(rule: unknown, field: string): Result<true> {
  const bad = (why: string) => fail('PRODUCT_RULE_INVALID', `${field}: ${why}`, field);
  if (!isObject(rule) || typeof rule.kind !== 'string' || !RULE_KINDS.includes(rule.kind as never) || rule.kind === 'required_sources') return bad('unknown rule kind');
  if (!isSeverity(rule.severity)) return bad('severity must be decline or manual_review');
  const intIn = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
  switch (rule.kind) {
    case 'age':
      if (!intIn(rule.minAge, 18, 100) || !intIn(rule.maxAge, 18, 100) || !intIn(rule.maxAgeAtMaturity, 18, 120)) return bad('ages must be whole years, minAge ≥ 18');
      if ((rule.minAge as number) > (rule.maxAge as number) || (rule.maxAge as number) > (rule.maxAgeAtMaturity as number)) return bad('need minAge ≤ maxAge ≤ maxAgeAtMaturity');
      return ok(true);
    case 'overdue_history':
      return intIn(rule.failAtConsecutive, 1, 24) && intIn(rule.failAtTotal, 1, 24) ? ok(true) : bad('failAtConsecutive and failAtTotal must be 1–24');
    case 'hard_inquiries':
    case 'multi_lender':
      return intIn(rule.max, 0, 100) ? ok(true) : bad('max must be a whole number 0–100');
    case 'debt_to_income':
      return isNum(rule.max) && rule.max > 0 && rule.max <= 1 ? ok(true) : bad('max must lie in (0, 1]');
    case 'business_age':
      return isNum(rule.minYears) && rule.minYears >= 0 && rule.minYears <= 50 ? ok(true) : bad('minYears must lie in [0, 50]');
    case 'thin_file':
      return intIn(rule.minHistoryMonths, 0, 240) ? ok(true) : bad('minHistoryMonths must be 0–240');
    case 'enterprise_role': {
      const roles = rule.allowedRoles;
      const known = ['legal_representative', 'shareholder', 'individual_business_owner'];
      return Array.isArray(roles) && roles.length > 0 && roles.every((r) => known.includes(r as string)) ? ok(true) : bad('allowedRoles must list known roles');
    }
    default:
      return ok(true);
  }
}

/**
 * Validates product configuration (untrusted JSON or a constant) and returns it typed. Errors:
 * PRODUCT_SHAPE, PRODUCT_AMOUNT_INVALID, PRODUCT_AMOUNT_MIN_ABOVE_MAX, PRODUCT_CONSUMER_CAP_INVALID,
 * PRODUCT_TERMS_INVALID, METHOD_UNKNOWN, PRODUCT_RATE_INVALID, PRODUCT_RATE_FLOOR_ABOVE_CAP,
 * PRODUCT_RATE_CAP_ABOVE_CEILING, PRODUCT_GRADE_BANDS_INVALID, PRODUCT_GRADE_VALUE_INVALID,
 * PRODUCT_SCORECARD_INVALID, PRODUCT_RULE_INVALID, PRODUCT_DATA_SOURCES_INVALID, PRODUCT_LIMIT_POLICY_INVALID.
 */
export function validateProduct(raw: unknown): Result<Product> {
  if (!isObject(raw)) return fail('PRODUCT_SHAPE', 'a product is an object', 'product');
  for (const key of ['id', 'version', 'nameZh', 'nameEn'] as const) {
    if (!nonEmptyString(raw[key])) return fail('PRODUCT_SHAPE', `${key} must be a non-empty string`, key);
  }
  if (raw.segment !== 'individual' && raw.segment !== 'enterprise') return fail('PRODUCT_SHAPE', 'segment must be individual or enterprise', 'segment');
  const purposes = raw.purposes;
  if (!Array.isArray(purposes) || purposes.length === 0 || !purposes.every((p) => p === 'consumer' || p === 'business') || new Set(purposes).size !== purposes.length) {
    return fail('PRODUCT_SHAPE', 'purposes must list consumer and/or business once each', 'purposes');
  }
  const amount = raw.amount;
  if (!isObject(amount) || !isFen(amount.min) || !isFen(amount.max) || amount.max > MAX_PRINCIPAL_FEN) {
    return fail('PRODUCT_AMOUNT_INVALID', `amount.min and amount.max must be whole fen in 1–${MAX_PRINCIPAL_FEN}`, 'amount');
  }
  if (amount.min > amount.max) return fail('PRODUCT_AMOUNT_MIN_ABOVE_MAX', `amount.min ${amount.min} exceeds amount.max ${amount.max}`, 'amount.min');
  if (!isFen(raw.consumerCap) || raw.consumerCap > CONSUMER_CREDIT_CAP_FEN) {
    return fail('PRODUCT_CONSUMER_CAP_INVALID', `consumerCap must be whole fen in 1–${CONSUMER_CREDIT_CAP_FEN} (¥200,000)`, 'consumerCap');
  }
  if (purposes.includes('consumer') && raw.consumerCap < amount.min) return fail('PRODUCT_CONSUMER_CAP_INVALID', 'consumerCap is below amount.min', 'consumerCap');
  const terms = raw.termsMonths;
  if (!Array.isArray(terms) || terms.length === 0 || !terms.every((t) => Number.isInteger(t) && t >= 1 && t <= 360) || new Set(terms).size !== terms.length) {
    return fail('PRODUCT_TERMS_INVALID', 'termsMonths must list distinct whole months 1–360', 'termsMonths');
  }
  const methods = raw.repaymentMethods;
  if (!Array.isArray(methods) || methods.length === 0) return fail('PRODUCT_SHAPE', 'repaymentMethods must be a non-empty list', 'repaymentMethods');
  for (const m of methods) {
    if (!REPAYMENT_METHODS.includes(m as RepaymentMethod)) return fail('METHOD_UNKNOWN', `unknown repayment method ${JSON.stringify(m)}`, 'repaymentMethods');
  }
  if (typeof raw.revolving !== 'boolean') return fail('PRODUCT_SHAPE', 'revolving must be a boolean', 'revolving');
  if (!Number.isInteger(raw.lineValidityMonths) || (raw.lineValidityMonths as number) < 1 || (raw.lineValidityMonths as number) > 60) {
    return fail('PRODUCT_SHAPE', 'lineValidityMonths must be 1–60', 'lineValidityMonths');
  }
  if (!Number.isInteger(raw.offerValidityDays) || (raw.offerValidityDays as number) < 1 || (raw.offerValidityDays as number) > 90) {
    return fail('PRODUCT_SHAPE', 'offerValidityDays must be 1–90', 'offerValidityDays');
  }
  const p = raw.pricing;
  if (!isObject(p) || !isNum(p.lpr) || p.lpr < 0 || p.lpr > 0.2 || !isNum(p.floor) || p.floor <= 0 || !isNum(p.cap) || p.cap <= 0) {
    return fail('PRODUCT_RATE_INVALID', 'pricing needs lpr in [0, 0.2] and positive floor and cap (decimals: 6.48% = 0.0648)', 'pricing');
  }
  if (p.floor > p.cap) return fail('PRODUCT_RATE_FLOOR_ABOVE_CAP', `rate floor ${p.floor} is above the cap ${p.cap}`, 'pricing.floor');
  if (p.cap > PRODUCT_RATE_CEILING) return fail('PRODUCT_RATE_CAP_ABOVE_CEILING', `rate cap ${p.cap} is above ${PRODUCT_RATE_CEILING}`, 'pricing.cap');
  const spreads = checkGradeRecord(p.spreadByGrade, 'pricing.spreadByGrade', -0.1, PRODUCT_RATE_CEILING);
  if (!spreads.ok) return spreads;
  const bands = raw.gradeBands;
  if (!Array.isArray(bands) || bands.length === 0) return fail('PRODUCT_GRADE_BANDS_INVALID', 'gradeBands must be a non-empty list', 'gradeBands');
  const seen = new Set<string>();
  for (const [i, b] of bands.entries()) {
    if (!isObject(b) || !GRADES.includes(b.grade as Grade) || !isNum(b.minScore) || seen.has(b.grade as string)) {
      return fail('PRODUCT_GRADE_BANDS_INVALID', `gradeBands[${i}] needs a distinct grade (A/B/C) and a finite minScore`, `gradeBands[${i}]`);
    }
    const prev = bands[i - 1] as { minScore: number } | undefined;
    if (prev !== undefined && !(b.minScore < prev.minScore)) return fail('PRODUCT_GRADE_BANDS_INVALID', 'gradeBands must be listed best first with falling minScore', `gradeBands[${i}]`);
    seen.add(b.grade as string);
  }
  const card = loadScorecard(raw.scorecard);
  if (!card.ok) return fail('PRODUCT_SCORECARD_INVALID', `scorecard: ${card.error.code} ${card.error.message}`, 'scorecard');
  if (card.value.purpose !== 'application') return fail('PRODUCT_SCORECARD_INVALID', 'a product decides with an application scorecard', 'scorecard');
  if (!Array.isArray(raw.rules)) return fail('PRODUCT_SHAPE', 'rules must be a list', 'rules');
  for (const [i, r] of raw.rules.entries()) {
    const c = checkRule(r, `rules[${i}]`);
    if (!c.ok) return c;
  }
  const ds = raw.dataSources;
  if (!isObject(ds) || !Array.isArray(ds.required) || !Array.isArray(ds.optional)) return fail('PRODUCT_DATA_SOURCES_INVALID', 'dataSources needs required and optional lists', 'dataSources');
  const all = [...ds.required, ...ds.optional];
  if (!all.every((s) => DATA_SOURCES.includes(s as DataSource)) || new Set(all).size !== all.length) {
    return fail('PRODUCT_DATA_SOURCES_INVALID', 'data sources must be known and listed once (required or optional)', 'dataSources');
  }
  if (!isSeverity(raw.insufficientDataSeverity)) return fail('PRODUCT_SHAPE', 'insufficientDataSeverity must be decline or manual_review', 'insufficientDataSeverity');
  const lp = raw.limitPolicy;
  if (!isObject(lp)) return fail('PRODUCT_LIMIT_POLICY_INVALID', 'limitPolicy is required', 'limitPolicy');
  for (const [key, lo, hi] of [['incomeMultipleByGrade', 0, 120], ['taxMultipleByGrade', 0, 50]] as const) {
    const r = checkGradeRecord(lp[key], `limitPolicy.${key}`, lo, hi);
    if (!r.ok) return fail('PRODUCT_LIMIT_POLICY_INVALID', r.error.message, r.error.field ?? 'limitPolicy');
  }
  if (!isNum(lp.depositMultiple) || lp.depositMultiple < 0 || lp.depositMultiple > 10) return fail('PRODUCT_LIMIT_POLICY_INVALID', 'depositMultiple must lie in [0, 10]', 'limitPolicy.depositMultiple');
  if (!isNum(lp.declaredIncomeHaircut) || lp.declaredIncomeHaircut < 0 || lp.declaredIncomeHaircut > 1) {
    return fail('PRODUCT_LIMIT_POLICY_INVALID', 'declaredIncomeHaircut must lie in [0, 1]', 'limitPolicy.declaredIncomeHaircut');
  }
  if (!isNum(lp.housingFundRatePerSide) || lp.housingFundRatePerSide < 0.05 || lp.housingFundRatePerSide > 0.12) {
    return fail('PRODUCT_LIMIT_POLICY_INVALID', 'housingFundRatePerSide must lie in [0.05, 0.12]', 'limitPolicy.housingFundRatePerSide');
  }
  if (lp.dtiAmortisationMonths !== null && !(Number.isInteger(lp.dtiAmortisationMonths) && (lp.dtiAmortisationMonths as number) >= 1 && (lp.dtiAmortisationMonths as number) <= 360)) {
    return fail('PRODUCT_LIMIT_POLICY_INVALID', 'dtiAmortisationMonths must be null or whole months 1–360', 'limitPolicy.dtiAmortisationMonths');
  }
  if (!isFen(lp.step) || lp.step > amount.min) return fail('PRODUCT_LIMIT_POLICY_INVALID', 'step must be whole fen, at most amount.min', 'limitPolicy.step');
  if (raw.fourEyesAbove !== undefined && !(Number.isSafeInteger(raw.fourEyesAbove) && (raw.fourEyesAbove as number) >= 0)) {
    return fail('PRODUCT_SHAPE', 'fourEyesAbove must be whole fen, 0 or more', 'fourEyesAbove');
  }
  return ok(raw as unknown as Product);
}
