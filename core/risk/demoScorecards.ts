import { loadScorecard, type Scorecard } from './scorecard.js';

/**
 * ILLUSTRATIVE SYNTHETIC scorecards for the demo and tests. Points were set by hand to give
 * plausible orderings on the sandbox personas; they were NOT fitted on any data and must not be
 * used to lend. A bank replaces them with its own validated models (see the importers).
 * Both use the 600 @ 50:1, PDO 20 scaling.
 */

const unwrap = (r: ReturnType<typeof loadScorecard>): Scorecard => {
  if (!r.ok) throw new Error(`demo scorecard invalid: ${r.error.code} ${r.error.message}`);
  return r.value;
};

const SCALING = { baseScore: 600, baseOdds: 50, pdo: 20 };

/** ILLUSTRATIVE SYNTHETIC application scorecard, read by applicationFeatures(). */
export const DEMO_APPLICATION_SCORECARD: Scorecard = unwrap(
  loadScorecard({
    id: 'demo-application-illustrative',
    name: 'ILLUSTRATIVE SYNTHETIC application scorecard (not fitted on data)',
    version: '1.0.0',
    purpose: 'application',
    illustrative: true,
    description: 'Hand-set points for demos and tests only. Not a credit model.',
    basePoints: 420,
    scaling: SCALING,
    variables: [
      { name: 'age', kind: 'numeric', reasonCode: 'AGE', missing: { points: 0 }, else: { points: 0 },
        bins: [{ lo: 18, hi: 25, points: 10 }, { lo: 25, hi: 35, points: 25 }, { lo: 35, hi: 50, points: 35 }, { lo: 50, hi: 60, points: 25 }, { lo: 60, hi: null, points: 10 }] },
      { name: 'creditHistoryMonths', kind: 'numeric', reasonCode: 'CREDIT_HISTORY_SHORT', missing: { points: 5 },
        bins: [{ lo: 0, hi: 12, points: 5 }, { lo: 12, hi: 36, points: 20 }, { lo: 36, hi: 84, points: 35 }, { lo: 84, hi: null, points: 45 }] },
      { name: 'overdueCount24m', kind: 'numeric', reasonCode: 'OVERDUE_RECORDS', missing: { points: 10 },
        bins: [{ lo: 0, hi: 1, points: 45 }, { lo: 1, hi: 3, points: 20 }, { lo: 3, hi: 6, points: 0 }, { lo: 6, hi: null, points: -20 }] },
      { name: 'hardInquiries3m', kind: 'numeric', reasonCode: 'RECENT_INQUIRIES', missing: { points: 10 },
        bins: [{ lo: 0, hi: 2, points: 30 }, { lo: 2, hi: 4, points: 15 }, { lo: 4, hi: 7, points: 0 }, { lo: 7, hi: null, points: -15 }] },
      { name: 'unsettledLenders', kind: 'numeric', reasonCode: 'MANY_LENDERS', missing: { points: 10 },
        bins: [{ lo: 0, hi: 1, points: 25 }, { lo: 1, hi: 3, points: 30 }, { lo: 3, hi: 5, points: 5 }, { lo: 5, hi: null, points: -20 }] },
      { name: 'existingDti', kind: 'numeric', reasonCode: 'DEBT_BURDEN', missing: { points: 5 },
        bins: [{ lo: 0, hi: 0.2, points: 30 }, { lo: 0.2, hi: 0.35, points: 20 }, { lo: 0.35, hi: 0.5, points: 5 }, { lo: 0.5, hi: null, points: -15 }] },
      { name: 'housingFundMonths', kind: 'numeric', reasonCode: 'HOUSING_FUND_SHORT', missing: { points: 0 },
        bins: [{ lo: 0, hi: 12, points: 5 }, { lo: 12, hi: 36, points: 20 }, { lo: 36, hi: null, points: 35 }] },
      { name: 'socialSecurityMonths', kind: 'numeric', reasonCode: 'SOCIAL_SECURITY_SHORT', missing: { points: 0 },
        bins: [{ lo: 0, hi: 12, points: 5 }, { lo: 12, hi: 36, points: 15 }, { lo: 36, hi: null, points: 25 }] },
      { name: 'depositAvg6mYuan', kind: 'numeric', reasonCode: 'LOW_DEPOSITS', missing: { points: 0 },
        bins: [{ lo: 0, hi: 5_000, points: 0 }, { lo: 5_000, hi: 50_000, points: 15 }, { lo: 50_000, hi: 200_000, points: 30 }, { lo: 200_000, hi: null, points: 40 }] },
      { name: 'payroll', kind: 'categorical', reasonCode: 'NO_PAYROLL', missing: { points: 0 }, else: { points: 0 },
        bins: [{ values: ['yes'], points: 20 }, { values: ['no'], points: 0 }] },
      { name: 'bankCustomerMonths', kind: 'numeric', reasonCode: 'NEW_CUSTOMER', missing: { points: 0 },
        bins: [{ lo: 0, hi: 12, points: 0 }, { lo: 12, hi: 60, points: 10 }, { lo: 60, hi: null, points: 20 }] },
      { name: 'businessYears', kind: 'numeric', reasonCode: 'YOUNG_BUSINESS', missing: { points: 0 },
        bins: [{ lo: 0, hi: 1, points: -10 }, { lo: 1, hi: 3, points: 5 }, { lo: 3, hi: null, points: 20 }] },
      { name: 'taxCreditGrade', kind: 'categorical', reasonCode: 'TAX_CREDIT_GRADE', missing: { points: 0 }, else: { points: 0 },
        bins: [{ values: ['A'], points: 20 }, { values: ['B'], points: 10 }, { values: ['M'], points: 0 }, { values: ['C', 'D'], points: -30 }] },
    ],
  }),
);

