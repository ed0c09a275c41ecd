import { describe, expect, it } from 'vitest';
import type { BehaviourSignals } from './earlyWarning.js';
import { screenRenewal, type RenewalInput } from './screenRenewal.js';

const signals: BehaviourSignals = {
  currentDpd: 0, maxDpd6m: 0, lineLimit: 100_000_000, outstanding: 40_000_000, depositBalance: 30_000_000, depositAvg6m: 32_000_000,
  businessStatus: 'active', unsettledLendersAtApproval: 2, unsettledLendersNow: 2, hardInquiries3m: 1, monthsOnBook: 11,
};
const input: RenewalInput = { purpose: 'business', maturityDate: '2025-12-31', maxDpdDuringTerm: 0, signals };
const codes = (i: Partial<RenewalInput>, asOf = '2025-12-15') => {
  const r = screenRenewal({ ...input, ...i }, asOf);
  return r.ok ? r.value.reasons.map((x) => x.code) : [r.error.code];
};

describe('screenRenewal (无还本续贷)', () => {
  it('finds a good business borrower eligible inside the 30-day window', () => {
    const r = screenRenewal(input, '2025-12-15');
    expect(r.ok && r.value).toMatchObject({ eligible: true, windowOpensOn: '2025-12-01', windowClosesOn: '2025-12-31', reasons: [] });
    expect(codes({}, '2025-12-01')).toEqual([]);
    expect(codes({}, '2025-12-31')).toEqual([]);
  });

  it('reports the window, maturity and purpose', () => {
    expect(codes({}, '2025-11-30')).toEqual(['RENEWAL_WINDOW_NOT_OPEN']);
    expect(codes({}, '2026-01-01')).toEqual(['RENEWAL_MATURED']);
    expect(codes({ purpose: 'consumer' })).toEqual(['RENEWAL_NOT_BUSINESS']);
  });

  it('screens out overdue history, warnings, low behaviour scores and inactive businesses', () => {
    expect(codes({ maxDpdDuringTerm: 3 })).toEqual(['RENEWAL_OVERDUE_HISTORY']);
    expect(codes({ signals: { ...signals, newCourtRecords: 1 } })).toEqual(['RENEWAL_WARNING_LEVEL']);
    expect(codes({ signals: { ...signals, businessStatus: 'deregistered' } })).toEqual(['RENEWAL_WARNING_LEVEL', 'RENEWAL_BUSINESS_NOT_ACTIVE']);
    expect(codes({ signals: { ...signals, businessStatus: undefined } })).toEqual(['RENEWAL_BUSINESS_DATA_MISSING']);
    expect(codes({ signals: { ...signals, outstanding: 99_000_000, depositBalance: 8_000_000, monthsOnBook: 3, hardInquiries3m: 4 } })).toContain('RENEWAL_BEHAVIOUR_SCORE_LOW');
  });

  it('returns typed errors for bad input', () => {
    expect(codes({ maturityDate: '2025-02-30' })).toEqual(['RENEWAL_INPUT_INVALID']);
    expect(codes({}, 'yesterday')).toEqual(['AS_OF_INVALID']);
    expect(codes({ signals: { currentDpd: -2 } })).toEqual(['SIGNALS_INVALID']);
  });
});
