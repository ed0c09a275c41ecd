import { coreError, err, ok, type Result } from '../result.js';
import type { BusinessStatus } from './applicantProfile.js';
import { DEMO_BEHAVIOUR_SCORECARD } from './demoScorecards.js';
import type { Fen } from './lendingBridge.js';
import { RISK_REASONS, type RiskReasonCode } from './riskReasons.js';
import { score, type FeatureVector, type Scorecard, type ScoreResult } from './scorecard.js';

/**
 * Post-loan early warning (贷后预警): a level none < yellow < orange < red from behaviour signals,
 * each firing signal a reason. The level is the highest any signal reaches.
 */

export type WarningLevel = 'none' | 'yellow' | 'orange' | 'red';
export const WARNING_LEVELS: readonly WarningLevel[] = Object.freeze(['none', 'yellow', 'orange', 'red']);
const RANK: Readonly<Record<WarningLevel, number>> = { none: 0, yellow: 1, orange: 2, red: 3 };
export const warningRank = (level: WarningLevel): number => RANK[level];

/** What the bank observes about a borrower after disbursement; absent = not observed. */
export interface BehaviourSignals {
  /** Days past due now (0 = current). */
  readonly currentDpd: number;
  /** Worst days past due over the last 6 months. */
  readonly maxDpd6m?: number;
  readonly lineLimit?: Fen;
  readonly outstanding?: Fen;
  readonly depositBalance?: Fen;
  readonly depositAvg6m?: Fen;
  /** Lawsuits, enforcement or other court records since the last review. */
  readonly newCourtRecords?: number;
  readonly courtDefaulter?: boolean;
  readonly businessStatus?: BusinessStatus;
  readonly unsettledLendersAtApproval?: number;
  readonly unsettledLendersNow?: number;
  readonly hardInquiries3m?: number;
  readonly monthsOnBook?: number;
}

/** Thresholds (policy, illustrative). A signal at or beyond a threshold raises that level. */
export interface WarningPolicy {
  readonly dpd: { readonly yellow: number; readonly orange: number; readonly red: number };
  /** Fall of the deposit balance against its 6-month average, as a share (0.4 = 40 % lower). */
  readonly balanceDrop: { readonly yellow: number; readonly orange: number };
  /** Growth in lenders with unsettled credit since approval. */
  readonly lenderGrowth: { readonly yellow: number; readonly orange: number };
  /** Behaviour score below these raises the level. */
  readonly behaviourScore: { readonly yellow: number; readonly orange: number; readonly red: number };
}

export const DEFAULT_WARNING_POLICY: WarningPolicy = Object.freeze({
  dpd: { yellow: 1, orange: 8, red: 31 },
  balanceDrop: { yellow: 0.4, orange: 0.7 },
  lenderGrowth: { yellow: 2, orange: 3 },
  behaviourScore: { yellow: 600, orange: 560, red: 520 },
});

export interface WarningReason {
  readonly code: RiskReasonCode;
  readonly level: Exclude<WarningLevel, 'none'>;
  readonly messageZh: string;
  readonly detail: string;
}

export interface EarlyWarning {
  readonly level: WarningLevel;
  /** Highest level first. */
  readonly reasons: readonly WarningReason[];
  readonly behaviourScore: ScoreResult | null;
}

/** The behaviour scorecard's inputs (variable names of DEMO_BEHAVIOUR_SCORECARD); unobserved → null. */
export function behaviourFeatures(s: BehaviourSignals): FeatureVector {
  const ratio = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || b <= 0 ? null : a / b);
  return {
    maxDpd6m: s.maxDpd6m === undefined ? s.currentDpd : Math.max(s.maxDpd6m, s.currentDpd),
    lineUtilisation: ratio(s.outstanding, s.lineLimit),
    depositTrend: ratio(s.depositBalance, s.depositAvg6m),
    monthsOnBook: s.monthsOnBook ?? null,
    lenderGrowth: s.unsettledLendersNow !== undefined && s.unsettledLendersAtApproval !== undefined ? s.unsettledLendersNow - s.unsettledLendersAtApproval : null,
    hardInquiries3m: s.hardInquiries3m ?? null,
  };
}

