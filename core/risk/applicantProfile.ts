import type { IsoDate } from '../calendar/index.js';
import type { Fen } from './lendingBridge.js';

/**
 * The authorised data a credit decision consumes. Every external source is optional: the
 * borrower may refuse it, or the provider may fail; the decision treats an absent source as
 * "unknown" (the scorecard's missing bin, and rules answer `insufficient_data`). Money in fen.
 */

/** External sources that need the borrower's recorded authorisation before they are pulled. */
export type DataSource = 'credit_bureau' | 'housing_fund' | 'social_security' | 'tax' | 'business_registry' | 'bank';

export const DATA_SOURCES: readonly DataSource[] = Object.freeze(['credit_bureau', 'housing_fund', 'social_security', 'tax', 'business_registry', 'bank']);

/** What the consent screen shows for each source. */
export const DATA_SOURCE_NAMES: Readonly<Record<DataSource, { readonly zh: string; readonly en: string }>> = Object.freeze({
  credit_bureau: { zh: '人民银行征信报告', en: 'PBoC credit bureau report' },
  housing_fund: { zh: '住房公积金缴存信息', en: 'Housing provident fund contributions' },
  social_security: { zh: '社会保险缴纳信息', en: 'Social insurance contributions' },
  tax: { zh: '纳税信息', en: 'Tax records' },
  business_registry: { zh: '工商登记信息', en: 'Business registry record' },
  bank: { zh: '本行账户信息', en: "The bank's own account data" },
});

export type EnterpriseRole = 'legal_representative' | 'shareholder' | 'individual_business_owner';
export type LoanPurpose = 'consumer' | 'business';
export type BusinessStatus = 'active' | 'abnormal' | 'revoked' | 'deregistered';

export interface PersonIdentity {
  readonly name: string;
  /** 18-digit resident ID number; age and sex are derived from it. */
  readonly idNumber: string;
  readonly mobile: string;
}

export interface EnterpriseIdentity {
  readonly name: string;
  /** Unified social credit code. */
  readonly uscc: string;
  /** The applicant's role in the enterprise. */
  readonly role: EnterpriseRole;
}

/** Summary of the PBoC credit report (征信). */
export interface CreditBureauReport {
  /** Overdue history over the last 24 months: longest run and total count of overdue months. */
  readonly overdue24m: { readonly maxConsecutive: number; readonly totalCount: number };
  /** Hard inquiries (loan approval, credit card approval, guarantee checks) in the last 3 months. */
  readonly hardInquiries3m: number;
  /** Institutions with unsettled non-mortgage credit (多头借贷). */
  readonly unsettledLenders: number;
  /** Monthly payments due on existing debts, in fen. */
  readonly monthlyDebtPayments: Fen;
  /** Months since the first credit account was opened; 0 = no credit history (白户). */
  readonly historyMonths: number;
  /** Any account overdue right now. */
  readonly currentOverdue: boolean;
}

export interface HousingFundRecord {
  /** Employee + employer monthly deposit, in fen. */
  readonly monthlyContribution: Fen;
  /** Months of continuous contribution up to now. */
  readonly months: number;
}

export interface SocialSecurityRecord {
  /** Months of continuous pension insurance contribution. */
  readonly months: number;
}

export interface TaxRecord {
  /** Tax paid over the last 12 months, in fen. */
  readonly annualTaxPaid: Fen;
  /** 纳税信用等级 A/B/M/C/D, when known. */
  readonly creditGrade?: 'A' | 'B' | 'M' | 'C' | 'D';
}

export interface BusinessRegistryRecord {
  readonly status: BusinessStatus;
  readonly establishedOn: IsoDate;
}

export interface BankRelationship {
  /** Average deposit balance over the last 6 months, in fen. */
  readonly depositAvg6m: Fen;
  /** Salary paid through the bank (代发工资). */
  readonly payroll: boolean;
  /** Average monthly salary credited, in fen, when payroll. */
  readonly payrollMonthlyAverage?: Fen;
  /** Months since the customer relationship began. */
  readonly customerMonths: number;
}

/** Source id → its data; absent key = not authorised or not available. */
export interface AuthorisedData {
  readonly credit_bureau?: CreditBureauReport;
  readonly housing_fund?: HousingFundRecord;
  readonly social_security?: SocialSecurityRecord;
  readonly tax?: TaxRecord;
  readonly business_registry?: BusinessRegistryRecord;
  readonly bank?: BankRelationship;
}

/** Court defaulter list (失信被执行人, public) and the bank's own blacklist; both checked on the ID number. */
export interface WatchlistCheck {
  readonly courtDefaulter: boolean;
  readonly bankBlacklist: boolean;
}

/** Results of the identity adapters; an absent field was not checked. */
export interface IdentityVerification {
  /** Name and ID number match the public security record. */
  readonly nameIdMatch?: boolean;
  /** The mobile number is registered to this ID (operator 3-factor check). */
  readonly mobileMatch?: boolean;
  /** The device is the applicant's usual one and not linked to other applicants. */
  readonly deviceMatch?: boolean;
}

export interface LoanRequest {
  /** Requested amount in fen. */
  readonly amount: Fen;
  readonly termMonths: number;
  /** A lending repayment method id: equal_installment, equal_principal, interest_first, bullet, daily_revolving. */
  readonly repaymentMethod: string;
  readonly purpose: LoanPurpose;
}

export interface ApplicantProfile {
  readonly person: PersonIdentity;
  /** Required by enterprise-segment products. */
  readonly enterprise?: EnterpriseIdentity;
  readonly request: LoanRequest;
  /** What the borrower says they earn a month, in fen (unverified). */
  readonly declaredMonthlyIncome?: Fen;
  readonly sources: AuthorisedData;
  readonly watchlist?: WatchlistCheck;
  readonly verification?: IdentityVerification;
}
