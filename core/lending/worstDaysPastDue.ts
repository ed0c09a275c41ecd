import { daysBetween, type IsoDate } from '../calendar/index.js';
import type { CreditLine } from './creditLine.js';

/**
 * The most days any instalment of the line was (or still is) past due, counting only lateness on
 * days from `from` to `to` inclusive: an instalment paid on `paidOn` was late paidOn − dueDate days;
 * one still unpaid after its due date is late until `to`. Renewal screening reads "DPD during the
 * term" and "worst DPD over 6 months" from it, from the line's own repayment record.
 */
export function worstDaysPastDue(line: CreditLine, from: IsoDate, to: IsoDate): number {
  let worst = 0;
  for (const drawdown of line.drawdowns) {
    for (const i of drawdown.installments) {
      if (i.dueDate >= to) continue;
      const end = i.status === 'paid' && i.paidOn !== undefined ? (i.paidOn < to ? i.paidOn : to) : to;
      if (end < from) continue;
      worst = Math.max(worst, daysBetween(i.dueDate, end));
    }
  }
  return worst;
}
