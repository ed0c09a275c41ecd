import { describe, expect, it } from 'vitest';
import { changeCreditLineStatus, lineOutstandingPrincipal } from './creditLine.js';
import { drawFromCreditLine } from './drawFromCreditLine.js';
import { renewCreditLine, renewedValidUntil, type RenewCreditLineInput } from './renewCreditLine.js';
import { testLine, unwrap } from './testArbitraries.js';

// testLine: ¥300,000 at 6.48 %, valid 2024-01-15 … 2027-01-14.
const renewal: RenewCreditLineInput = { on: '2026-12-20', validUntil: '2030-01-14', limit: 25_000_000, annualRate: 0.0598 };

describe('renewCreditLine (无还本续贷)', () => {
  it('runs the same line on with the new limit and rate; drawdowns stay, nothing is repaid or posted', () => {
    const drawn = unwrap(drawFromCreditLine(testLine(), { drawdownId: 'D1', amount: 10_000_000, termMonths: 12, method: 'equal_installment', on: '2026-01-14' })).line;
    const r = unwrap(renewCreditLine(drawn, renewal));
    expect(r.postings).toEqual([]);
    expect(r.line).toMatchObject({ id: 'L1', limit: 25_000_000, annualRate: 0.0598, validFrom: '2024-01-15', validUntil: '2030-01-14', asOf: '2026-12-20', nextReviewDate: '2027-12-20', status: 'active' });
    expect(r.line.drawdowns).toEqual(drawn.drawdowns);
    expect(r.line.available).toBe(25_000_000 - lineOutstandingPrincipal(drawn));
  });

  it('never leaves available below zero when the new limit is under what is owed', () => {
    const drawn = unwrap(drawFromCreditLine(testLine(), { drawdownId: 'D1', amount: 20_000_000, termMonths: 6, method: 'equal_installment', on: '2026-06-15' })).line;
    expect(unwrap(renewCreditLine(drawn, { ...renewal, limit: 5_000_000 })).line.available).toBe(0);
  });

  it.each([
    [{ on: '2027-01-15' }, 'LINE_EXPIRED', 'on'],
    [{ on: '2023-12-31' }, 'DATE_BEFORE_LAST_EVENT', 'on'],
    [{ validUntil: '2027-01-14' }, 'VALIDITY_OUT_OF_RANGE', 'validUntil'],
    [{ validUntil: '2030-02-30' }, 'VALIDITY_OUT_OF_RANGE', 'validUntil'],
    [{ limit: 0 }, 'LIMIT_OUT_OF_RANGE', 'limit'],
    [{ limit: 1.5 }, 'LIMIT_OUT_OF_RANGE', 'limit'],
    [{ annualRate: 0.3 }, 'RATE_ABOVE_CAP', 'annualRate'],
    [{ annualRate: 0 }, 'RATE_OUT_OF_RANGE', 'annualRate'],
  ] as const)('refuses %o with %s', (change, code, field) => {
    expect(renewCreditLine(testLine(), { ...renewal, ...change })).toMatchObject({ ok: false, error: { code, field } });
  });

  it('refuses a frozen line', () => {
    const frozen = unwrap(changeCreditLineStatus(testLine(), 'frozen', '2026-12-01')).line;
    expect(renewCreditLine(frozen, renewal)).toMatchObject({ ok: false, error: { code: 'LINE_NOT_ACTIVE' } });
  });

  it('runs a renewed term on from the day after the current last day', () => {
    expect(renewedValidUntil('2029-01-14', 36)).toBe('2032-01-14');
    expect(renewedValidUntil('2028-02-29', 12)).toBe('2029-02-28');
  });
});
