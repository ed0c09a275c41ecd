import { describe, expect, it } from 'vitest';
import { changeCreditLineStatus, openCreditLine, recordCreditLineReview, type OpenCreditLineInput } from './creditLine.js';
import { drawFromCreditLine } from './drawFromCreditLine.js';
import { payOffCreditLine } from './repayCreditLine.js';
import { testLine, unwrap } from './testArbitraries.js';

describe('openCreditLine', () => {
  it('opens a 3-year revolving line with yearly review and the policy defaults', () => {
    const { line, postings } = unwrap(openCreditLine({ id: 'L1', limit: 30_000_000, annualRate: 0.0648, validFrom: '2024-01-15' }));
    expect(postings).toEqual([]);
    expect(line).toMatchObject({
      id: 'L1', limit: 30_000_000, available: 30_000_000, annualRate: 0.0648, maxAnnualRate: 0.24,
      validFrom: '2024-01-15', validUntil: '2027-01-14', nextReviewDate: '2025-01-15', status: 'active', asOf: '2024-01-15', drawdowns: [],
    });
    expect(line.policy).toEqual({
      dayCount: 'ACT/360', rounding: 'HALF_UP', penaltyMultiplier: 1.5, maturityWithinLine: true, reviewIntervalMonths: 12,
      methods: ['equal_installment', 'equal_principal', 'interest_first', 'bullet', 'daily_revolving'],
    });
  });

  it.each([
    [{ id: '' }, 'ID_INVALID', 'id'],
    [{ limit: 0 }, 'LIMIT_OUT_OF_RANGE', 'limit'],
    [{ limit: -5 }, 'LIMIT_OUT_OF_RANGE', 'limit'],
    [{ limit: 10_000_000_001 }, 'LIMIT_OUT_OF_RANGE', 'limit'],
    [{ limit: 1.5 }, 'LIMIT_OUT_OF_RANGE', 'limit'],
    [{ annualRate: 0 }, 'RATE_OUT_OF_RANGE', 'annualRate'],
    [{ annualRate: 0.4 }, 'RATE_OUT_OF_RANGE', 'annualRate'],
    [{ annualRate: 0.25 }, 'RATE_ABOVE_CAP', 'annualRate'],
    [{ maxAnnualRate: 0.5 }, 'RATE_OUT_OF_RANGE', 'maxAnnualRate'],
    [{ validFrom: '2024-02-30' }, 'DATE_INVALID', 'validFrom'],
    [{ validityMonths: 0 }, 'VALIDITY_OUT_OF_RANGE', 'validityMonths'],
    [{ reviewIntervalMonths: 1.5 }, 'VALIDITY_OUT_OF_RANGE', 'reviewIntervalMonths'],
    [{ penaltyMultiplier: 1.2 }, 'PENALTY_MULTIPLIER_OUT_OF_RANGE', 'penaltyMultiplier'],
    [{ penaltyMultiplier: 2 }, 'PENALTY_MULTIPLIER_OUT_OF_RANGE', 'penaltyMultiplier'],
    [{ dayCount: '30/360' }, 'DAY_COUNT_UNKNOWN', 'dayCount'],
    [{ rounding: 'DOWN' }, 'ROUNDING_UNKNOWN', 'rounding'],
    [{ methods: ['balloon'] }, 'METHOD_UNKNOWN', 'methods'],
    [{ methods: [] }, 'METHOD_UNKNOWN', 'methods'],
  ])('%j → %s', (patch, code, field) => {
    const r = openCreditLine({ id: 'L1', limit: 30_000_000, annualRate: 0.0648, validFrom: '2024-01-15', ...patch } as OpenCreditLineInput);
    expect(r).toMatchObject({ ok: false, error: { code, field } });
  });

  it('accepts a 1.3–1.5 penalty multiplier and custom validity', () => {
    const line = testLine({ penaltyMultiplier: 1.3, validityMonths: 12, reviewIntervalMonths: 6 });
    expect(line.policy.penaltyMultiplier).toBe(1.3);
    expect(line.validUntil).toBe('2025-01-14');
    expect(line.nextReviewDate).toBe('2024-07-15');
  });
});

describe('credit line status', () => {
  it('freezes and unfreezes; a frozen line takes no drawdowns', () => {
    const frozen = unwrap(changeCreditLineStatus(testLine(), 'frozen', '2024-02-01')).line;
    expect(frozen.status).toBe('frozen');
    expect(drawFromCreditLine(frozen, { drawdownId: 'D1', amount: 100_000, termMonths: 3, method: 'equal_installment', on: '2024-02-01' }))
      .toMatchObject({ ok: false, error: { code: 'LINE_NOT_ACTIVE' } });
    expect(unwrap(changeCreditLineStatus(frozen, 'active', '2024-02-02')).line.status).toBe('active');
  });

  it('closes only without outstanding principal, and never reopens', () => {
    const drawn = unwrap(drawFromCreditLine(testLine(), { drawdownId: 'D1', amount: 100_000, termMonths: 3, method: 'equal_installment', on: '2024-02-01' })).line;
    expect(changeCreditLineStatus(drawn, 'closed', '2024-02-02')).toMatchObject({ ok: false, error: { code: 'LINE_HAS_OUTSTANDING' } });
    const paid = unwrap(payOffCreditLine(drawn, { on: '2024-02-03' })).line;
    const closed = unwrap(changeCreditLineStatus(paid, 'closed', '2024-02-03')).line;
    expect(closed.status).toBe('closed');
    expect(changeCreditLineStatus(closed, 'active', '2024-02-04')).toMatchObject({ ok: false, error: { code: 'LINE_STATUS_TRANSITION' } });
  });

  it('refuses dates before the last event and unknown statuses', () => {
    const line = unwrap(changeCreditLineStatus(testLine(), 'frozen', '2024-03-01')).line;
    expect(changeCreditLineStatus(line, 'active', '2024-02-01')).toMatchObject({ ok: false, error: { code: 'DATE_BEFORE_LAST_EVENT' } });
    expect(changeCreditLineStatus(line, 'gone' as 'closed', '2024-03-02')).toMatchObject({ ok: false, error: { code: 'OPTION_INVALID' } });
    expect(changeCreditLineStatus(testLine(), 'active', '2027-01-15')).toMatchObject({ ok: false, error: { code: 'LINE_EXPIRED' } });
  });

  it('records a yearly re-review', () => {
    const line = unwrap(recordCreditLineReview(testLine(), '2025-01-10')).line;
    expect(line.nextReviewDate).toBe('2026-01-10');
  });
});
