import type { FastifyInstance } from 'fastify';
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

/**
 * POST /api/v1/quote: a repayment schedule with total interest and the APR the PBoC requires to be
 * shown (2021 No. 3), for any principal, rate, term, method and fees. Amounts are yuan strings
 * with 2 decimals both ways, so no client does floating-point money. Stateless; no login.
 * docs/quote-api.md and docs/openapi.yaml describe it.
 */

/** Highest annual rate the calculator quotes: the 24% ceiling read for bank internet lending (check). */
export const QUOTE_MAX_ANNUAL_RATE = DEFAULT_MAX_ANNUAL_RATE;

const yuan = z.string({ error: 'must be a yuan amount string such as "100000.00"' });
const body = z.strictObject({
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
  app.post('/api/v1/quote', async (request) => {
    const parsed = body.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.code === 'unrecognized_keys' ? pathField([...issue.path, issue.keys[0] ?? '']) : pathField(issue.path);
      throw new AppError('VALIDATION_FAILED', { field, reason: issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message });
    }
    const input = parseQuoteRequest(parsed.data);
    if (!input.ok) throw invalid(input.error);
    if (input.value.principal <= 0) throw new AppError('VALIDATION_FAILED', { field: 'principal', reason: 'must be more than 0 (PRINCIPAL_OUT_OF_RANGE)' });
    const quote = quoteLoan({ ...input.value, maxAnnualRate: QUOTE_MAX_ANNUAL_RATE });
    if (!quote.ok) throw invalid(quote.error);
    return renderQuoteResponse(quote.value);
  });
}
