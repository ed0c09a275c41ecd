import { describe, expect, it } from 'vitest';
import { drawFromCreditLine, interestForDays, openCreditLine, type CreditLine } from '../../core/index.js';
import { BatchProgressMeter, progressLine } from './batchProgress.js';
import type { BatchProgress } from './contracts.js';
import { endOfDayLine } from './endOfDayLine.js';

const must = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T => {
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
};

/** ¥10,000 over 6 months drawn 2026-01-15, never repaid: the first instalment falls due 2026-02-15. */
const unpaid = (penaltyMultiplier?: number): CreditLine => {
  const line = must(openCreditLine({ id: 'L', limit: 5_000_000, annualRate: 0.0648, validFrom: '2026-01-01', ...(penaltyMultiplier ? { penaltyMultiplier } : {}) })).line;
  return must(drawFromCreditLine(line, { drawdownId: 'D', amount: 1_000_000, termMonths: 6, method: 'equal_installment', on: '2026-01-15' })).line;
};
const policy = { freezeAfterDpd: 30 };

describe('endOfDayLine', () => {
  it('freezes only past the threshold: 30 days past due stays active, 31 freezes', () => {
    const at30 = must(endOfDayLine(unpaid(), '2026-03-17', null, policy));
    expect(at30).toMatchObject({ dpd: 30, bucket: 'M1', loanClass: 'special_mention', freeze: null });
    expect(at30.after.status).toBe('active');
    const at31 = must(endOfDayLine(unpaid(), '2026-03-18', null, policy));
    expect(at31).toMatchObject({ dpd: 31, bucket: 'M2', freeze: 'freeze' });
    expect(at31.after.status).toBe('frozen');
  });

  it('accrues penalty at the line\'s own multiplier (1.3 here) and recognises nothing more on the same date', () => {
    const first = unpaid(1.3).drawdowns[0]!.installments[0]!;
    const day = must(endOfDayLine(unpaid(1.3), '2026-02-20', null, policy));
    const penalty = interestForDays(first.principal, 0.0648 * 1.3, 5);
    expect(day.drawdowns[0]).toMatchObject({ dpd: 5, penaltyFen: penalty });
    expect(day.postings.map((p) => p.kind)).toEqual(['interest_accrual', 'penalty_accrual']);
    const again = must(endOfDayLine(day.after, '2026-02-20', null, policy));
    expect(again.postings).toEqual([]);
    expect(again.after).toEqual(day.after);
  });

  it('lifts only its own freeze, and only once nothing is past due', () => {
    const frozen = must(endOfDayLine(unpaid(), '2026-03-18', null, policy)).after;
    // Still overdue: stays frozen whatever the reason.
    expect(must(endOfDayLine(frozen, '2026-03-19', 'overdue', policy)).freeze).toBeNull();
    // A line with nothing past due: the overdue freeze goes, a warning's stays.
    const current = { ...unpaid(), status: 'frozen' as const, drawdowns: [] };
    expect(must(endOfDayLine(current, '2026-03-19', 'overdue', policy))).toMatchObject({ freeze: 'unfreeze', after: { status: 'active' } });
    expect(must(endOfDayLine(current, '2026-03-19', 'warning', policy))).toMatchObject({ freeze: null, after: { status: 'frozen' } });
  });

  it('reads a line whose last event is after the date as of that event (core never goes back)', () => {
    const day = must(endOfDayLine(unpaid(), '2026-01-10', null, policy));
    expect(day.on).toBe('2026-01-15');
    expect(day.postings).toEqual([]);
  });
});

describe('BatchProgressMeter', () => {
  it('reports counts, rate and ETA at most every interval, and on flush', () => {
    let t = 0;
    const seen: BatchProgress[] = [];
    const meter = new BatchProgressMeter({ kind: 'eod', businessDate: '2026-03-02', total: 1000 }, (p) => seen.push(p), () => t, 5_000);
    t = 1_000;
    meter.add(100, 10);
    expect(seen).toEqual([]);
    t = 5_000;
    meter.add(150, 5);
    expect(seen).toEqual([{ kind: 'eod', businessDate: '2026-03-02', processed: 250, total: 1000, changed: 15, ratePerSecond: 50, etaSeconds: 15 }]);
    expect(progressLine(seen[0]!)).toBe('eod 2026-03-02: 250/1000 lines (25.0%), 15 changed, 50/s, ETA 15 s');
    t = 6_000;
    expect(meter.flush()).toMatchObject({ processed: 250, ratePerSecond: 42, etaSeconds: 18 });
  });
});
