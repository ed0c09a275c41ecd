import { describe, expect, it } from 'vitest';
import { shanghaiDateOf } from '../calendar/index.js';
import * as lending from './index.js';

const must = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T => {
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
};

describe('core/lending public face', () => {
  it('exposes what other layers need and keeps internals private', () => {
    for (const name of ['buildSchedule', 'quoteLoan', 'parseQuoteRequest', 'renderQuote', 'parseChineseAmount', 'parseTermMonths', 'openCreditLine', 'drawFromCreditLine', 'previewDrawdown', 'repayCreditLine', 'payNextInstallment', 'payoffQuote', 'payOffCreditLine', 'summarizeCreditLine', 'evaluateCreditLine', 'isBalanced', 'roundFen', 'formatYuan']) {
      expect(typeof (lending as Record<string, unknown>)[name], name).toBe('function');
    }
    for (const internal of ['amortize', 'prepayDrawdown', 'evaluateDrawdown', 'parseChineseNumber', 'evaluateLineAt', 'makePosting']) {
      expect((lending as Record<string, unknown>)[internal], internal).toBeUndefined();
    }
  });

  it('walks a chat borrowing: parse → preview → draw → balance → repay due → pay off', () => {
    const amount = must(lending.parseChineseAmount('3万'));
    const termMonths = must(lending.parseTermMonths('十二期'));
    let line = must(lending.openCreditLine({ id: 'L-1', limit: must(lending.parseYuan('100,000.00')), annualRate: must(lending.parsePercent('6.48')), validFrom: '2024-03-01' })).line;
    const request = { drawdownId: 'DD-1', amount, termMonths, method: 'equal_installment' as const, on: shanghaiDateOf(Date.UTC(2024, 2, 10, 20, 0)) };
    expect(request.on).toBe('2024-03-11');

    const offer = must(lending.previewDrawdown(line, request));
    expect(lending.formatYuan(offer.schedule.installments[0]?.total ?? 0, { symbol: true })).toBe('¥2,588.62');
    expect(offer.apr.compoundText).toBe('6.68%');

    line = must(lending.drawFromCreditLine(line, request)).line;
    const summary = must(lending.summarizeCreditLine(line, '2024-03-20'));
    expect(summary.available).toBe(7_000_000);
    expect(summary.nextDue).toEqual({ date: '2024-04-11', amount: 258_862 });

    const due = must(lending.repayCreditLine(line, { amount: 258_862, on: '2024-04-11', options: { surplus: 'reject' } }));
    expect(due.postings.every(lending.isBalanced)).toBe(true);
    const quote = must(lending.payoffQuote(due.line, { on: '2024-04-21' }));
    const done = must(lending.payOffCreditLine(due.line, { on: '2024-04-21' }));
    expect(done.applied).toBe(quote.total);
    expect(done.line.available).toBe(10_000_000);
    expect(lending.formatYuanPlain(quote.interest)).toBe(lending.formatYuanPlain(lending.interestForDays(quote.principal, 0.0648, 10)));
  });
});
