import type { ApplicantProfile, AuthorisedData } from './applicantProfile.js';
import { addDays, type IsoDate } from '../calendar/index.js';
import { generateMobile } from './mobile.js';
import type { Prng } from './prng.js';
import { generateResidentId } from './residentId.js';
import { generateSocialCreditCode } from './socialCreditCode.js';

/**
 * SYNTHETIC applicants for benchmarks and property tests: a seeded PRNG gives the same stream of
 * profiles on every run. Distributions are invented to exercise every rule and bin, not to
 * resemble any real population.
 */

const REGIONS = ['430702', '430703', '430721', '430723', '410102', '370102', '110105', '440305', '510104', '320102'] as const;
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '周', '吴'] as const;
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '洋', '艳', '军', '杰', '涛'] as const;

export interface SyntheticApplicantOptions {
  /** Enterprise applicant (USCC, tax, registry) instead of an individual. */
  readonly enterprise?: boolean;
  readonly termsMonths?: readonly number[];
  readonly repaymentMethods?: readonly string[];
  readonly purposes?: readonly ('consumer' | 'business')[];
  /** Requested amount range in fen, multiples of ¥1,000 (default ¥1,000–¥500,000). */
  readonly amountRange?: readonly [number, number];
}

/** One synthetic applicant as of `asOf` (mostly aged 20–60, a tail of 16–75 so the age rule both passes and fails). */
export function syntheticApplicant(rng: Prng, asOf: IsoDate, options: SyntheticApplicantOptions = {}): ApplicantProfile {
  const birthDate = addDays(asOf, -(rng.chance(0.9) ? rng.int(20 * 365 + 5, 60 * 365) : rng.int(16 * 365 + 4, 75 * 365)));
  const idNumber = generateResidentId({ regionCode: rng.pick(REGIONS), birthDate, sex: rng.chance(0.5) ? 'male' : 'female', serial: rng.int(0, 499) });
  const income = rng.int(2_000, 60_000) * 100;
  const sources: { -readonly [K in keyof AuthorisedData]: AuthorisedData[K] } = {};
  if (rng.chance(0.93)) {
    const total = rng.chance(0.8) ? 0 : rng.int(1, 8);
    sources.credit_bureau = {
      overdue24m: { maxConsecutive: Math.min(total, rng.int(1, 3)), totalCount: total },
      hardInquiries3m: rng.chance(0.88) ? rng.int(0, 4) : rng.int(5, 12),
      unsettledLenders: rng.chance(0.88) ? rng.int(0, 3) : rng.int(4, 9),
      monthlyDebtPayments: rng.chance(0.4) ? 0 : Math.floor(income * rng.next() * 0.4),
      historyMonths: rng.chance(0.1) ? rng.int(0, 5) : rng.int(6, 240),
      currentOverdue: rng.chance(0.03),
    };
  }
  if (rng.chance(0.5)) sources.housing_fund = { monthlyContribution: Math.floor(income * 0.24), months: rng.int(1, 180) };
  if (rng.chance(0.6)) sources.social_security = { months: rng.int(1, 240) };
  if (rng.chance(0.7)) {
    const payroll = rng.chance(0.4);
    sources.bank = {
      depositAvg6m: rng.int(0, 500_000) * 100,
      payroll,
      ...(payroll ? { payrollMonthlyAverage: Math.floor(income * (0.8 + 0.2 * rng.next())) } : {}),
      customerMonths: rng.int(0, 240),
    };
  }
  let enterprise: ApplicantProfile['enterprise'];
  if (options.enterprise === true) {
    enterprise = {
      name: '演示商贸有限公司',
      uscc: generateSocialCreditCode({ kind: rng.chance(0.7) ? 'enterprise' : 'individual_business', regionCode: rng.pick(REGIONS), serial: rng.int(0, 99_999_999) }),
      role: rng.pick(['legal_representative', 'legal_representative', 'individual_business_owner', 'shareholder'] as const),
    };
    if (rng.chance(0.9)) sources.tax = { annualTaxPaid: rng.int(0, 500_000) * 100, creditGrade: rng.pick(['A', 'B', 'B', 'M', 'C', 'D'] as const) };
    if (rng.chance(0.9)) {
      sources.business_registry = {
        status: rng.pick(['active', 'active', 'active', 'active', 'active', 'active', 'abnormal', 'deregistered'] as const),
        establishedOn: addDays(asOf, -rng.int(30, 20 * 365)),
      };
    }
  }
  return {
    person: { name: rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.chance(0.5) ? rng.pick(GIVEN) : ''), idNumber, mobile: generateMobile(rng.int(0, 2_000_000_000)) },
    ...(enterprise === undefined ? {} : { enterprise }),
    request: {
      amount: rng.int(Math.ceil((options.amountRange?.[0] ?? 100_000) / 100_000), Math.floor((options.amountRange?.[1] ?? 50_000_000) / 100_000)) * 100_000,
      termMonths: rng.pick(options.termsMonths ?? [12]),
      repaymentMethod: rng.pick(options.repaymentMethods ?? ['equal_installment']),
      purpose: rng.pick(options.purposes ?? ['consumer', 'business']),
    },
    ...(rng.chance(0.8) ? { declaredMonthlyIncome: Math.floor(income * (0.9 + 0.6 * rng.next())) } : {}),
    sources,
    ...(rng.chance(0.97) ? { watchlist: { courtDefaulter: rng.chance(0.02), bankBlacklist: rng.chance(0.01) } } : {}),
    ...(rng.chance(0.97) ? { verification: { nameIdMatch: rng.chance(0.99), mobileMatch: rng.chance(0.98), deviceMatch: rng.chance(0.97) } } : {}),
  };
}