/** ILLUSTRATIVE SYNTHETIC behaviour scorecard (post-loan), read by behaviourFeatures(). */
export const DEMO_BEHAVIOUR_SCORECARD: Scorecard = unwrap(
  loadScorecard({
    id: 'demo-behaviour-illustrative',
    name: 'ILLUSTRATIVE SYNTHETIC behaviour scorecard (not fitted on data)',
    version: '1.0.0',
    purpose: 'behaviour',
    illustrative: true,
    description: 'Hand-set points for demos and tests only. Not a credit model.',
    basePoints: 480,
    scaling: SCALING,
    variables: [
      { name: 'maxDpd6m', kind: 'numeric', reasonCode: 'RECENT_DPD', missing: { points: 0 },
        bins: [{ lo: 0, hi: 1, points: 60 }, { lo: 1, hi: 8, points: 20 }, { lo: 8, hi: 31, points: -20 }, { lo: 31, hi: null, points: -60 }] },
      { name: 'lineUtilisation', kind: 'numeric', reasonCode: 'HIGH_UTILISATION', missing: { points: 10 },
        bins: [{ lo: 0, hi: 0.5, points: 30 }, { lo: 0.5, hi: 0.8, points: 20 }, { lo: 0.8, hi: 0.95, points: 5 }, { lo: 0.95, hi: null, points: -10 }] },
      { name: 'depositTrend', kind: 'numeric', reasonCode: 'DEPOSITS_FALLING', missing: { points: 0 },
        bins: [{ lo: 0, hi: 0.3, points: -30 }, { lo: 0.3, hi: 0.6, points: 0 }, { lo: 0.6, hi: null, points: 20 }] },
      { name: 'monthsOnBook', kind: 'numeric', reasonCode: 'SHORT_TENURE', missing: { points: 0 },
        bins: [{ lo: 0, hi: 6, points: 0 }, { lo: 6, hi: 24, points: 10 }, { lo: 24, hi: null, points: 20 }] },
      { name: 'lenderGrowth', kind: 'numeric', reasonCode: 'LENDER_GROWTH', missing: { points: 0 },
        bins: [{ lo: null, hi: 1, points: 20 }, { lo: 1, hi: 3, points: 0 }, { lo: 3, hi: null, points: -30 }] },
      { name: 'hardInquiries3m', kind: 'numeric', reasonCode: 'RECENT_INQUIRIES', missing: { points: 0 },
        bins: [{ lo: 0, hi: 3, points: 20 }, { lo: 3, hi: 6, points: 0 }, { lo: 6, hi: null, points: -25 }] },
    ],
  }),
);