/** Behaviour score of the signals on a behaviour card (default: the ILLUSTRATIVE SYNTHETIC demo card). */
export const behaviourScore = (s: BehaviourSignals, card: Scorecard = DEMO_BEHAVIOUR_SCORECARD): ScoreResult => score(card, behaviourFeatures(s));

const count = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);

/** Checks signals: counts and amounts whole and non-negative (SIGNALS_INVALID otherwise). */
export function validateSignals(s: BehaviourSignals): Result<BehaviourSignals> {
  if (typeof s !== 'object' || s === null || !(typeof s.currentDpd === 'number')) return err(coreError('SIGNALS_INVALID', 'signals need currentDpd', 'currentDpd'));
  for (const k of ['currentDpd', 'maxDpd6m', 'lineLimit', 'outstanding', 'depositBalance', 'depositAvg6m', 'newCourtRecords', 'unsettledLendersAtApproval', 'unsettledLendersNow', 'hardInquiries3m', 'monthsOnBook'] as const) {
    if (!count(s[k])) return err(coreError('SIGNALS_INVALID', `${k} must be a whole number ≥ 0`, k));
  }
  return ok(s);
}

/**
 * Warning level and reasons from behaviour signals. Options: the policy and the behaviour card
 * (pass `behaviourCard: null` to skip the behaviour score). SIGNALS_INVALID on malformed signals.
 */
export function earlyWarning(signals: BehaviourSignals, options: { readonly policy?: WarningPolicy; readonly behaviourCard?: Scorecard | null } = {}): Result<EarlyWarning> {
  const valid = validateSignals(signals);
  if (!valid.ok) return valid;
  const p = options.policy ?? DEFAULT_WARNING_POLICY;
  const reasons: WarningReason[] = [];
  const add = (code: RiskReasonCode, level: Exclude<WarningLevel, 'none'>, detail: string) => reasons.push({ code, level, messageZh: RISK_REASONS[code].zh, detail });

  const dpd = signals.currentDpd;
  if (dpd >= p.dpd.yellow) add('EW_OVERDUE', dpd >= p.dpd.red ? 'red' : dpd >= p.dpd.orange ? 'orange' : 'yellow', `${dpd} days past due`);
  if (signals.depositBalance !== undefined && signals.depositAvg6m !== undefined && signals.depositAvg6m > 0) {
    const drop = 1 - signals.depositBalance / signals.depositAvg6m;
    if (drop >= p.balanceDrop.yellow) add('EW_BALANCE_DROP', drop >= p.balanceDrop.orange ? 'orange' : 'yellow', `balance ${Math.round(drop * 100)}% below its 6-month average`);
  }
  if (signals.courtDefaulter === true) add('EW_COURT_DEFAULTER', 'red', 'on the court defaulter list');
  if ((signals.newCourtRecords ?? 0) > 0) add('EW_COURT_RECORD', 'orange', `${signals.newCourtRecords} new court records`);
  if (signals.businessStatus === 'deregistered' || signals.businessStatus === 'revoked') add('EW_BUSINESS_DEREGISTERED', 'red', `business ${signals.businessStatus}`);
  else if (signals.businessStatus === 'abnormal') add('EW_BUSINESS_ABNORMAL', 'orange', 'business listed as operating abnormally');
  if (signals.unsettledLendersNow !== undefined && signals.unsettledLendersAtApproval !== undefined) {
    const growth = signals.unsettledLendersNow - signals.unsettledLendersAtApproval;
    if (growth >= p.lenderGrowth.yellow) add('EW_MULTI_LENDER_GROWTH', growth >= p.lenderGrowth.orange ? 'orange' : 'yellow', `+${growth} lenders since approval`);
  }
  const card = options.behaviourCard === undefined ? DEMO_BEHAVIOUR_SCORECARD : options.behaviourCard;
  const bs = card === null ? null : behaviourScore(signals, card);
  if (bs !== null && bs.total < p.behaviourScore.yellow) {
    add('EW_BEHAVIOUR_SCORE_LOW', bs.total < p.behaviourScore.red ? 'red' : bs.total < p.behaviourScore.orange ? 'orange' : 'yellow', `behaviour score ${bs.total}`);
  }
  reasons.sort((a, b) => RANK[b.level] - RANK[a.level]);
  return ok({ level: reasons[0]?.level ?? 'none', reasons, behaviourScore: bs });
}
