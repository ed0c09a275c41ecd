import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEMO_PERSONAL_PRODUCT } from './demoProducts.js';
import { gradeForScore, priceRate } from './pricing.js';
import { GRADES, type PricingTable } from './product.js';

describe('gradeForScore', () => {
  const bands = DEMO_PERSONAL_PRODUCT.gradeBands;
  it('A ≥ 680, B 640–679, C 600–639, below 600 none', () => {
    expect([720, 680, 679.9, 640, 639, 600, 599.99].map((s) => gradeForScore(bands, s))).toEqual(['A', 'A', 'B', 'B', 'C', 'C', null]);
  });
});

describe('priceRate', () => {
  it('LPR 3.0% + spread, floored at 6.48% for the seed product', () => {
    const p = DEMO_PERSONAL_PRODUCT.pricing;
    expect(priceRate(p, 'A')).toBe(0.0648);
    expect(priceRate(p, 'B')).toBe(0.08);
    expect(priceRate(p, 'C')).toBe(0.1);
    expect(priceRate({ ...p, lpr: 0.02 }, 'A')).toBe(0.0648); // floor binds
    expect(priceRate({ ...p, spreadByGrade: { A: 0.1, B: 0.2, C: 0.3 } }, 'C')).toBe(0.15); // cap binds
  });

  it('always lies within [floor, cap] (property)', () => {
    const table = fc.record({
      lpr: fc.double({ min: 0, max: 0.2, noNaN: true }),
      a: fc.double({ min: -0.1, max: 0.24, noNaN: true }),
      b: fc.double({ min: -0.1, max: 0.24, noNaN: true }),
      c: fc.double({ min: -0.1, max: 0.24, noNaN: true }),
      lo: fc.double({ min: 0.0001, max: 0.24, noNaN: true }),
      hi: fc.double({ min: 0.0001, max: 0.24, noNaN: true }),
    }).map(({ lpr, a, b, c, lo, hi }): PricingTable => ({ lpr, spreadByGrade: { A: a, B: b, C: c }, floor: Math.min(lo, hi), cap: Math.max(lo, hi) }));
    fc.assert(fc.property(table, fc.constantFrom(...GRADES), (t, g) => {
      const r = priceRate(t, g);
      expect(r).toBeGreaterThanOrEqual(t.floor);
      expect(r).toBeLessThanOrEqual(t.cap);
    }), { numRuns: 5000 });
  });
});
