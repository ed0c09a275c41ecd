import { describe, expect, it } from 'vitest';
import { drawFromCreditLine } from './drawFromCreditLine.js';
import { repayCreditLine } from './repayCreditLine.js';
import { testLine, unwrap } from './testArbitraries.js';
import { worstDaysPastDue } from './worstDaysPastDue.js';

const drawn = () => unwrap(drawFromCreditLine(testLine(), { drawdownId: 'D1', amount: 10_000_000, termMonths: 12, method: 'equal_installment', on: '2024-01-15' })).line;

describe('worstDaysPastDue', () => {
  it('is 0 for instalments paid on time and counts an unpaid one up to the date asked', () => {
    const line = drawn();
    expect(worstDaysPastDue(line, '2024-01-15', '2024-02-15')).toBe(0);
    // Instalment 1 (due 2024-02-15) unpaid: 10 days late on 2024-02-25.
    expect(worstDaysPastDue(line, '2024-01-15', '2024-02-25')).toBe(10);
  });

  it('keeps the lateness of an instalment paid late, inside the window only', () => {
    const paidLate = unwrap(repayCreditLine(drawn(), { amount: 900_000, on: '2024-02-20' })).line;
    expect(paidLate.drawdowns[0]!.installments[0]!.status).toBe('paid');
    expect(worstDaysPastDue(paidLate, '2024-01-15', '2024-03-01')).toBe(5);
    expect(worstDaysPastDue(paidLate, '2024-02-21', '2024-03-01')).toBe(0);
  });
});
