import { coreError, err, ok, type Result } from '../result.js';
import type { ApplicantProfile, BusinessStatus, DataSource, EnterpriseRole } from './applicantProfile.js';
import { ageOn, parseIsoDate, type CivilDate, type IsoDate } from '../calendar/index.js';
import type { Fen } from './lendingBridge.js';
import { validateMobile } from './mobile.js';
import type { LimitPolicy } from './product.js';
import { validateResidentId, type ResidentIdInfo } from './residentId.js';
import type { FeatureVector } from './scorecard.js';
import { validateSocialCreditCode, type SocialCreditCodeInfo } from './socialCreditCode.js';

/**
 * Facts derived once from an applicant profile on a date: validated identity, age, enterprise,
 * income and existing debt. Malformed identity or source data is a typed error; absent data is
 * null (unknown), never a guessed number.
 */
export interface ApplicantFacts {
  readonly asOf: IsoDate;
  readonly identity: ResidentIdInfo;
  /** identity.birthDate as civil parts. */
  readonly birth: CivilDate;
  readonly mobile: string;
  readonly enterprise: { readonly code: SocialCreditCodeInfo; readonly role: EnterpriseRole } | null;
  readonly businessStatus: BusinessStatus | null;
  /** Completed years since registration, from the business registry. */
  readonly businessYears: number | null;
  /** Max of housing-fund-implied and payroll income; null when no source verifies income. */
  readonly verifiedMonthlyIncome: Fen | null;
  /** Verified income, else declared × haircut; null when neither (or zero). */
  readonly assessedMonthlyIncome: Fen | null;
  readonly incomeBasis: 'verified' | 'declared' | 'none';
  /** From the credit bureau; null without it. */
  readonly existingMonthlyDebt: Fen | null;
  /** existing debt / assessed income; null when either is unknown. */
  readonly existingDti: number | null;
  readonly missingSources: readonly DataSource[];
}

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const bad = (field: string, what: string) => err(coreError('PROFILE_INVALID', `${field}: ${what}`, field));
const CHECKED = ok(true as const);
const isFlag = (v: unknown): boolean => v === undefined || typeof v === 'boolean';
const BUSINESS_STATUSES: readonly unknown[] = ['active', 'abnormal', 'revoked', 'deregistered'];
const TAX_GRADES: readonly unknown[] = ['A', 'B', 'M', 'C', 'D'];
const ROLES: readonly unknown[] = ['legal_representative', 'shareholder', 'individual_business_owner'];

