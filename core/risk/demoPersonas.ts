import type { ApplicantProfile } from './applicantProfile.js';
import type { DecisionOutcome } from './decideApplication.js';
import { DEMO_ENTERPRISE_PRODUCT, DEMO_PERSONAL_PRODUCT } from './demoProducts.js';

/**
 * Demo personas for the sandbox data providers: SYNTHETIC people whose ID numbers, USCC and
 * mobiles are generated test values (valid check digits, no real person). Keyed by ID number;
 * `expected` is the outcome on `productId` as of DEMO_AS_OF (a test keeps it true).
 */

/** The date the expected outcomes hold on. */
export const DEMO_AS_OF = '2025-06-30';

export type DemoPersonaKey = 'excellent' | 'thin_file' | 'blacklisted' | 'multi_lender' | 'enterprise_owner';

export interface DemoPersona {
  readonly key: DemoPersonaKey;
  readonly labelZh: string;
  readonly description: string;
  readonly productId: string;
  readonly expected: DecisionOutcome;
  readonly profile: ApplicantProfile;
}

const clean = { courtDefaulter: false, bankBlacklist: false } as const;
const verified = { nameIdMatch: true, mobileMatch: true, deviceMatch: true } as const;

const personas: readonly DemoPersona[] = [
  {
    key: 'excellent',
    labelZh: '优质客户(公积金、代发工资、征信良好)',
    description: 'Long clean credit file, 8 years of housing fund, payroll at the bank: grade A at 6.48%; asks ¥200,000, offered the DTI-bound limit.',
    productId: DEMO_PERSONAL_PRODUCT.id,
    expected: 'approved',
    profile: {
      person: { name: '陈思远', idNumber: '430702198605120230', mobile: '13807360001' },
      request: { amount: 20_000_000, termMonths: 12, repaymentMethod: 'daily_revolving', purpose: 'business' },
      declaredMonthlyIncome: 1_600_000,
      sources: {
        credit_bureau: { overdue24m: { maxConsecutive: 0, totalCount: 0 }, hardInquiries3m: 1, unsettledLenders: 1, monthlyDebtPayments: 200_000, historyMonths: 120, currentOverdue: false },
        housing_fund: { monthlyContribution: 360_000, months: 96 },
        social_security: { months: 120 },
        bank: { depositAvg6m: 15_000_000, payroll: true, payrollMonthlyAverage: 1_400_000, customerMonths: 100 },
      },
      watchlist: clean,
      verification: verified,
    },
  },
  {
    key: 'thin_file',
    labelZh: '征信记录较少的年轻客户',
    description: 'Four months of credit history, no housing fund; payroll at the bank. Scores grade B but the thin-file rule sends it to manual review.',
    productId: DEMO_PERSONAL_PRODUCT.id,
    expected: 'manual_review',
    profile: {
      person: { name: '李晓薇', idNumber: '430702199903080243', mobile: '13907360002' },
      request: { amount: 3_000_000, termMonths: 12, repaymentMethod: 'equal_installment', purpose: 'consumer' },
      declaredMonthlyIncome: 700_000,
      sources: {
        credit_bureau: { overdue24m: { maxConsecutive: 0, totalCount: 0 }, hardInquiries3m: 1, unsettledLenders: 0, monthlyDebtPayments: 0, historyMonths: 4, currentOverdue: false },
        social_security: { months: 30 },
        bank: { depositAvg6m: 6_000_000, payroll: true, payrollMonthlyAverage: 650_000, customerMonths: 30 },
      },
      watchlist: clean,
      verification: verified,
    },
  },
  {
    key: 'blacklisted',
    labelZh: '失信被执行人',
    description: 'On the court defaulter list (失信被执行人): declined by the watchlist rule whatever the score.',
    productId: DEMO_PERSONAL_PRODUCT.id,
    expected: 'declined',
    profile: {
      person: { name: '赵建国', idNumber: '430703198011200272', mobile: '15807360003' },
      request: { amount: 5_000_000, termMonths: 12, repaymentMethod: 'interest_first', purpose: 'business' },
      declaredMonthlyIncome: 1_000_000,
      sources: {
        credit_bureau: { overdue24m: { maxConsecutive: 1, totalCount: 2 }, hardInquiries3m: 2, unsettledLenders: 2, monthlyDebtPayments: 150_000, historyMonths: 90, currentOverdue: false },
        social_security: { months: 60 },
      },
      watchlist: { courtDefaulter: true, bankBlacklist: false },
      verification: verified,
    },
  },
  {
    key: 'multi_lender',
    labelZh: '多头借贷客户',
    description: 'Six lenders with unsettled credit and nine hard inquiries in 3 months (多头借贷): declined.',
    productId: DEMO_PERSONAL_PRODUCT.id,
    expected: 'declined',
    profile: {
      person: { name: '钱晓丽', idNumber: '430721199207150286', mobile: '18607360004' },
      request: { amount: 10_000_000, termMonths: 12, repaymentMethod: 'equal_installment', purpose: 'consumer' },
      declaredMonthlyIncome: 1_200_000,
      sources: {
        credit_bureau: { overdue24m: { maxConsecutive: 1, totalCount: 2 }, hardInquiries3m: 9, unsettledLenders: 6, monthlyDebtPayments: 800_000, historyMonths: 60, currentOverdue: false },
        housing_fund: { monthlyContribution: 180_000, months: 40 },
      },
      watchlist: clean,
      verification: verified,
    },
  },
  {
    key: 'enterprise_owner',
    labelZh: '小微企业主(法定代表人)',
    description: 'Legal representative of a 9-year-old trading company with tax grade A and ¥400,000 average deposits: grade A at 4.50%, asks ¥800,000 on the enterprise product.',
    productId: DEMO_ENTERPRISE_PRODUCT.id,
    expected: 'approved',
    profile: {
      person: { name: '孙立强', idNumber: '43070219780203031X', mobile: '13507360005' },
      enterprise: { name: '常德市立强商贸有限公司(演示)', uscc: '914307022016040119', role: 'legal_representative' },
      request: { amount: 80_000_000, termMonths: 12, repaymentMethod: 'interest_first', purpose: 'business' },
      declaredMonthlyIncome: 5_000_000,
      sources: {
        credit_bureau: { overdue24m: { maxConsecutive: 0, totalCount: 0 }, hardInquiries3m: 2, unsettledLenders: 2, monthlyDebtPayments: 300_000, historyMonths: 150, currentOverdue: false },
        social_security: { months: 60 },
        tax: { annualTaxPaid: 18_000_000, creditGrade: 'A' },
        business_registry: { status: 'active', establishedOn: '2016-04-01' },
        bank: { depositAvg6m: 40_000_000, payroll: false, customerMonths: 84 },
      },
      watchlist: clean,
      verification: verified,
    },
  },
];

/** Demo personas keyed by their (synthetic, valid) ID numbers. */
export const DEMO_PERSONAS: Readonly<Record<string, DemoPersona>> = Object.freeze(Object.fromEntries(personas.map((p) => [p.profile.person.idNumber, p])));

/** The persona with a key (`excellent`, `thin_file`, …). */
export const demoPersona = (key: DemoPersonaKey): DemoPersona => personas.find((p) => p.key === key) as DemoPersona;
