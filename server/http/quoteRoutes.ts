import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  DEFAULT_MAX_ANNUAL_RATE,
  formatPercent,
  formatYuanPlain,
  parseQuoteRequest,
  quoteLoan,
  REPAYMENT_METHODS,
  type CoreError,
  type LoanQuote,
} from '../../core/index.js';
import { AppError } from '../errors.js';
import { doc, errorResponses, PUBLIC } from './apiSchemas.js';
import { failsAs } from './zodValidation.js';

/**
 * POST /api/v1/quote: a repayment schedule with total interest and the APR the PBoC requires to be
 * shown (2021 No. 3), for any principal, rate, term, method and fees. Amounts are yuan strings
 * with 2 decimals both ways, so no client does floating-point money. Stateless; no login.
 * docs/quote-api.md describes it; its schema is served at /docs.
 */

/** Highest annual rate the calculator quotes: the 24% ceiling read for bank internet lending (check). */
export const QUOTE_MAX_ANNUAL_RATE = DEFAULT_MAX_ANNUAL_RATE;

const yuan = z.string({ error: 'must be a yuan amount string such as "100000.00"' });
const quoteShape = z.strictObject({
  principal: yuan,
  annualRatePercent: z.string({ error: 'must be a percentage string such as "6.48"' }),
  termMonths: z.number({ error: 'must be a whole number of months' }).int('must be a whole number of months'),
  method: z.enum(REPAYMENT_METHODS as [string, ...string[]], { error: `must be one of ${REPAYMENT_METHODS.join(', ')}` }),
  startDate: z.string({ error: 'must be a date YYYY-MM-DD' }),
  fees: z
    .array(z.strictObject({ amount: yuan, when: z.enum(['upfront', 'per_period'], { error: 'must be upfront or per_period' }) }), { error: 'must be a list of fees' })
    .max(20, 'at most 20 fees')
    .optional(),
});

/** Core names the schedule's rate `annualRate`; the API calls it `annualRatePercent`. */
const apiField = (field: string | undefined): string => (field === 'annualRate' || field === 'maxAnnualRate' ? 'annualRatePercent' : (field ?? 'body'));

const invalid = (error: CoreError): AppError => new AppError('VALIDATION_FAILED', { field: apiField(error.field), reason: `${error.message} (${error.code})` });

/** Zod's path `fees.0.amount` as the API spells it: `fees[0].amount`. */
const pathField = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)), '') || 'body';

/** The request: unknown fields are refused, named `fees[0].amount` style. */
export const quoteBody = failsAs(quoteShape.meta({ id: 'QuoteRequest' }), (error) => {
  const issue = error.issues[0]!;
  const field = issue.code === 'unrecognized_keys' ? pathField([...issue.path, issue.keys[0] ?? '']) : pathField(issue.path);
  return new AppError('VALIDATION_FAILED', { field, reason: issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message });
});

const money = z.string().describe('Yuan with 2 decimals');
const pct = z.string().describe('Percent with 2 decimals');
export const quoteAnswer = z
  .object({
    principal: money,
    annualRatePercent: pct,
    termMonths: z.number().int(),
    method: z.enum(REPAYMENT_METHODS as [string, ...string[]]),
    startDate: z.string(),
    maturityDate: z.string(),
    installments: z.array(
      z.object({
        period: z.number().int(),
        dueDate: z.string(),
        principal: money,
        interest: money,
        fee: money.optional().describe('Per-period fees, when any'),
        total: money,
        remaining: money.describe('Principal left after this installment'),
      }),
    ),
    totalInterest: money,
    totalFees: money,
    totalCost: money,
    totalRepayment: money,
    apr: z.object({ compoundPercent: pct.describe('年化利率 (IRR), what the PBoC requires shown'), simplePercent: pct }),
  })
  .meta({ id: 'QuoteResponse' });

const quoteSchema = {
  ...doc('quote', 'Repayment schedule, total interest and the annualised rate (年化利率) of a loan · 贷款试算', PUBLIC, 'Stateless; needs no login. Every amount is a yuan string with exactly 2 decimals.'),
  body: quoteBody,
  response: { 200: quoteAnswer, ...errorResponses },
};

const percent = (rate: number): string => formatPercent(rate, { sign: false });

export function renderQuoteResponse(quote: LoanQuote) {
  const s = quote.schedule;
  const perPeriod = quote.fees.filter((f) => f.when === 'per_period').reduce((sum, f) => sum + f.amount, 0);
  return {
    principal: formatYuanPlain(s.principal),
    annualRatePercent: percent(s.annualRate),
    termMonths: s.termMonths,
    method: s.method,
    startDate: s.startDate,
    maturityDate: s.maturityDate,
    installments: s.installments.map((i) => ({
      period: i.period,
      dueDate: i.dueDate,
      principal: formatYuanPlain(i.principal),
      interest: formatYuanPlain(i.interest),
      ...(perPeriod > 0 ? { fee: formatYuanPlain(perPeriod) } : {}),
      total: formatYuanPlain(i.total + perPeriod),
      remaining: formatYuanPlain(i.remainingPrincipal),
    })),
    totalInterest: formatYuanPlain(quote.totalInterest),
    totalFees: formatYuanPlain(quote.totalFees),
    totalCost: formatYuanPlain(quote.totalCost),
    totalRepayment: formatYuanPlain(quote.totalRepayment),
    apr: { compoundPercent: percent(quote.apr.compound), simplePercent: percent(quote.apr.simple) },
  };
}

/** Registers POST /api/v1/quote on the app (the app's error handler renders the 400s). */
export function quoteRoutes(app: FastifyInstance): void {
  app.withTypeProvider<ZodTypeProvider>().post('/api/v1/quote', { schema: quoteSchema }, async (request) => {
    const input = parseQuoteRequest(request.body);
    if (!input.ok) throw invalid(input.error);
    if (input.value.principal <= 0) throw new AppError('VALIDATION_FAILED', { field: 'principal', reason: 'must be more than 0 (PRINCIPAL_OUT_OF_RANGE)' });
    const quote = quoteLoan({ ...input.value, maxAnnualRate: QUOTE_MAX_ANNUAL_RATE });
    if (!quote.ok) throw invalid(quote.error);
    return renderQuoteResponse(quote.value);
  });
}