/** Structural checks on source data: counts and fen amounts are whole and non-negative. */
function checkSources(p: ApplicantProfile): Result<true> {
  const s = p.sources;
  if (typeof s !== 'object' || s === null) return bad('sources', 'must be an object (use {} when nothing was authorised)');
  const b = s.credit_bureau;
  if (b !== undefined) {
    const o = b.overdue24m;
    if (typeof o !== 'object' || o === null) return bad('sources.credit_bureau.overdue24m', 'missing');
    if (!isCount(o.maxConsecutive)) return bad('sources.credit_bureau.overdue24m.maxConsecutive', 'must be a whole number ≥ 0');
    if (!isCount(o.totalCount)) return bad('sources.credit_bureau.overdue24m.totalCount', 'must be a whole number ≥ 0');
    if (!isCount(b.hardInquiries3m)) return bad('sources.credit_bureau.hardInquiries3m', 'must be a whole number ≥ 0');
    if (!isCount(b.unsettledLenders)) return bad('sources.credit_bureau.unsettledLenders', 'must be a whole number ≥ 0');
    if (!isCount(b.monthlyDebtPayments)) return bad('sources.credit_bureau.monthlyDebtPayments', 'must be whole fen ≥ 0');
    if (!isCount(b.historyMonths)) return bad('sources.credit_bureau.historyMonths', 'must be a whole number ≥ 0');
    if (o.maxConsecutive > o.totalCount) return bad('sources.credit_bureau.overdue24m', 'maxConsecutive exceeds totalCount');
    if (typeof b.currentOverdue !== 'boolean') return bad('sources.credit_bureau.currentOverdue', 'must be a boolean');
  }
  if (s.housing_fund !== undefined && (!isCount(s.housing_fund.monthlyContribution) || !isCount(s.housing_fund.months))) return bad('sources.housing_fund', 'monthlyContribution and months must be whole numbers ≥ 0');
  if (s.social_security !== undefined && !isCount(s.social_security.months)) return bad('sources.social_security.months', 'must be a whole number ≥ 0');
  if (s.tax !== undefined && !isCount(s.tax.annualTaxPaid)) return bad('sources.tax.annualTaxPaid', 'must be whole fen ≥ 0');
  const bank = s.bank;
  if (bank !== undefined) {
    if (!isCount(bank.depositAvg6m) || !isCount(bank.customerMonths) || typeof bank.payroll !== 'boolean') return bad('sources.bank', 'depositAvg6m and customerMonths must be whole numbers ≥ 0, payroll a boolean');
    if (bank.payrollMonthlyAverage !== undefined && !isCount(bank.payrollMonthlyAverage)) return bad('sources.bank.payrollMonthlyAverage', 'must be whole fen ≥ 0');
  }
  if (s.business_registry !== undefined && !BUSINESS_STATUSES.includes(s.business_registry.status)) return bad('sources.business_registry.status', 'must be active, abnormal, revoked or deregistered');
  if (s.tax?.creditGrade !== undefined && !TAX_GRADES.includes(s.tax.creditGrade)) return bad('sources.tax.creditGrade', 'must be A, B, M, C or D');
  if (p.declaredMonthlyIncome !== undefined && !isCount(p.declaredMonthlyIncome)) return bad('declaredMonthlyIncome', 'must be whole fen ≥ 0');
  const w = p.watchlist;
  if (w !== undefined && (typeof w !== 'object' || w === null || typeof w.courtDefaulter !== 'boolean' || typeof w.bankBlacklist !== 'boolean')) {
    return bad('watchlist', 'needs courtDefaulter and bankBlacklist booleans');
  }
  const v = p.verification;
  if (v !== undefined && (typeof v !== 'object' || v === null || !isFlag(v.nameIdMatch) || !isFlag(v.mobileMatch) || !isFlag(v.deviceMatch))) {
    return bad('verification', 'checks must be booleans or absent');
  }
  if (p.enterprise !== undefined && !ROLES.includes(p.enterprise.role)) return bad('enterprise.role', 'must be legal_representative, shareholder or individual_business_owner');
  return CHECKED;
}

const ALL_SOURCES: readonly DataSource[] = ['credit_bureau', 'housing_fund', 'social_security', 'tax', 'business_registry', 'bank'];

function missing(s: ApplicantProfile['sources']): DataSource[] {
  const out: DataSource[] = [];
  for (const src of ALL_SOURCES) if (s[src] === undefined) out.push(src);
  return out;
}

/**
 * Derives facts for a decision on `asOf`. Errors: the ID number's (ID_NUMBER_*), MOBILE_FORMAT,
 * ENTERPRISE_REQUIRED (enterprise product without enterprise), USCC_*, BUSINESS_ESTABLISHED_INVALID,
 * PROFILE_INVALID, AS_OF_INVALID.
 */
