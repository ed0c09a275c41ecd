import { describe, expect, it } from 'vitest';
import { drawFromCreditLine, previewDrawdown, type DrawRequest } from './drawFromCreditLine.js';
import { isBalanced } from './ledger.js';
import { payOffCreditLine, repayCreditLine } from './repayCreditLine.js';
import { testLine, unwrap } from './testArbitraries.js';

const request: DrawRequest = { drawdownId: 'D1', amount: 10_000_000, termMonths: 12, method: 'equal_installment', on: '2024-01-15' };

describe('drawFromCreditLine', () => {
  it('disburses, locks the rate, builds the schedule and reduces the available limit', () => {
    const r = unwrap(drawFromCreditLine(testLine(), request));
    expect(r.line.available).toBe(20_000_000);
    expect(r.line.asOf).toBe('2024-01-15');
    expect(r.drawdown).toMatchObject({ id: 'D1', principal: 10_000_000, annualRate: 0.0648, penaltyRate: 0.0648 * 1.5, levelAmount: 862_872, status: 'active' });
    expect(r.drawdown.installments).toHaveLength(12);
    expect(r.drawdown.installments[0]).toMatchObject({ total: 862_872, status: 'scheduled', paidPrincipal: 0 });
    expect(r.schedule.totalInterest).toBe(354_464);
    expect(r.postings).toHaveLength(1);
    expect(r.postings[0]).toMatchObject({ kind: 'disbursement', drawdownId: 'D1', date: '2024-01-15' });
    expect(r.postings[0]?.entries.map((e) => [e.account, e.debit, e.credit])).toEqual([['loan_principal', 10_000_000, 0], ['borrower_settlement', 0, 10_000_000]]);
    expect(r.postings.every(isBalanced)).toBe(true);
  });

  it('prices a drawdown at its own rate within the cap', () => {
    const r = unwrap(drawFromCreditLine(testLine(), { ...request, annualRate: 0.0888 }));
    expect(r.drawdown.annualRate).toBe(0.0888);
    expect(drawFromCreditLine(testLine(), { ...request, annualRate: 0.3 })).toMatchObject({ ok: false, error: { code: 'RATE_ABOVE_CAP', field: 'annualRate' } });
  });

  it.each([
    [{ amount: 30_000_001 }, 'INSUFFICIENT_AVAILABLE_LIMIT', 'amount'],
    [{ amount: 0 }, 'PRINCIPAL_OUT_OF_RANGE', 'principal'],
    [{ amount: -100 }, 'PRINCIPAL_OUT_OF_RANGE', 'principal'],
    [{ termMonths: 0 }, 'TERM_OUT_OF_RANGE', 'termMonths'],
    [{ termMonths: 1000 }, 'TERM_OUT_OF_RANGE', 'termMonths'],
    [{ termMonths: 48 }, 'MATURITY_BEYOND_LINE', 'termMonths'],
    [{ method: 'balloon' }, 'METHOD_NOT_ALLOWED', 'method'],
    [{ on: '2024-01-14' }, 'DATE_BEFORE_LAST_EVENT', 'on'],
    [{ on: '2024-13-01' }, 'DATE_INVALID', 'on'],
    [{ on: '2027-01-15' }, 'LINE_EXPIRED', 'on'],
    [{ drawdownId: '' }, 'ID_INVALID', 'drawdownId'],
  ])('%j → %s', (patch, code, field) => {
    expect(drawFromCreditLine(testLine(), { ...request, ...patch } as DrawRequest)).toMatchObject({ ok: false, error: { code, field } });
  });

  it('refuses a duplicate id, a method the line does not offer, and a line not yet valid', () => {
    const line = unwrap(drawFromCreditLine(testLine(), request)).line;
    expect(drawFromCreditLine(line, { ...request, amount: 100 })).toMatchObject({ ok: false, error: { code: 'DRAWDOWN_ID_TAKEN' } });
    const narrow = testLine({ methods: ['daily_revolving'] });
    expect(drawFromCreditLine(narrow, request)).toMatchObject({ ok: false, error: { code: 'METHOD_NOT_ALLOWED' } });
    const future = { ...testLine(), asOf: '2024-01-01' };
    expect(drawFromCreditLine(future, { ...request, on: '2024-01-10' })).toMatchObject({ ok: false, error: { code: 'LINE_NOT_YET_VALID' } });
  });

  it('allows maturity beyond the line when the policy says so', () => {
    expect(drawFromCreditLine(testLine({ maturityWithinLine: false }), { ...request, termMonths: 48 }).ok).toBe(true);
  });

  it('refuses new money while an instalment is overdue', () => {
    const line = unwrap(drawFromCreditLine(testLine(), request)).line;
    expect(drawFromCreditLine(line, { ...request, drawdownId: 'D2', amount: 100_000, on: '2024-02-16' })).toMatchObject({ ok: false, error: { code: 'LINE_HAS_OVERDUE' } });
    expect(drawFromCreditLine(line, { ...request, drawdownId: 'D2', amount: 100_000, on: '2024-02-15' }).ok).toBe(true);
  });

  it('revolves: the limit can be drawn again once repaid', () => {
    let line = unwrap(drawFromCreditLine(testLine(), { ...request, amount: 30_000_000, method: 'daily_revolving', termMonths: 3 })).line;
    expect(line.available).toBe(0);
    expect(drawFromCreditLine(line, { ...request, drawdownId: 'D2', amount: 1, on: '2024-01-16' })).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_AVAILABLE_LIMIT' } });
    line = unwrap(repayCreditLine(line, { amount: 10_000_000, on: '2024-01-20' })).line; // early repayment, 5 days' interest
    expect(line.available).toBe(10_000_000 - 5 * 5_400);
    expect(drawFromCreditLine(line, { ...request, drawdownId: 'D2', amount: 9_973_000, on: '2024-01-20' }).ok).toBe(true);
    line = unwrap(payOffCreditLine(line, { on: '2024-01-21' })).line;
    expect(line.available).toBe(30_000_000);
    expect(drawFromCreditLine(line, { ...request, drawdownId: 'D2', amount: 30_000_000, on: '2024-01-21' }).ok).toBe(true);
  });
});

describe('previewDrawdown', () => {
  it('shows schedule, total interest and APR without changing the line', () => {
    const line = testLine();
    const quote = unwrap(previewDrawdown(line, request));
    expect(quote.schedule.installments[0]?.total).toBe(862_872);
    expect(quote.totalInterest).toBe(354_464);
    expect(quote.apr).toMatchObject({ simpleText: '6.48%', compoundText: '6.68%' });
    expect(line.drawdowns).toHaveLength(0);
    expect(previewDrawdown(line, { ...request, amount: 40_000_000 })).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_AVAILABLE_LIMIT' } });
  });
});
