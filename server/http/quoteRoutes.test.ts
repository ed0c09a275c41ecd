import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from './errorHandling.js';
import { quoteRoutes } from './quoteRoutes.js';
import { useZodSchemas } from './zodValidation.js';

const base = { principal: '100000.00', annualRatePercent: '6.48', termMonths: 12, method: 'equal_installment', startDate: '2026-01-15' };

describe('POST /api/v1/quote', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    installErrorHandling(app);
    useZodSchemas(app);
    quoteRoutes(app);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  const quote = (payload: unknown) => app.inject({ method: 'POST', url: '/api/v1/quote', payload: payload as Record<string, unknown> });

  it('quotes ¥100,000 at 6.48% over 12 months in equal instalments: ¥8,628.72 a month, APR 6.48% simple / 6.68% compound', async () => {
    const res = await quote(base);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.installments).toHaveLength(12);
    expect(body.installments[0]).toEqual({ period: 1, dueDate: '2026-02-15', principal: '8088.72', interest: '540.00', total: '8628.72', remaining: '91911.28' });
    expect(body.installments.every((i: { total: string }) => i.total === '8628.72')).toBe(true);
    expect(body.installments[11]).toMatchObject({ period: 12, dueDate: '2027-01-15', remaining: '0.00' });
    expect(body.totalInterest).toBe('3544.64'); // 12 × 8,628.72 − 100,000 (domain note: ≈ 3,544.65)
    expect(body.apr).toEqual({ compoundPercent: '6.68', simplePercent: '6.48' });
    expect(body).toMatchObject({ principal: '100000.00', annualRatePercent: '6.48', maturityDate: '2027-01-15', totalFees: '0.00' });
    for (const i of body.installments) for (const k of ['principal', 'interest', 'total', 'remaining']) expect(i[k]).toMatch(/^\d+\.\d{2}$/);
  });

  it('quotes equal principal: month-1 interest ¥540.00, total interest ¥3,510.00', async () => {
    const body = (await quote({ ...base, method: 'equal_principal' })).json();
    expect(body.installments[0]).toMatchObject({ principal: '8333.33', interest: '540.00' });
    expect(body.totalInterest).toBe('3510.00');
  });

  it('counts fees into the APR: ¥1,000 upfront on ¥100,000 at 10.89% → 12.80% simple, 13.58% compound', async () => {
    const res = await quote({ ...base, annualRatePercent: '10.89', fees: [{ amount: '1000.00', when: 'upfront' }] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ apr: { simplePercent: '12.80', compoundPercent: '13.58' }, totalFees: '1000.00' });
  });

  it('shows per-period fees in each instalment', async () => {
    const body = (await quote({ ...base, fees: [{ amount: '50.00', when: 'per_period' }] })).json();
    expect(body.installments[0]).toMatchObject({ fee: '50.00', total: '8678.72' });
    expect(body.totalFees).toBe('600.00');
  });

  it.each([
    ['a negative principal', { principal: '-100.00' }, 'principal'],
    ['a zero principal', { principal: '0.00' }, 'principal'],
    ['a principal with 3 decimals', { principal: '100.001' }, 'principal'],
    ['a principal as a number', { principal: 100000 }, 'principal'],
    ['term 0', { termMonths: 0 }, 'termMonths'],
    ['term 1000', { termMonths: 1000 }, 'termMonths'],
    ['a fractional term', { termMonths: 1.5 }, 'termMonths'],
    ['a rate above the 24% cap', { annualRatePercent: '30' }, 'annualRatePercent'],
    ['a rate above 36%', { annualRatePercent: '48' }, 'annualRatePercent'],
    ['a zero rate', { annualRatePercent: '0' }, 'annualRatePercent'],
    ['a rate that is not a number', { annualRatePercent: 'six' }, 'annualRatePercent'],
    ['an unknown method', { method: 'balloon' }, 'method'],
    ['a date that does not exist', { startDate: '2026-02-30' }, 'startDate'],
    ['a date in another format', { startDate: '15/01/2026' }, 'startDate'],
    ['a fee charged at an unknown time', { fees: [{ amount: '10.00', when: 'yearly' }] }, 'fees[0].when'],
    ['a negative fee', { fees: [{ amount: '-1.00', when: 'upfront' }] }, 'fees[0].amount'],
    ['an unknown field', { currency: 'USD' }, 'currency'],
  ])('refuses %s with 400 naming the field', async (_label, change, field) => {
    const res = await quote({ ...base, ...change });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field } });
    expect(res.json().error.message).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: `));
  });

  it('refuses a missing field, malformed JSON and a body that is not JSON', async () => {
    const missing = await quote({ ...base, startDate: undefined });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'startDate' });
    const malformed = await app.inject({ method: 'POST', url: '/api/v1/quote', headers: { 'content-type': 'application/json' }, payload: '{"principal": "100000.00",' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatchObject({ code: 'BODY_INVALID' });
    const array = await quote([1, 2]);
    expect(array.statusCode).toBe(400);
    expect(array.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body' });
  });
});
