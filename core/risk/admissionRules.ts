import type { BusinessStatus, CreditBureauReport, DataSource, EnterpriseRole, IdentityVerification, WatchlistCheck } from './applicantProfile.js';
import { RISK_REASONS, type RiskReasonCode } from './riskReasons.js';

/**
 * Admission and anti-fraud rules as data: each rule names a kind and its product-configurable
 * thresholds and severity. Evaluation returns one result per rule (passed ones too, for audit).
 */

export type RuleSeverity = 'decline' | 'manual_review';

export type AdmissionRule =
  /** 18-digit ID number valid with a real birth date (GB 11643). */
  | { readonly kind: 'resident_id'; readonly severity: RuleSeverity }
  /** Age window on the decision date, and age at maturity (of the loan, or of the line when revolving). */
  | { readonly kind: 'age'; readonly minAge: number; readonly maxAge: number; readonly maxAgeAtMaturity: number; readonly severity: RuleSeverity }
  /** Enterprise applicants: USCC valid (GB 32100). */
  | { readonly kind: 'enterprise_uscc'; readonly severity: RuleSeverity }
  /** Enterprise applicants: the applicant's role must be one of these. */
  | { readonly kind: 'enterprise_role'; readonly allowedRoles: readonly EnterpriseRole[]; readonly severity: RuleSeverity }
  /** Enterprise applicants: registry status must be active. */
  | { readonly kind: 'business_status'; readonly severity: RuleSeverity }
  /** Enterprise applicants: registered at least this many years. */
  | { readonly kind: 'business_age'; readonly minYears: number; readonly severity: RuleSeverity }
  /** Court defaulter list (失信被执行人) and bank blacklist. */
  | { readonly kind: 'watchlist'; readonly severity: RuleSeverity }
  /** "连三累六": fails when the longest overdue run reaches `failAtConsecutive` or the count reaches `failAtTotal` (24 months). */
  | { readonly kind: 'overdue_history'; readonly failAtConsecutive: number; readonly failAtTotal: number; readonly severity: RuleSeverity }
  | { readonly kind: 'current_overdue'; readonly severity: RuleSeverity }
  /** Hard inquiries in 3 months must be ≤ max. */
  | { readonly kind: 'hard_inquiries'; readonly max: number; readonly severity: RuleSeverity }
  /** Lenders with unsettled credit must be ≤ max (多头借贷). */
  | { readonly kind: 'multi_lender'; readonly max: number; readonly severity: RuleSeverity }
  /** (Existing monthly debt + new instalment) / monthly income must be ≤ max. */
  | { readonly kind: 'debt_to_income'; readonly max: number; readonly severity: RuleSeverity }
  /** Name, ID number and mobile belong together (public security + operator checks). */
  | { readonly kind: 'identity_consistency'; readonly severity: RuleSeverity }
  /** Device is the applicant's own. */
  | { readonly kind: 'device_consistency'; readonly severity: RuleSeverity }
  /** Credit history at least `minHistoryMonths` for automatic approval. */
  | { readonly kind: 'thin_file'; readonly minHistoryMonths: number; readonly severity: RuleSeverity };

export type RuleKind = AdmissionRule['kind'] | 'required_sources';

export const RULE_KINDS: readonly RuleKind[] = Object.freeze([
  'resident_id', 'age', 'enterprise_uscc', 'enterprise_role', 'business_status', 'business_age', 'watchlist', 'overdue_history',
  'current_overdue', 'hard_inquiries', 'multi_lender', 'debt_to_income', 'identity_consistency', 'device_consistency', 'thin_file', 'required_sources',
]);

export type RuleStatus = 'passed' | 'failed' | 'insufficient_data' | 'not_applicable';

export interface RuleResult {
  readonly rule: RuleKind;
  readonly status: RuleStatus;
  /** Reason code when failed or insufficient_data; null otherwise. */
  readonly code: RiskReasonCode | null;
  /** Effect when failed or insufficient_data; null otherwise. */
  readonly severity: RuleSeverity | null;
  /** Borrower-safe Chinese text when failed or insufficient_data; null otherwise. */
  readonly messageZh: string | null;
  /** Internal English: observed values against thresholds. */
  readonly detail: string;
}

/** What the rules read: derived from the profile by the decision (or built directly in tests). */
export interface RuleFacts {
  readonly idValid: boolean;
  readonly age: number | null;
  readonly ageAtMaturity: number | null;
  /** Null when the applicant gave no enterprise. */
  readonly usccValid: boolean | null;
  readonly enterpriseRole: EnterpriseRole | null;
  readonly businessStatus: BusinessStatus | null;
  readonly businessYears: number | null;
  readonly bureau: CreditBureauReport | null;
  readonly watchlist: WatchlistCheck | null;
  readonly verification: IdentityVerification | null;
  /** Debt-to-income including the new instalment; null when it cannot be computed. */
  readonly dti: number | null;
  /** Why dti is null. */
  readonly dtiUnknown: 'INCOME_UNKNOWN' | 'DATA_MISSING_CREDIT_BUREAU' | null;
  readonly missingRequiredSources: readonly DataSource[];
}