export function deriveApplicantFacts(profile: ApplicantProfile, segment: 'individual' | 'enterprise', policy: LimitPolicy, asOf: IsoDate): Result<ApplicantFacts> {
  if (typeof profile !== 'object' || profile === null || typeof profile.person !== 'object' || profile.person === null) return bad('person', 'missing');
  const id = validateResidentId(profile.person.idNumber, asOf);
  if (!id.ok) return id;
  const mobile = validateMobile(profile.person.mobile);
  if (!mobile.ok) return mobile;
  const checked = checkSources(profile);
  if (!checked.ok) return checked;
  const s = profile.sources;

  let enterprise: ApplicantFacts['enterprise'] = null;
  if (profile.enterprise !== undefined) {
    const code = validateSocialCreditCode(profile.enterprise.uscc);
    if (!code.ok) return code;
    enterprise = { code: code.value, role: profile.enterprise.role };
  } else if (segment === 'enterprise') {
    return err(coreError('ENTERPRISE_REQUIRED', 'an enterprise product needs the enterprise name, USCC and role', 'enterprise', '请补充企业名称和统一社会信用代码'));
  }
  let businessYears: number | null = null;
  const registry = s.business_registry;
  if (registry !== undefined) {
    const est = parseIsoDate(registry.establishedOn);
    const on = parseIsoDate(asOf) as NonNullable<ReturnType<typeof parseIsoDate>>;
    if (est === null || registry.establishedOn > asOf) return err(coreError('BUSINESS_ESTABLISHED_INVALID', `establishedOn ${String(registry.establishedOn)} is not a date on or before ${asOf}`, 'sources.business_registry.establishedOn'));
    businessYears = ageOn(est, on);
  }

  const hf = s.housing_fund;
  const hfIncome = hf !== undefined && hf.monthlyContribution > 0 ? Math.floor(hf.monthlyContribution / (2 * policy.housingFundRatePerSide)) : null;
  const payIncome = s.bank?.payroll === true && s.bank.payrollMonthlyAverage !== undefined && s.bank.payrollMonthlyAverage > 0 ? s.bank.payrollMonthlyAverage : null;
  const verified = hfIncome === null ? payIncome : payIncome === null ? hfIncome : Math.max(hfIncome, payIncome);
  const declared = profile.declaredMonthlyIncome !== undefined && profile.declaredMonthlyIncome > 0 ? Math.floor(profile.declaredMonthlyIncome * policy.declaredIncomeHaircut) : null;
  const assessed = verified ?? (declared !== null && declared > 0 ? declared : null);
  const existingMonthlyDebt = s.credit_bureau?.monthlyDebtPayments ?? null;

  return ok({
    asOf,
    identity: id.value,
    birth: { year: Number(id.value.birthDate.slice(0, 4)), month: Number(id.value.birthDate.slice(5, 7)), day: Number(id.value.birthDate.slice(8, 10)) },
    mobile: mobile.value,
    enterprise,
    businessStatus: registry?.status ?? null,
    businessYears,
    verifiedMonthlyIncome: verified,
    assessedMonthlyIncome: assessed,
    incomeBasis: verified !== null ? 'verified' : assessed !== null ? 'declared' : 'none',
    existingMonthlyDebt,
    existingDti: assessed !== null && existingMonthlyDebt !== null ? existingMonthlyDebt / assessed : null,
    missingSources: missing(s),
  });
}

/** The application scorecard's inputs (variable names of DEMO_APPLICATION_SCORECARD); absent data → null. */
export function applicationFeatures(facts: ApplicantFacts, profile: ApplicantProfile): FeatureVector {
  const s = profile.sources;
  const b = s.credit_bureau;
  return {
    age: facts.identity.age,
    creditHistoryMonths: b?.historyMonths ?? null,
    overdueCount24m: b?.overdue24m.totalCount ?? null,
    hardInquiries3m: b?.hardInquiries3m ?? null,
    unsettledLenders: b?.unsettledLenders ?? null,
    existingDti: facts.existingDti,
    housingFundMonths: s.housing_fund?.months ?? null,
    socialSecurityMonths: s.social_security?.months ?? null,
    depositAvg6mYuan: s.bank === undefined ? null : s.bank.depositAvg6m / 100,
    payroll: s.bank === undefined ? null : s.bank.payroll ? 'yes' : 'no',
    bankCustomerMonths: s.bank?.customerMonths ?? null,
    businessYears: facts.businessYears,
    taxCreditGrade: s.tax?.creditGrade ?? null,
  };
}
