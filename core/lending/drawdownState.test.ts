import { describe, expect, it } from 'vitest';
import type { CreditLine, Drawdown } from './creditLine.js';
import { interestForDays } from './dayCount.js';
import { drawFromCreditLine, type DrawRequest } from './drawFromCreditLine.js';
import { accruedInterest, applyInstallmentPayment, evaluateDrawdown, interestFrom, notYetDuePrincipal, penaltyAsOf, prepayDrawdown } from './drawdownState.js';
import { testLine, unwrap } from './testArbitraries.js';

const drawdown = (patch: Partial<DrawRequest> = {}): Drawdown => {
  const line: CreditLine = testLine();
  return unwrap(drawFromCreditLine(line, { drawdownId: 'D1', amount: 10_000_000, termMonths: 12, method: 'equal_installment', on: '2024-01-15', ...patch })).drawdown;
};

describe('drawdown state', () => {
  it('accrues interest for days used on principal not yet due, from the last due date', () => {
    const dd = drawdown();
    expect(accruedInterest(dd, '2024-01-15')).toBe(0);
    expect(accruedInterest(dd, '2024-01-16')).toBe(1_800);
    expect(interestFrom(dd, '2024-02-20')).toBe('2024-02-15');
    expect(notYetDuePrincipal(dd, '2024-02-20')).toBe(9_191_128);
    expect(accruedInterest(dd, '2024-02-20')).toBe(interestForDays(9_191_128, 0.0648, 5));
  });

  it('splits penalty into segments at repayments so it follows the unpaid principal', () => {
    let dd = evaluateDrawdown(drawdown({ method: 'bullet', termMonths: 1 }), '2024-02-25', 'L1').drawdown; // due 2024-02-15
    const inst = dd.installments[0];
    if (!inst) throw new Error('no instalment');
    expect(penaltyAsOf(dd, inst, '2024-02-25')).toBe(27_000); // 10 days × ¥27.00
    dd = applyInstallmentPayment(dd, 1, { penalty: 27_000, interest: inst.interest, principal: 5_000_000 }, '2024-02-25');
    const after = dd.installments[0];
    if (!after) throw new Error('no instalment');
    expect(after).toMatchObject({ penaltyBooked: 27_000, penaltyFrom: '2024-02-25', paidPenalty: 27_000, status: 'overdue' });
    expect(penaltyAsOf(dd, after, '2024-03-06')).toBe(27_000 + 13_500); // then 10 days on half the principal
  });

  it('early repayment on a due date keeps whole monthly periods; between dates the next period is broken', () => {
    const paid = applyInstallmentPayment(evaluateDrawdown(drawdown({ method: 'equal_principal' }), '2024-02-15', 'L1').drawdown, 1, { penalty: 0, interest: 54_000, principal: 833_333 }, '2024-02-15');
    const onDate = prepayDrawdown(paid, 1_000_000, '2024-02-15', 'reduce_installment');
    expect(onDate.prepayment).toEqual({ on: '2024-02-15', principal: 1_000_000, interest: 0, mode: 'reduce_installment' });
    expect(onDate.drawdown.installments[1]?.interest).toBe(Math.round(8_166_667 * 0.0054));
    const between = prepayDrawdown(paid, 1_000_000, '2024-02-25', 'reduce_installment');
    const interest = interestForDays(9_166_667, 0.0648, 10);
    expect(between.prepayment).toMatchObject({ interest, principal: 1_000_000 - interest });
    expect(between.drawdown.installments[1]?.interest).toBe(interestForDays(9_166_667 - 1_000_000 + interest, 0.0648, 19));
    expect(between.drawdown.accrualStart).toBe('2024-02-25');
  });

  it('shorten_term on 等额本金 keeps the monthly principal and drops the last periods', () => {
    const dd = drawdown({ method: 'equal_principal' });
    const { drawdown: next } = prepayDrawdown(dd, 2_500_000, '2024-01-15', 'shorten_term');
    expect(next.installments).toHaveLength(9); // 7,500,000 / 833,333 = 9.000004 → 9 periods, not a 10th for 3 fen
    expect(next.installments.slice(0, 8).every((i) => i.principal === 833_333)).toBe(true);
    expect(next.installments.at(-1)?.principal).toBe(7_500_000 - 8 * 833_333);
  });

  it('先息后本 early repayment lowers the interest and keeps the maturity', () => {
    const dd = drawdown({ method: 'interest_first' });
    const { drawdown: next } = prepayDrawdown(dd, 4_000_000, '2024-01-15', 'shorten_term');
    expect(next.installments).toHaveLength(12);
    expect(next.installments[0]?.interest).toBe(32_400);
    expect(next.installments.at(-1)?.principal).toBe(6_000_000);
  });

  it('does nothing when the amount does not exceed the interest for the days used', () => {
    const dd = drawdown();
    expect(prepayDrawdown(dd, 1_800, '2024-01-16', 'reduce_installment').prepayment).toBeNull();
    expect(prepayDrawdown(dd, 1_801, '2024-01-16', 'reduce_installment').prepayment).toMatchObject({ interest: 1_800, principal: 1 });
  });

  it('settles the drawdown when an early repayment clears all principal', () => {
    const { drawdown: done, prepayment } = prepayDrawdown(drawdown({ method: 'daily_revolving' }), 20_000_000, '2024-01-25', 'reduce_installment');
    expect(prepayment).toMatchObject({ interest: 18_000, principal: 10_000_000 });
    expect(done).toMatchObject({ status: 'settled', settledOn: '2024-01-25', installments: [] });
  });
});
