import { coreError, err, ok, type CoreError, type Result } from '../result.js';

/** The kinds of record the retention job looks after, each with its own period and mode. */
export const RETENTION_KINDS = ['conversations', 'contactLogs', 'consents', 'loanRecords', 'audit', 'idempotency', 'jobs', 'technical'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** archive: written to a compressed export file, then deleted; delete: deleted only. */
export type RetentionMode = 'archive' | 'delete';

/** A period in days, or in calendar years (loan records are counted in years, as the rules are). */
export type RetentionPeriod = { readonly days: number } | { readonly years: number };

export interface RetentionPolicy {
  readonly periods: Readonly<Record<RetentionKind, RetentionPeriod>>;
  readonly modes: Readonly<Record<RetentionKind, RetentionMode>>;
}

/**
 * The least a bank may configure, with the rule behind it. Kinds without a rule of their own keep
 * at least a day, so a setting of 0 cannot delete what was just written.
 */
export const RETENTION_FLOORS: Readonly<Record<RetentionKind, { readonly period: RetentionPeriod; readonly rule: string }>> = {
  conversations: { period: { days: 1 }, rule: 'at least a day' },
  // 催收 contacts are kept at least 2 years (the bank's collection rules; 互联网贷款 post-loan records).
  contactLogs: { period: { days: 730 }, rule: 'collection contacts are kept at least 2 years' },
  consents: { period: { days: 1 }, rule: 'at least a day after nothing it authorised is left' },
  // Loan files and ledgers at least 5 years after the line is settled (会计档案管理办法, 反洗钱法 art. 34).
  loanRecords: { period: { years: 5 }, rule: 'loan records and ledgers are kept at least 5 years after settlement' },
  // 网络安全法 art. 21(3): network logs kept at least six months.
  audit: { period: { days: 180 }, rule: 'logs are kept at least 6 months (网络安全法 art. 21)' },
  idempotency: { period: { days: 1 }, rule: 'a retried effect must find its result for at least a day' },
  jobs: { period: { days: 1 }, rule: 'at least a day' },
  technical: { period: { days: 1 }, rule: 'at least a day' },
};

export const DEFAULT_RETENTION_POLICY: RetentionPolicy = {
  periods: {
    conversations: { days: 1095 },
    contactLogs: { days: 730 },
    // Three years after nothing it authorised is left: the general limitation period (民法典 art. 188).
    consents: { days: 1095 },
    loanRecords: { years: 5 },
    audit: { days: 1825 },
    idempotency: { days: 7 },
    jobs: { days: 7 },
    technical: { days: 7 },
  },
  modes: {
    conversations: 'archive',
    contactLogs: 'archive',
    consents: 'archive',
    loanRecords: 'archive',
    audit: 'archive',
    idempotency: 'delete',
    jobs: 'delete',
    technical: 'delete',
  },
};

/** A period's length in days, years counted as 365 (only to compare with a floor of the same unit). */
const inDays = (p: RetentionPeriod): number => ('years' in p ? p.years * 365 : p.days);

/** Refuses a period below its kind's floor, or a period that is not a whole positive number. */
export function validateRetentionPolicy(policy: RetentionPolicy): Result<RetentionPolicy, CoreError & { readonly field: RetentionKind }> {
  for (const kind of RETENTION_KINDS) {
    const period = policy.periods[kind];
    const value = 'years' in period ? period.years : period.days;
    if (!Number.isInteger(value) || value < 0) return err({ ...coreError('RETENTION_PERIOD_INVALID', 'must be a whole number'), field: kind });
    const floor = RETENTION_FLOORS[kind];
    if (inDays(period) < inDays(floor.period)) {
      const least = 'years' in floor.period ? `${floor.period.years} years` : `${floor.period.days} days`;
      return err({ ...coreError('RETENTION_BELOW_FLOOR', `is below ${least}: ${floor.rule}`), field: kind });
    }
  }
  return ok(policy);
}

/** The moment before which a record of this kind has passed its period (the period counted back from `now`). */
export function retentionCutoff(period: RetentionPeriod, now: Date): Date {
  const cutoff = new Date(now.getTime());
  if ('years' in period) cutoff.setUTCFullYear(cutoff.getUTCFullYear() - period.years);
  else cutoff.setTime(cutoff.getTime() - period.days * 86_400_000);
  return cutoff;
}
