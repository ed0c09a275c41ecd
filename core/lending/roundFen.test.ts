import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFen, roundFen } from './roundFen.js';

describe('roundFen', () => {
  it('rounds half up (四舍五入) by default, ties away from zero', () => {
    expect(roundFen(0.5)).toBe(1);
    expect(roundFen(1.5)).toBe(2);
    expect(roundFen(2.5)).toBe(3);
    expect(roundFen(2.4999)).toBe(2);
    expect(roundFen(-2.5)).toBe(-3);
    expect(roundFen(-0.4)).toBe(0);
    expect(Object.is(roundFen(-0.4), -0)).toBe(false);
  });

  it('rounds half to even when asked', () => {
    expect(roundFen(0.5, 'HALF_EVEN')).toBe(0);
    expect(roundFen(1.5, 'HALF_EVEN')).toBe(2);
    expect(roundFen(2.5, 'HALF_EVEN')).toBe(2);
    expect(roundFen(3.5, 'HALF_EVEN')).toBe(4);
    expect(roundFen(2.51, 'HALF_EVEN')).toBe(3);
  });

  it('treats binary artefacts of one half as one half', () => {
    // 1.005 yuan in fen is 100.49999999999999 in binary floating point.
    expect(1.005 * 100).toBeLessThan(100.5);
    expect(roundFen(1.005 * 100)).toBe(101);
    expect(roundFen(0.49999999999)).toBe(1);
    expect(roundFen(8628.725 * 100)).toBe(862873);
    expect(roundFen(10_000_000 * 0.0648 / 12)).toBe(54_000);
  });

  it('keeps integers unchanged and handles the largest amounts', () => {
    expect(roundFen(10_000_000_000)).toBe(10_000_000_000);
    expect(roundFen(9_999_999_999.5)).toBe(10_000_000_000);
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), (n) => roundFen(n) === n + 0), { numRuns: 2000 });
  });

  it('is never more than half a fen away from its input', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e10, max: 1e10, noNaN: true }), fc.constantFrom('HALF_UP' as const, 'HALF_EVEN' as const), (x, mode) => {
        const r = roundFen(x, mode);
        return Number.isSafeInteger(r) && Math.abs(r - x) <= 0.5 + 1e-6;
      }),
      { numRuns: 2000 },
    );
  });

  it('throws on NaN and infinities (a bug in the caller)', () => {
    expect(() => roundFen(Number.NaN)).toThrow(RangeError);
    expect(() => roundFen(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('isFen accepts whole non-negative safe numbers only', () => {
    expect(isFen(0)).toBe(true);
    expect(isFen(862872)).toBe(true);
    expect(isFen(1.5)).toBe(false);
    expect(isFen(-1)).toBe(false);
    expect(isFen('1')).toBe(false);
  });
});