const passed = (rule: RuleKind, detail: string): RuleResult => ({ rule, status: 'passed', code: null, severity: null, messageZh: null, detail });
const notApplicable = (rule: RuleKind, detail: string): RuleResult => ({ rule, status: 'not_applicable', code: null, severity: null, messageZh: null, detail });
const failed = (rule: RuleKind, code: RiskReasonCode, severity: RuleSeverity, detail: string): RuleResult => ({ rule, status: 'failed', code, severity, messageZh: RISK_REASONS[code].zh, detail });
const insufficient = (rule: RuleKind, code: RiskReasonCode, severity: RuleSeverity, detail: string): RuleResult => ({
  rule, status: 'insufficient_data', code, severity, messageZh: RISK_REASONS[code].zh, detail,
});

const MISSING_CODE: Readonly<Record<DataSource, RiskReasonCode>> = {
  credit_bureau: 'DATA_MISSING_CREDIT_BUREAU',
  housing_fund: 'DATA_MISSING_HOUSING_FUND',
  social_security: 'DATA_MISSING_SOCIAL_SECURITY',
  tax: 'DATA_MISSING_TAX',
  business_registry: 'DATA_MISSING_BUSINESS_REGISTRY',
  bank: 'DATA_MISSING_BANK',
};

/** The reason code for a source that is absent. */
export const missingSourceCode = (source: DataSource): RiskReasonCode => MISSING_CODE[source];

const noBureau = (rule: RuleKind, severity: RuleSeverity): RuleResult => insufficient(rule, 'DATA_MISSING_CREDIT_BUREAU', severity, 'credit bureau report absent');

