import { describe, expect, it } from 'vitest';
import { addDays } from '../calendar/index.js';
import type { CreditLine } from './creditLine.js';
import { drawFromCreditLine } from './drawFromCreditLine.js';
import { evaluateCreditLine, summarizeCreditLine } from './evaluateCreditLine.js';
import { isBalanced, type Posting } from './ledger.js';
import { testLine, unwrap } from './testArbitraries.js';

/** ¥100,000 到期一次还本付息 over 3 months from 2024-01-15: due 2024-04-15, 91 days, ¥1,638.00 interest. */
const bulletLine = (penaltyMultiplier = 1.5): CreditLine =>
  unwrap(drawFromCreditLine(testLine({ penaltyMultiplier }), { drawdownId: 'D1', amount: 10_000_000, termMonths: 3, method: 'bullet', on: '2024-01-15' })).line;

const sumOf = (postings: readonly Posting[], kind: Posting['kind']): number =>
  postings.filter((p) => p.kind === kind).reduce((s, p) => s + (p.entries[0]?.debit ?? 0), 0);

describe('evaluateCreditLine', () => {
  it('recognises interest on the due date and marks the instalment due, then overdue', () => {
    const line = bulletLine();
    const before = unwrap(evaluateCreditLine(line, '2024-04-14'));
    expect(before.postings).toEqual([]);
    expect(before.line.drawdowns[0]?.installments[0]?.status).toBe('scheduled');
    const due = unwrap(evaluateCreditLine(line, '2024-04-15'));
    expect(due.line.drawdowns[0]?.installments[0]?.status).toBe('due');
    expect(due.postings).toHaveLength(1);
    expect(due.postings[0]?.entries.map((e) => [e.account, e.debit, e.credit])).toEqual([['interest_receivable', 163_800, 0], ['interest_income', 0, 163_800]]);
    const late = unwrap(evaluateCreditLine(due.line, '2024-04-16'));
    expect(late.line.drawdowns[0]?.installments[0]?.status).toBe('overdue');
  });

  it('charges penalty interest on overdue principal at contract rate × 1.5 per day (¥100,000: ¥27.00 a day)', () => {
    const r = unwrap(evaluateCreditLine(bulletLine(), '2024-04-25'));
    expect(sumOf(r.postings, 'penalty_accrual')).toBe(27_000); // 10 days × 10,000,000 × 9.72% / 360
    expect(r.postings.every(isBalanced)).toBe(true);
  });

  it('uses the configured multiplier (× 1.3: ¥23.40 a day)', () => {
    expect(sumOf(unwrap(evaluateCreditLine(bulletLine(1.3), '2024-04-25')).postings, 'penalty_accrual')).toBe(23_400);
  });

  it('recognises the same penalty whether evaluated daily or once', () => {
    let line = bulletLine();
    let daily = 0;
    for (let day = 0; day <= 47; day += 1) {
      const r = unwrap(evaluateCreditLine(line, addDays('2024-04-15', day)));
      daily += sumOf(r.postings, 'penalty_accrual');
      line = r.line;
    }
    const once = sumOf(unwrap(evaluateCreditLine(bulletLine(), addDays('2024-04-15', 47))).postings, 'penalty_accrual');
    expect(daily).toBe(once);
    expect(once).toBe(126_900); // 47 × 2,700
  });

  it('is idempotent on the same date and refuses to go back', () => {
    const first = unwrap(evaluateCreditLine(bulletLine(), '2024-05-01'));
    expect(unwrap(evaluateCreditLine(first.line, '2024-05-01')).postings).toEqual([]);
    expect(evaluateCreditLine(first.line, '2024-04-30')).toMatchObject({ ok: false, error: { code: 'DATE_BEFORE_LAST_EVENT' } });
  });

  it('expires the line after its last valid day', () => {
    expect(unwrap(evaluateCreditLine(testLine(), '2027-01-14')).line.status).toBe('active');
    expect(unwrap(evaluateCreditLine(testLine(), '2027-01-15')).line.status).toBe('expired');
  });
});

describe('summarizeCreditLine', () => {
  it('shows balance, next due date and accrued interest for a current line', () => {
    const line = unwrap(drawFromCreditLine(testLine(), { drawdownId: 'D1', amount: 10_000_000, termMonths: 12, method: 'equal_installment', on: '2024-01-15' })).line;
    const s = unwrap(summarizeCreditLine(line, '2024-01-25'));
    expect(s).toMatchObject({
      status: 'active', limit: 30_000_000, available: 20_000_000, outstandingPrincipal: 10_000_000, dueNow: 0, overdue: 0,
      nextDue: { date: '2024-02-15', amount: 862_872 }, daysPastDue: 0, bucket: 'M0', classification: 'normal', reviewDue: false,
    });
    expect(s.drawdowns[0]).toMatchObject({ accruedInterest: 18_000, maturityDate: '2025-01-15' }); // 10 days × ¥18.00
    expect(line.asOf).toBe('2024-01-15'); // unchanged
  });

  it('walks the delinquency buckets and the five-tier classification with days past due', () => {
    const line = bulletLine();
    const at = (days: number) => unwrap(summarizeCreditLine(line, addDays('2024-04-15', days)));
    expect(at(0)).toMatchObject({ daysPastDue: 0, bucket: 'M0', classification: 'normal', dueNow: 10_163_800, overdue: 0 });
    expect(at(1)).toMatchObject({ daysPastDue: 1, bucket: 'M1', classification: 'special_mention', dueNow: 10_166_500, overdue: 10_166_500 });
    expect(at(31)).toMatchObject({ bucket: 'M2', classification: 'special_mention' });
    expect(at(61)).toMatchObject({ bucket: 'M3' });
    expect(at(91)).toMatchObject({ bucket: 'M3+', classification: 'substandard' });
    expect(at(271)).toMatchObject({ classification: 'doubtful' });
    expect(at(361)).toMatchObject({ classification: 'loss' });
    expect(at(361).drawdowns[0]?.classification).toBe('loss');
  });

  it('flags a due re-review', () => {
    expect(unwrap(summarizeCreditLine(testLine(), '2025-01-15')).reviewDue).toBe(true);
  });
});
