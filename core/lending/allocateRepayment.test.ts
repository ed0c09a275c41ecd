import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateRepayment, validateAllocationOrder, type AmountComponent } from './allocateRepayment.js';

const items = [
  { id: 'oldest', penalty: 100, interest: 1_000, principal: 10_000 },
  { id: 'newer', penalty: 50, interest: 900, principal: 10_000 },
];

describe('allocateRepayment', () => {
  it('fills the oldest item first, penalty → interest → principal inside it', () => {
    const { allocations, remaining } = allocateRepayment(11_500, items);
    expect(remaining).toBe(0);
    expect(allocations.map((a) => [a.item.id, a.paid])).toEqual([
      ['oldest', { penalty: 100, interest: 1_000, principal: 10_000 }],
      ['newer', { penalty: 50, interest: 350, principal: 0 }],
    ]);
  });

  it('follows a configured order', () => {
    const { allocations } = allocateRepayment(10_500, items, ['principal', 'interest', 'penalty']);
    expect(allocations[0]?.paid).toEqual({ principal: 10_000, interest: 500, penalty: 0 });
  });

  it('returns what is left after everything is paid', () => {
    expect(allocateRepayment(30_000, items).remaining).toBe(30_000 - 22_050);
    expect(allocateRepayment(0, items)).toEqual({ allocations: [], remaining: 0 });
  });

  it('validates the order', () => {
    expect(validateAllocationOrder(['interest', 'penalty', 'principal']).ok).toBe(true);
    for (const bad of [['interest', 'interest', 'principal'], ['interest', 'principal'], ['fees', 'interest', 'principal'], 'penalty']) {
      expect(validateAllocationOrder(bad as AmountComponent[])).toMatchObject({ ok: false, error: { code: 'ALLOCATION_ORDER_INVALID' } });
    }
  });

  it('conserves money and never over-pays a component (property)', () => {
    const itemArb = fc.record({ penalty: fc.nat(1e6), interest: fc.nat(1e7), principal: fc.nat(1e9) });
    const orderArb = fc.constantFrom<AmountComponent[]>(
      ['penalty', 'interest', 'principal'], ['interest', 'penalty', 'principal'], ['principal', 'interest', 'penalty'],
      ['penalty', 'principal', 'interest'], ['interest', 'principal', 'penalty'], ['principal', 'penalty', 'interest'],
    );
    fc.assert(
      fc.property(fc.nat(5e9), fc.array(itemArb, { maxLength: 20 }), orderArb, (amount, list, order) => {
        const { allocations, remaining } = allocateRepayment(amount, list, order);
        const paid = allocations.reduce((s, a) => s + a.paid.penalty + a.paid.interest + a.paid.principal, 0);
        expect(paid + remaining).toBe(amount);
        expect(remaining).toBeGreaterThanOrEqual(0);
        for (const a of allocations) for (const c of order) expect(a.paid[c] >= 0 && a.paid[c] <= a.item[c]).toBe(true);
        // Money is left over only when every item is paid in full.
        if (remaining > 0) expect(paid).toBe(list.reduce((s, i) => s + i.penalty + i.interest + i.principal, 0));
      }),
      { numRuns: 3000 },
    );
  });
});
