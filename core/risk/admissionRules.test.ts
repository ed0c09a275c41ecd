import { describe, expect, it } from 'vitest';
import { evaluateAdmissionRules, type AdmissionRule, type RuleFacts } from './admissionRules.js';
import { DEFAULT_ADMISSION_RULES } from './demoProducts.js';

const goodFacts: RuleFacts = {
  idValid: true,
  age: 35,
  ageAtMaturity: 38,
  usccValid: null,
  enterpriseRole: null,
  businessStatus: null,
  businessYears: null,
  bureau: { overdue24m: { maxConsecutive: 0, totalCount: 0 }, hardInquiries3m: 1, unsettledLenders: 1, monthlyDebtPayments: 0, historyMonths: 60, currentOverdue: false },
  watchlist: { courtDefaulter: false, bankBlacklist: false },
  verification: { nameIdMatch: true, mobileMatch: true, deviceMatch: true },
  dti: 0.3,
  dtiUnknown: null,
  missingRequiredSources: [],
};

const run = (facts: Partial<RuleFacts>, rules: readonly AdmissionRule[] = DEFAULT_ADMISSION_RULES) => evaluateAdmissionRules(rules, { ...goodFacts, ...facts }, 'manual_review');
const failures = (facts: Partial<RuleFacts>) => run(facts).filter((r) => r.status !== 'passed' && r.status !== 'not_applicable').map((r) => `${r.code}/${r.severity}`);
const bureau = (patch: object) => ({ bureau: { ...(goodFacts.bureau as NonNullable<RuleFacts['bureau']>), ...patch } });

describe('evaluateAdmissionRules', () => {
  it('returns every rule, passed ones included, with internal details', () => {
    const results = run({});
    expect(results.map((r) => r.rule)).toEqual([...DEFAULT_ADMISSION_RULES.map((r) => r.kind), 'required_sources']);
    expect(results.every((r) => r.status === 'passed' && r.code === null && r.messageZh === null && r.detail.length > 0)).toBe(true);
  });

  it('age window 18–65 and ≤ 70 at maturity', () => {
    expect(failures({ age: 17 })).toEqual(['AGE_BELOW_MIN/decline']);
    expect(failures({ age: 18, ageAtMaturity: 19 })).toEqual([]);
    expect(failures({ age: 65, ageAtMaturity: 68 })).toEqual([]);
    expect(failures({ age: 66, ageAtMaturity: 67 })).toEqual(['AGE_ABOVE_MAX/decline']);
    expect(failures({ age: 64, ageAtMaturity: 71 })).toEqual(['AGE_AT_MATURITY_ABOVE_MAX/decline']);
    expect(failures({ idValid: false, age: null, ageAtMaturity: null })).toEqual(['ID_NUMBER_INVALID/decline', 'ID_NUMBER_INVALID/decline']);
  });

  it('"3 in a row / 6 in total" over 24 months', () => {
    expect(failures(bureau({ overdue24m: { maxConsecutive: 2, totalCount: 5 } }))).toEqual([]);
    expect(failures(bureau({ overdue24m: { maxConsecutive: 3, totalCount: 3 } }))).toEqual(['OVERDUE_HISTORY/decline']);
    expect(failures(bureau({ overdue24m: { maxConsecutive: 1, totalCount: 6 } }))).toEqual(['OVERDUE_HISTORY/decline']);
  });

  it('≤ 6 hard inquiries, ≤ 3 unsettled lenders, DTI ≤ 50 %, nothing overdue now', () => {
    expect(failures(bureau({ hardInquiries3m: 6 }))).toEqual([]);
    expect(failures(bureau({ hardInquiries3m: 7 }))).toEqual(['HARD_INQUIRIES_EXCESSIVE/decline']);
    expect(failures(bureau({ unsettledLenders: 3 }))).toEqual([]);
    expect(failures(bureau({ unsettledLenders: 4 }))).toEqual(['MULTI_LENDER_EXCESSIVE/decline']);
    expect(failures({ dti: 0.5 })).toEqual([]);
    expect(failures({ dti: 0.5001 })).toEqual(['DTI_TOO_HIGH/decline']);
    expect(failures(bureau({ currentOverdue: true }))).toEqual(['CURRENT_OVERDUE/decline']);
  });

  it('watchlists and identity consistency', () => {
    expect(failures({ watchlist: { courtDefaulter: true, bankBlacklist: false } })).toEqual(['COURT_DEFAULTER/decline']);
    expect(failures({ watchlist: { courtDefaulter: false, bankBlacklist: true } })).toEqual(['BANK_BLACKLIST/decline']);
    expect(failures({ verification: { nameIdMatch: true, mobileMatch: false, deviceMatch: true } })).toEqual(['IDENTITY_MISMATCH/decline']);
    expect(failures({ verification: { nameIdMatch: true, mobileMatch: true, deviceMatch: false } })).toEqual(['DEVICE_MISMATCH/manual_review']);
    expect(failures(bureau({ historyMonths: 5 }))).toEqual(['THIN_CREDIT_FILE/manual_review']);
  });

  it('missing data gives insufficient_data with the product severity', () => {
    const r = run({ bureau: null, dti: null, dtiUnknown: 'DATA_MISSING_CREDIT_BUREAU', watchlist: null, verification: null, missingRequiredSources: ['credit_bureau'] });
    const insufficient = r.filter((x) => x.status === 'insufficient_data');
    expect(new Set(insufficient.map((x) => x.code))).toEqual(new Set(['DATA_MISSING_CREDIT_BUREAU', 'WATCHLIST_NOT_CHECKED', 'IDENTITY_NOT_VERIFIED']));
    expect(insufficient.every((x) => x.severity === 'manual_review')).toBe(true);
    expect(failures({ dti: null, dtiUnknown: 'INCOME_UNKNOWN' })).toEqual(['INCOME_UNKNOWN/manual_review']);
  });

  it('enterprise rules are not applicable to individuals and check USCC, role, status and age', () => {
    const rules: AdmissionRule[] = [
      { kind: 'enterprise_uscc', severity: 'decline' },
      { kind: 'enterprise_role', allowedRoles: ['legal_representative'], severity: 'decline' },
      { kind: 'business_status', severity: 'decline' },
      { kind: 'business_age', minYears: 1, severity: 'decline' },
    ];
    expect(run({}, rules).slice(0, 4).map((r) => r.status)).toEqual(['not_applicable', 'not_applicable', 'not_applicable', 'not_applicable']);
    const ent = { usccValid: true, enterpriseRole: 'shareholder' as const, businessStatus: 'abnormal' as const, businessYears: 0 };
    expect(run(ent, rules).slice(0, 4).map((r) => r.code)).toEqual([null, 'ENTERPRISE_ROLE_NOT_ALLOWED', 'BUSINESS_NOT_ACTIVE', 'BUSINESS_TOO_YOUNG']);
    expect(run({ usccValid: false, enterpriseRole: 'legal_representative', businessStatus: null, businessYears: null }, rules).slice(0, 4).map((r) => r.code))
      .toEqual(['USCC_INVALID', null, 'DATA_MISSING_BUSINESS_REGISTRY', 'DATA_MISSING_BUSINESS_REGISTRY']);
  });

  it('borrower texts never reveal thresholds or list names beyond the court list', () => {
    const r = run({ ...bureau({ hardInquiries3m: 9, unsettledLenders: 7 }), dti: 0.9, watchlist: { courtDefaulter: false, bankBlacklist: true } });
    for (const x of r.filter((y) => y.messageZh !== null)) {
      expect(x.messageZh).not.toMatch(/\d|黑名单|评分|score/i);
    }
  });
});
