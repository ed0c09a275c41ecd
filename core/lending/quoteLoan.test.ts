import { describe, expect, it } from 'vitest';
import { parseQuoteRequest, quoteLoan, renderQuote, type QuoteRequest } from './quoteLoan.js';

const request: QuoteRequest = {
  principal: '100000.00',
  annualRatePercent: '6.48',
  termMonths: 12,
  method: 'equal_installment',
  startDate: '2024-01-15',
  fees: [{ amount: '1000.00', when: 'upfront' }],
};

const quoteView = (req: QuoteRequest) => {
  const input = parseQuoteRequest(req);
  if (!input.ok) throw new Error(input.error.code);
  const quote = quoteLoan(input.value);
  if (!quote.ok) throw new Error(quote.error.code);
  return renderQuote(quote.value);
};

describe('quote API path: parseQuoteRequest → quoteLoan → renderQuote', () => {
  it('returns every amount as a 2-decimal yuan string and the APR as percent strings', () => {
    const view = quoteView(request);
    expect(view).toMatchObject({
      method: 'equal_installment',
      methodNameZh: '等额本息',
      principal: '100000.00',
      annualRate: '6.48%',
      termMonths: 12,
      maturityDate: '2025-01-15',
      dayCount: 'ACT/360',
      apr: { simple: '8.37%', compound: '8.70%' },
      upfrontFees: '1000.00',
      totalFees: '1000.00',
      totalInterest: '3544.64',
      totalCost: '4544.64',
      totalRepayment: '103544.64',
    });
    expect(view.installments).toHaveLength(12);
    expect(view.installments[0]).toEqual({ period: 1, dueDate: '2024-02-15', principal: '8088.72', interest: '540.00', fee: '0.00', total: '8628.72', remainingPrincipal: '91911.28' });
  });

  it('without fees the APR is the nominal 6.48% / 6.68%', () => {
    const view = quoteView({ ...request, fees: [] });
    expect(view.apr).toEqual({ simple: '6.48%', compound: '6.68%' });
    expect(view.totalCost).toBe('3544.64');
  });

  it('adds per-period fees to every instalment and to the totals', () => {
    const view = quoteView({ ...request, method: 'equal_principal', fees: [{ amount: '50.00', when: 'per_period' }] });
    expect(view.totalInterest).toBe('3510.00');
    expect(view.totalFees).toBe('600.00');
    expect(view.installments[0]).toMatchObject({ interest: '540.00', fee: '50.00', total: '8923.33' });
  });

  it('accepts a term as text', () => {
    expect(quoteView({ ...request, termMonths: '1年' }).termMonths).toBe(12);
    expect(quoteView({ ...request, termMonths: '12' }).termMonths).toBe(12);
  });

  it.each([
    [{ principal: 'abc' }, 'AMOUNT_INVALID', 'principal'],
    [{ principal: '-100.00' }, 'AMOUNT_NEGATIVE', 'principal'],
    [{ principal: '100.001' }, 'AMOUNT_TOO_MANY_DECIMALS', 'principal'],
    [{ principal: '0.00' }, 'PRINCIPAL_OUT_OF_RANGE', 'principal'],
    [{ principal: '200000000.00' }, 'PRINCIPAL_OUT_OF_RANGE', 'principal'],
    [{ annualRatePercent: 'six' }, 'RATE_INVALID', 'annualRatePercent'],
    [{ annualRatePercent: '48' }, 'RATE_OUT_OF_RANGE', 'annualRate'],
    [{ termMonths: 0 }, 'TERM_OUT_OF_RANGE', 'termMonths'],
    [{ termMonths: 1000 }, 'TERM_OUT_OF_RANGE', 'termMonths'],
    [{ termMonths: 'forever' }, 'NOT_UNDERSTOOD', 'termMonths'],
    [{ method: 'balloon' }, 'METHOD_UNKNOWN', 'method'],
    [{ startDate: '2024-02-30' }, 'DATE_INVALID', 'startDate'],
    [{ dayCount: '30/360' }, 'DAY_COUNT_UNKNOWN', 'dayCount'],
    [{ fees: [{ amount: 'x', when: 'upfront' }] }, 'AMOUNT_INVALID', 'fees[0].amount'],
    [{ fees: [{ amount: '1.00', when: 'yearly' }] }, 'FEE_INVALID', 'fees[0].when'],
  ])('%j → %s on %s', (patch, code, field) => {
    const input = parseQuoteRequest({ ...request, ...patch } as QuoteRequest);
    const result = input.ok ? quoteLoan(input.value) : input;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code, field });
  });

  it('refuses an upfront fee that eats the whole principal', () => {
    const input = parseQuoteRequest({ ...request, fees: [{ amount: '100000.00', when: 'upfront' }] });
    expect(input.ok && quoteLoan(input.value)).toMatchObject({ ok: false, error: { code: 'CASHFLOWS_INVALID' } });
  });
});
