/** Test-only: fast-check generators and helpers shared by the lending tests; never imported by production code. */
import fc from 'fast-check';
import type { Result } from '../result.js';
import { REPAYMENT_METHODS, type RepaymentMethod } from './amortize.js';
import type { ScheduleInput } from './buildSchedule.js';
import { addDays } from '../calendar/index.js';
import { openCreditLine, type CreditLine, type OpenCreditLineInput } from './creditLine.js';
import type { DayCount } from './dayCount.js';

/** Principal in fen: mostly realistic, sometimes tiny, sometimes the maximum. */
export const principalArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 100_000, max: 100_000_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 100_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 100_000_000, max: 10_000_000_000 }) },
);
/** Annual rates 0.01% to 36% in steps of 0.01%. */
export const rateArb = fc.integer({ min: 1, max: 3600 }).map((bp) => bp / 10_000);
export const termArb = fc.oneof(fc.integer({ min: 1, max: 36 }), fc.integer({ min: 1, max: 360 }));
export const methodArb = fc.constantFrom<RepaymentMethod>(...REPAYMENT_METHODS);
export const dayCountArb = fc.constantFrom<DayCount>('ACT/360', 'ACT/365');
/** Dates from 2000 to about 2060, month ends included often. */
export const dateArb = fc.oneof(
  fc.integer({ min: 0, max: 22_000 }).map((d) => addDays('2000-01-01', d)),
  fc.record({ y: fc.integer({ min: 2000, max: 2060 }), m: fc.integer({ min: 1, max: 12 }), d: fc.constantFrom(28, 29, 30, 31) })
    .map(({ y, m, d }) => addDays(`${y}-${String(m).padStart(2, '0')}-01`, d - 1)),
);

export const loanArb: fc.Arbitrary<ScheduleInput> = fc.record({
  principal: principalArb,
  annualRate: rateArb,
  termMonths: termArb,
  method: methodArb,
  startDate: dateArb,
  dayCount: dayCountArb,
  rounding: fc.constantFrom('HALF_UP' as const, 'HALF_EVEN' as const),
});

/** A cheap assertion for hot loops inside properties (fast-check reports the counterexample). */
export function assert(condition: boolean, what: string, context?: unknown): asserts condition {
  if (!condition) throw new Error(`${what}: ${JSON.stringify(context)}`);
}

/** A line for tests: ¥300,000 at 6.48%, valid from 2024-01-15, defaults otherwise. */
export function testLine(overrides: Partial<OpenCreditLineInput> = {}): CreditLine {
  const r = openCreditLine({ id: 'L1', limit: 30_000_000, annualRate: 0.0648, validFrom: '2024-01-15', ...overrides });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value.line;
}

/** Unwraps a Result in tests, failing loudly with its error. */
export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code} (${r.error.field ?? ''}): ${r.error.message}`);
  return r.value;
}
