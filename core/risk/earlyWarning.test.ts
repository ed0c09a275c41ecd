import { describe, expect, it } from 'vitest';
import { behaviourFeatures, behaviourScore, earlyWarning, type BehaviourSignals } from './earlyWarning.js';

const good: BehaviourSignals = {
  currentDpd: 0, maxDpd6m: 0, lineLimit: 10_000_000, outstanding: 3_000_000, depositBalance: 5_000_000, depositAvg6m: 5_000_000,
  newCourtRecords: 0, courtDefaulter: false, businessStatus: 'active', unsettledLendersAtApproval: 1, unsettledLendersNow: 1, hardInquiries3m: 0, monthsOnBook: 30,
};
const level = (s: Partial<BehaviourSignals>) => {
  const r = earlyWarning({ ...good, ...s });
  return r.ok ? `${r.value.level}:${r.value.reasons.map((x) => x.code).join('+')}` : r.error.code;
};

describe('earlyWarning', () => {
  it('is none for a good borrower, with a behaviour score', () => {
    const r = earlyWarning(good);
    expect(r.ok && r.value.level).toBe('none');
    expect(r.ok && r.value.behaviourScore?.total).toBe(480 + 60 + 30 + 20 + 20 + 20 + 20);
  });

  it('grades overdue by DPD: yellow 1–7, orange 8–30, red 31+', () => {
    expect(level({ currentDpd: 3 })).toBe('yellow:EW_OVERDUE');
    expect(level({ currentDpd: 10 })).toMatch(/^orange:EW_OVERDUE/);
    expect(level({ currentDpd: 31 })).toMatch(/^red:EW_OVERDUE/);
  });

  it('flags balance drops, court records, deregistration and multi-lender growth', () => {
    expect(level({ depositBalance: 2_500_000 })).toBe('yellow:EW_BALANCE_DROP');
    expect(level({ depositBalance: 1_000_000 })).toMatch(/^orange:EW_BALANCE_DROP/);
    expect(level({ newCourtRecords: 1 })).toBe('orange:EW_COURT_RECORD');
    expect(level({ courtDefaulter: true })).toBe('red:EW_COURT_DEFAULTER');
    expect(level({ businessStatus: 'deregistered' })).toBe('red:EW_BUSINESS_DEREGISTERED');
    expect(level({ businessStatus: 'abnormal' })).toBe('orange:EW_BUSINESS_ABNORMAL');
    expect(level({ unsettledLendersNow: 3 })).toBe('yellow:EW_MULTI_LENDER_GROWTH');
    expect(level({ unsettledLendersNow: 5 })).toMatch(/^orange:EW_MULTI_LENDER_GROWTH/);
  });

  it('raises the level on a low behaviour score and orders reasons highest first', () => {
    const bad = { currentDpd: 0, maxDpd6m: 40, outstanding: 9_900_000, depositBalance: 500_000, unsettledLendersNow: 5, hardInquiries3m: 8, courtDefaulter: true };
    const r = earlyWarning({ ...good, ...bad });
    expect(r.ok && r.value.level).toBe('red');
    expect(r.ok && r.value.reasons.map((x) => x.code)).toContain('EW_BEHAVIOUR_SCORE_LOW');
    expect(r.ok && r.value.reasons[0]?.level).toBe('red');
  });

  it('handles unobserved signals and rejects malformed ones', () => {
    expect(level({ depositBalance: undefined, businessStatus: undefined })).toBe('none:');
    expect(behaviourFeatures({ currentDpd: 0 })).toMatchObject({ lineUtilisation: null, depositTrend: null, lenderGrowth: null, maxDpd6m: 0 });
    expect(behaviourScore({ currentDpd: 0 }).total).toBe(480 + 60 + 10);
    expect(level({ currentDpd: -1 })).toBe('SIGNALS_INVALID');
    expect(level({ outstanding: 1.5 })).toBe('SIGNALS_INVALID');
  });
});
