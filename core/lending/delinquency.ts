/** Overdue buckets by days past due (DPD): M0 current, M1 1–30, M2 31–60, M3 61–90, M3+ over 90. */
export type DelinquencyBucket = 'M0' | 'M1' | 'M2' | 'M3' | 'M3+';

/** The bucket for a number of days past due. */
export function delinquencyBucket(daysPastDue: number): DelinquencyBucket {
  if (daysPastDue <= 0) return 'M0';
  if (daysPastDue <= 30) return 'M1';
  if (daysPastDue <= 60) return 'M2';
  if (daysPastDue <= 90) return 'M3';
  return 'M3+';
}

/** Five-tier loan classification (五级分类). */
export type LoanClass = 'normal' | 'special_mention' | 'substandard' | 'doubtful' | 'loss';

export const LOAN_CLASS_NAMES_ZH: Readonly<Record<LoanClass, string>> = {
  normal: '正常',
  special_mention: '关注',
  substandard: '次级',
  doubtful: '可疑',
  loss: '损失',
};

/**
 * DPD floors of the classification: a loan more than N days past due is at least that class.
 * Defaults read from the 2023 risk-classification rules for commercial banks' financial assets
 * (商业银行金融资产风险分类办法, CBIRC/PBoC 2023 No. 1) — (check): any overdue → 关注, >90 → 次级,
 * >270 → 可疑, >360 → 损失. Only the DPD floor is modelled; banks may classify worse on other evidence.
 */
export interface ClassificationThresholds {
  readonly specialMentionAfterDays: number;
  readonly substandardAfterDays: number;
  readonly doubtfulAfterDays: number;
  readonly lossAfterDays: number;
}

export const DEFAULT_CLASSIFICATION_THRESHOLDS: ClassificationThresholds = {
  specialMentionAfterDays: 0,
  substandardAfterDays: 90,
  doubtfulAfterDays: 270,
  lossAfterDays: 360,
};

/** The five-tier class a loan's days past due imply at least. */
export function classifyLoan(daysPastDue: number, thresholds: ClassificationThresholds = DEFAULT_CLASSIFICATION_THRESHOLDS): LoanClass {
  if (daysPastDue > thresholds.lossAfterDays) return 'loss';
  if (daysPastDue > thresholds.doubtfulAfterDays) return 'doubtful';
  if (daysPastDue > thresholds.substandardAfterDays) return 'substandard';
  if (daysPastDue > thresholds.specialMentionAfterDays) return 'special_mention';
  return 'normal';
}
