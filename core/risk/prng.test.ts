import { describe, expect, it } from 'vitest';
import { createPrng } from './prng.js';

describe('createPrng', () => {
  it('is deterministic per seed and stays in range', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const c = createPrng(7);
    for (let i = 0; i < 1000; i++) {
      const n = c.int(3, 9);
      expect(n >= 3 && n <= 9 && Number.isInteger(n)).toBe(true);
    }
    expect(createPrng(1).next()).not.toBe(createPrng(2).next());
  });

  it('throws when picking from nothing', () => {
    expect(() => createPrng(1).pick([])).toThrow(RangeError);
  });
});
