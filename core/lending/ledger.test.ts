import { describe, expect, it } from 'vitest';
import { credit, debit, isBalanced, makePosting, trialBalance } from './ledger.js';

const head = { kind: 'repayment' as const, date: '2024-02-15', lineId: 'L', drawdownId: 'D', memo: 'test' };

describe('ledger', () => {
  it('a posting balances when debits equal credits', () => {
    const p = makePosting(head, [debit('cash', 862_872, 'm'), credit('interest_receivable', 54_000, 'm'), credit('loan_principal', 808_872, 'm')]);
    expect(isBalanced(p)).toBe(true);
    expect(isBalanced({ entries: [debit('cash', 100, 'm'), credit('loan_principal', 99, 'm')] })).toBe(false);
  });

  it('rejects malformed entries: both sides, negatives, fractions, a single entry', () => {
    expect(isBalanced({ entries: [{ account: 'cash', debit: 100, credit: 100, memo: '' }, credit('loan_principal', 0, '')] })).toBe(false);
    expect(isBalanced({ entries: [debit('cash', -100, ''), credit('loan_principal', -100, '')] })).toBe(false);
    expect(isBalanced({ entries: [debit('cash', 1.5, ''), credit('loan_principal', 1.5, '')] })).toBe(false);
    expect(isBalanced({ entries: [debit('cash', 0, ''), credit('loan_principal', 0, '')] })).toBe(false);
    expect(isBalanced({ entries: [] })).toBe(false);
  });

  it('makePosting drops zero lines and throws on an unbalanced posting (a bug)', () => {
    const p = makePosting(head, [debit('cash', 100, ''), credit('penalty_receivable', 0, ''), credit('loan_principal', 100, '')]);
    expect(p.entries).toHaveLength(2);
    expect(() => makePosting(head, [debit('cash', 100, ''), credit('loan_principal', 90, '')])).toThrow(/Unbalanced/);
  });

  it('sums balances per account', () => {
    const postings = [
      makePosting({ ...head, kind: 'disbursement' }, [debit('loan_principal', 1_000, ''), credit('borrower_settlement', 1_000, '')]),
      makePosting(head, [debit('cash', 400, ''), credit('loan_principal', 400, '')]),
    ];
    expect(trialBalance(postings)).toEqual({ loan_principal: 600, borrower_settlement: -1_000, cash: 400 });
  });
});
