import { coreError, err, ok, type Result } from '../result.js';
import type { LoanPurpose } from './applicantProfile.js';
import { addDays, parseIsoDate, type IsoDate } from '../calendar/index.js';
import { earlyWarning, warningRank, type BehaviourSignals, type EarlyWarning, type WarningLevel, type WarningPolicy } from './earlyWarning.js';
import { RISK_REASONS, type RiskReason, type RiskReasonCode } from './riskReasons.js';
import type { Scorecard } from './scorecard.js';

/**
 * Renewal screening before maturity (无还本续贷): a good business borrower may continue the loan
 * without repaying first. Screened automatically inside a window of `windowDays` before maturity
 * (maturity day included); outside it the screen still reports the other reasons.
 */

export interface RenewalPolicy {
  readonly windowDays: number;
  /** Worst days past due allowed during the term. */
  readonly maxDpdDuringTerm: number;
  /** Highest early-warning level still eligible. */
  readonly maxWarningLevel: WarningLevel;
  readonly minBehaviourScore: number;
}

export const DEFAULT_RENEWAL_POLICY: RenewalPolicy = Object.freeze({ windowDays: 30, maxDpdDuringTerm: 0, maxWarningLevel: 'none', minBehaviourScore: 620 });

export interface RenewalInput {
  readonly purpose: LoanPurpose;
  readonly maturityDate: IsoDate;
  readonly maxDpdDuringTerm: number;
  readonly signals: BehaviourSignals;
}

export interface RenewalScreen {
  readonly eligible: boolean;
  readonly windowOpensOn: IsoDate;
  readonly windowClosesOn: IsoDate;
  readonly reasons: readonly RiskReason[];
  readonly warning: EarlyWarning;
}

const reason = (code: RiskReasonCode, detail: string): RiskReason => ({ code, messageZh: RISK_REASONS[code].zh, detail });

/** Screens one loan for renewal on `asOf`. RENEWAL_INPUT_INVALID / SIGNALS_INVALID on malformed input. */
export function screenRenewal(
  input: RenewalInput,
  asOf: IsoDate,
  options: { readonly policy?: RenewalPolicy; readonly warningPolicy?: WarningPolicy; readonly behaviourCard?: Scorecard } = {},
): Result<RenewalScreen> {
  const policy = options.policy ?? DEFAULT_RENEWAL_POLICY;
  if (parseIsoDate(asOf) === null) return err(coreError('AS_OF_INVALID', `asOf is not an ISO date: ${String(asOf)}`, 'asOf'));
  if (parseIsoDate(input.maturityDate) === null) return err(coreError('RENEWAL_INPUT_INVALID', 'maturityDate is not an ISO date', 'maturityDate'));
  if (!Number.isSafeInteger(input.maxDpdDuringTerm) || input.maxDpdDuringTerm < 0) return err(coreError('RENEWAL_INPUT_INVALID', 'maxDpdDuringTerm must be a whole number ≥ 0', 'maxDpdDuringTerm'));
  const warning = earlyWarning(input.signals, {
    ...(options.warningPolicy === undefined ? {} : { policy: options.warningPolicy }),
    ...(options.behaviourCard === undefined ? {} : { behaviourCard: options.behaviourCard }),
  });
  if (!warning.ok) return warning;
  const w = warning.value;
  const opens = addDays(input.maturityDate, -policy.windowDays);
  const reasons: RiskReason[] = [];
  if (input.purpose !== 'business') reasons.push(reason('RENEWAL_NOT_BUSINESS', `purpose ${input.purpose}`));
  if (asOf < opens) reasons.push(reason('RENEWAL_WINDOW_NOT_OPEN', `window opens ${opens}`));
  if (asOf > input.maturityDate) reasons.push(reason('RENEWAL_MATURED', `matured ${input.maturityDate}`));
  if (input.maxDpdDuringTerm > policy.maxDpdDuringTerm) reasons.push(reason('RENEWAL_OVERDUE_HISTORY', `max DPD ${input.maxDpdDuringTerm} (allowed ${policy.maxDpdDuringTerm})`));
  if (warningRank(w.level) > warningRank(policy.maxWarningLevel)) reasons.push(reason('RENEWAL_WARNING_LEVEL', `warning ${w.level}: ${w.reasons.map((r) => r.code).join(', ')}`));
  if (w.behaviourScore !== null && w.behaviourScore.total < policy.minBehaviourScore) {
    reasons.push(reason('RENEWAL_BEHAVIOUR_SCORE_LOW', `behaviour score ${w.behaviourScore.total} (min ${policy.minBehaviourScore})`));
  }
  const status = input.signals.businessStatus;
  if (status === undefined) reasons.push(reason('RENEWAL_BUSINESS_DATA_MISSING', 'business registry status not observed'));
  else if (status !== 'active') reasons.push(reason('RENEWAL_BUSINESS_NOT_ACTIVE', `business ${status}`));
  return ok({ eligible: reasons.length === 0, windowOpensOn: opens, windowClosesOn: input.maturityDate, reasons, warning: w });
}
