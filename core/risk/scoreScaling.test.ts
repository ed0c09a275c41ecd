import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oddsToScore, pdToScore, scoreScaling, scoreToOdds, scoreToPd, type ScoreScaling } from './scoreScaling.js';

const s = (() => {
  const r = scoreScaling({ baseScore: 600, baseOdds: 50, pdo: 20 });
  if (!r.ok) throw new Error('scaling');
  return r.value;
})();
const value = (r: { ok: boolean; value?: number }) => (r.ok ? (r.value as number) : Number.NaN);

describe('score scaling (domain.md reference figures)', () => {
  it('600 points at 50:1, PDO 20 → Factor 28.8539, Offset 487.1229', () => {
    expect(s.factor).toBeCloseTo(28.8539, 4);
    expect(s.offset).toBeCloseTo(487.1229, 4);
  });

  it('620 ↔ 100:1 and 600 ↔ 50:1', () => {
    expect(value(oddsToScore(s, 100))).toBeCloseTo(620, 9);
    expect(scoreToOdds(s, 620)).toBeCloseTo(100, 9);
    expect(scoreToOdds(s, 600)).toBeCloseTo(50, 9);
  });

  it('550 ↔ odds 8.84 ↔ PD 10.16%', () => {
    expect(scoreToOdds(s, 550)).toBeCloseTo(8.84, 2);
    expect(scoreToPd(s, 550)).toBeCloseTo(0.1016, 4);
    expect(value(pdToScore(s, scoreToPd(s, 550)))).toBeCloseTo(550, 9);
  });

  it('rejects impossible inputs with typed errors', () => {
    expect(scoreScaling({ baseScore: 600, baseOdds: -1, pdo: 20 }).ok).toBe(false);
    expect(scoreScaling({ baseScore: 600, baseOdds: 50, pdo: 0 }).ok).toBe(false);
    for (const pd of [0, 1, -0.1, Number.NaN]) {
      const r = pdToScore(s, pd);
      expect(!r.ok && r.error.code).toBe('PD_INVALID');
    }
    const o = oddsToScore(s, 0);
    expect(!o.ok && o.error.code).toBe('ODDS_INVALID');
    expect(() => scoreToPd(s, Number.NaN)).toThrow(RangeError);
  });

  it('never yields NaN at extreme scores', () => {
    expect(scoreToPd(s, 1e6)).toBe(0);
    expect(scoreToPd(s, -1e6)).toBe(1);
  });
});

describe('PD is monotone decreasing in the score (property)', () => {
  const scalingArb = fc.record({ baseScore: fc.integer({ min: 300, max: 900 }), baseOdds: fc.double({ min: 0.5, max: 200, noNaN: true }), pdo: fc.double({ min: 5, max: 100, noNaN: true }) })
    .map((p) => scoreScaling(p))
    .filter((r): r is { ok: true; value: ScoreScaling } => r.ok)
    .map((r) => r.value);

  it('a higher score never has a higher PD, and strictly lower within 300–900', () => {
    fc.assert(fc.property(scalingArb, fc.double({ min: -5000, max: 5000, noNaN: true }), fc.double({ min: 0.01, max: 500, noNaN: true }), (sc, a, d) => {
      const pa = scoreToPd(sc, a);
      const pb = scoreToPd(sc, a + d);
      expect(pb).toBeLessThanOrEqual(pa);
      expect(pa >= 0 && pa <= 1).toBe(true);
    }), { numRuns: 5000 });
    fc.assert(fc.property(fc.integer({ min: 300, max: 899 }), (x) => {
      expect(scoreToPd(s, x + 1)).toBeLessThan(scoreToPd(s, x));
    }), { numRuns: 2000 });
  });
});