function evaluateOne(rule: AdmissionRule, f: RuleFacts, insufficientSeverity: RuleSeverity): RuleResult {
  const s = rule.severity;
  switch (rule.kind) {
    case 'resident_id':
      return f.idValid ? passed('resident_id', 'ID number valid') : failed('resident_id', 'ID_NUMBER_INVALID', s, 'ID number invalid');
    case 'age': {
      if (f.age === null || f.ageAtMaturity === null) return failed('age', 'ID_NUMBER_INVALID', s, 'age unknown: ID number invalid');
      const window = `age ${f.age} (window ${rule.minAge}–${rule.maxAge}), ${f.ageAtMaturity} at maturity (max ${rule.maxAgeAtMaturity})`;
      if (f.age < rule.minAge) return failed('age', 'AGE_BELOW_MIN', s, window);
      if (f.age > rule.maxAge) return failed('age', 'AGE_ABOVE_MAX', s, window);
      if (f.ageAtMaturity > rule.maxAgeAtMaturity) return failed('age', 'AGE_AT_MATURITY_ABOVE_MAX', s, window);
      return passed('age', window);
    }
    case 'enterprise_uscc':
      if (f.usccValid === null) return notApplicable('enterprise_uscc', 'no enterprise on the application');
      return f.usccValid ? passed('enterprise_uscc', 'USCC valid') : failed('enterprise_uscc', 'USCC_INVALID', s, 'USCC invalid');
    case 'enterprise_role':
      if (f.enterpriseRole === null) return notApplicable('enterprise_role', 'no enterprise on the application');
      return rule.allowedRoles.includes(f.enterpriseRole)
        ? passed('enterprise_role', `role ${f.enterpriseRole} admitted`)
        : failed('enterprise_role', 'ENTERPRISE_ROLE_NOT_ALLOWED', s, `role ${f.enterpriseRole} not in ${rule.allowedRoles.join('/')}`);
    case 'business_status':
      if (f.usccValid === null) return notApplicable('business_status', 'no enterprise on the application');
      if (f.businessStatus === null) return insufficient('business_status', 'DATA_MISSING_BUSINESS_REGISTRY', insufficientSeverity, 'business registry absent');
      return f.businessStatus === 'active' ? passed('business_status', 'registry status active') : failed('business_status', 'BUSINESS_NOT_ACTIVE', s, `registry status ${f.businessStatus}`);
    case 'business_age':
      if (f.usccValid === null) return notApplicable('business_age', 'no enterprise on the application');
      if (f.businessYears === null) return insufficient('business_age', 'DATA_MISSING_BUSINESS_REGISTRY', insufficientSeverity, 'business registry absent');
      return f.businessYears >= rule.minYears
        ? passed('business_age', `registered ${f.businessYears} years (min ${rule.minYears})`)
        : failed('business_age', 'BUSINESS_TOO_YOUNG', s, `registered ${f.businessYears} years (min ${rule.minYears})`);
    case 'watchlist':
      if (f.watchlist === null) return insufficient('watchlist', 'WATCHLIST_NOT_CHECKED', insufficientSeverity, 'watchlist check absent');
      if (f.watchlist.courtDefaulter) return failed('watchlist', 'COURT_DEFAULTER', s, 'court defaulter list hit');
      if (f.watchlist.bankBlacklist) return failed('watchlist', 'BANK_BLACKLIST', s, 'bank blacklist hit');
      return passed('watchlist', 'no court defaulter or blacklist hit');
    case 'overdue_history': {
      if (f.bureau === null) return noBureau('overdue_history', insufficientSeverity);
      const o = f.bureau.overdue24m;
      const detail = `24m overdue: max consecutive ${o.maxConsecutive} (fails at ${rule.failAtConsecutive}), total ${o.totalCount} (fails at ${rule.failAtTotal})`;
      return o.maxConsecutive >= rule.failAtConsecutive || o.totalCount >= rule.failAtTotal ? failed('overdue_history', 'OVERDUE_HISTORY', s, detail) : passed('overdue_history', detail);
    }
    case 'current_overdue':
      if (f.bureau === null) return noBureau('current_overdue', insufficientSeverity);
      return f.bureau.currentOverdue ? failed('current_overdue', 'CURRENT_OVERDUE', s, 'an account is overdue now') : passed('current_overdue', 'nothing overdue now');
    case 'hard_inquiries': {
      if (f.bureau === null) return noBureau('hard_inquiries', insufficientSeverity);
      const detail = `hard inquiries 3m ${f.bureau.hardInquiries3m} (max ${rule.max})`;
      return f.bureau.hardInquiries3m > rule.max ? failed('hard_inquiries', 'HARD_INQUIRIES_EXCESSIVE', s, detail) : passed('hard_inquiries', detail);
    }
    case 'multi_lender': {
      if (f.bureau === null) return noBureau('multi_lender', insufficientSeverity);
      const detail = `unsettled lenders ${f.bureau.unsettledLenders} (max ${rule.max})`;
      return f.bureau.unsettledLenders > rule.max ? failed('multi_lender', 'MULTI_LENDER_EXCESSIVE', s, detail) : passed('multi_lender', detail);
    }
    case 'debt_to_income': {
      if (f.dti === null) {
        const code = f.dtiUnknown ?? 'INCOME_UNKNOWN';
        return insufficient('debt_to_income', code, insufficientSeverity, code === 'INCOME_UNKNOWN' ? 'no income to measure DTI' : 'existing debt unknown (no bureau)');
      }
      const detail = `DTI ${Math.round(f.dti * 1000) / 10}% incl. new instalment (max ${Math.round(rule.max * 1000) / 10}%)`;
      return f.dti > rule.max ? failed('debt_to_income', 'DTI_TOO_HIGH', s, detail) : passed('debt_to_income', detail);
    }
    case 'identity_consistency': {
      const v = f.verification;
      if (v === null || v.nameIdMatch === undefined || v.mobileMatch === undefined) {
        return insufficient('identity_consistency', 'IDENTITY_NOT_VERIFIED', insufficientSeverity, 'name/ID or mobile check not performed');
      }
      return v.nameIdMatch && v.mobileMatch
        ? passed('identity_consistency', 'name/ID and mobile match')
        : failed('identity_consistency', 'IDENTITY_MISMATCH', s, `nameIdMatch=${v.nameIdMatch} mobileMatch=${v.mobileMatch}`);
    }
    case 'device_consistency': {
      const d = f.verification?.deviceMatch;
      if (d === undefined) return insufficient('device_consistency', 'IDENTITY_NOT_VERIFIED', insufficientSeverity, 'device check not performed');
      return d ? passed('device_consistency', 'device matches') : failed('device_consistency', 'DEVICE_MISMATCH', s, 'device mismatch');
    }
    case 'thin_file': {
      if (f.bureau === null) return noBureau('thin_file', insufficientSeverity);
      const detail = `credit history ${f.bureau.historyMonths} months (min ${rule.minHistoryMonths})`;
      return f.bureau.historyMonths < rule.minHistoryMonths ? failed('thin_file', 'THIN_CREDIT_FILE', s, detail) : passed('thin_file', detail);
    }
    default: {
      const never: never = rule;
      throw new RangeError(`unknown rule kind ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Evaluates every rule in order, then one `required_sources` result per missing required source
 * (or one passed result). Missing inputs give `insufficient_data` with `insufficientSeverity`.
 */
export function evaluateAdmissionRules(rules: readonly AdmissionRule[], facts: RuleFacts, insufficientSeverity: RuleSeverity): RuleResult[] {
  const out: RuleResult[] = new Array(rules.length);
  for (let i = 0; i < rules.length; i++) out[i] = evaluateOne(rules[i] as AdmissionRule, facts, insufficientSeverity);
  if (facts.missingRequiredSources.length === 0) out.push(passed('required_sources', 'all required sources present'));
  else for (const src of facts.missingRequiredSources) out.push(insufficient('required_sources', MISSING_CODE[src], insufficientSeverity, `required source ${src} absent`));
  return out;
}
