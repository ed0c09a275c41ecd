import { describe, expect, it } from 'vitest';
import { changeCreditLimit } from './changeCreditLimit.js';
import { openCreditLine } from './creditLine.js';
import { drawFromCreditLine } from './drawFromCreditLine.js';

const opened = openCreditLine({ id: 'L1', limit: 10_000_000, annualRate: 0.0648, validFrom: '2026-01-15' });
if (!opened.ok) throw new Error(opened.error.message);
const drawn = drawFromCreditLine(opened.value.line, { drawdownId: 'D1', amount: 3_000_000, termMonths: 12, method: 'equal_installment', on: '2026-01-15' });
if (!drawn.ok) throw new Error(drawn.error.message);
const line = drawn.value.line;

describe('changeCreditLimit', () => {
  it('lowers the limit and what is available with it, keeping the drawdowns', () => {
    const r = changeCreditLimit(line, 7_000_000, '2027-01-15');
    expect(r).toMatchObject({ ok: true, value: { line: { limit: 7_000_000, available: 4_000_000, asOf: '2027-01-15' }, postings: [] } });
    if (r.ok) expect(r.value.line.drawdowns).toEqual(line.drawdowns);
  });

  it('may go down to exactly what is drawn, never below', () => {
    expect(changeCreditLimit(line, 3_000_000, '2026-02-01')).toMatchObject({ ok: true, value: { line: { limit: 3_000_000, available: 0 } } });
    expect(changeCreditLimit(line, 2_999_999, '2026-02-01')).toMatchObject({ ok: false, error: { code: 'LIMIT_OUT_OF_RANGE' } });
  });

  it('refuses a date before the line’s last event and a non-positive limit', () => {
    expect(changeCreditLimit(line, 5_000_000, '2026-01-14')).toMatchObject({ ok: false, error: { code: 'DATE_BEFORE_LAST_EVENT' } });
    expect(changeCreditLimit(line, 0, '2026-02-01')).toMatchObject({ ok: false, error: { code: 'LIMIT_OUT_OF_RANGE' } });
  });
});
