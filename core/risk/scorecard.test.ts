import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adverseFactors, loadScorecard, score, scoreTotal, type Scorecard } from './scorecard.js';

const base = {
  id: 'test', name: 'test card', version: '1', purpose: 'application', basePoints: 500,
  variables: [
    { name: 'age', kind: 'numeric', missing: { points: -5 }, else: { points: -10 }, bins: [{ lo: 18, hi: 30, points: 10 }, { lo: 30, hi: null, points: 20 }] },
    { name: 'city', kind: 'categorical', missing: { points: 0 }, bins: [{ values: ['A', 'B'], points: 15 }, { values: ['C'], points: 5 }] },
  ],
};

const load = (raw: unknown): Scorecard => {
  const r = loadScorecard(raw);
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
};
const codeOf = (raw: unknown) => {
  const r = loadScorecard(raw);
  return r.ok ? 'OK' : r.error.code;
};
const withVar = (v: object) => ({ ...base, variables: [v] });

describe('loadScorecard', () => {
  it('loads, sorts numeric bins and freezes', () => {
    const card = load(withVar({ name: 'x', kind: 'numeric', missing: { points: 0 }, bins: [{ lo: 5, hi: null, points: 2 }, { lo: null, hi: 5, points: 1 }] }));
    const v = card.variables[0];
    expect(v?.kind === 'numeric' && v.bins.map((b) => b.lo)).toEqual([null, 5]);
    expect(Object.isFrozen(card)).toBe(true);
  });

  it('rejects gaps, overlaps, empty bins and a missing missing-bin with typed errors', () => {
    const num = (bins: object[], extra: object = {}) => withVar({ name: 'x', kind: 'numeric', missing: { points: 0 }, bins, ...extra });
    expect(codeOf(num([{ lo: null, hi: 5, points: 1 }, { lo: 6, hi: null, points: 2 }]))).toBe('SCORECARD_BIN_GAP');
    expect(codeOf(num([{ lo: null, hi: 6, points: 1 }, { lo: 5, hi: null, points: 2 }]))).toBe('SCORECARD_BIN_OVERLAP');
    expect(codeOf(num([{ lo: null, hi: null, points: 1 }, { lo: 5, hi: null, points: 2 }]))).toBe('SCORECARD_BIN_OVERLAP');
    expect(codeOf(num([{ lo: 5, hi: 5, points: 1 }]))).toBe('SCORECARD_BIN_EMPTY');
    expect(codeOf(num([]))).toBe('SCORECARD_NO_BINS');
    expect(codeOf(num([{ lo: 0, hi: 1, points: Number.NaN }]))).toBe('SCORECARD_POINTS_INVALID');
    expect(codeOf(num([{ lo: 0, hi: 1, points: 1 }], { missing: undefined }))).toBe('SCORECARD_NO_MISSING_BIN');
    expect(codeOf(withVar({ name: 'c', kind: 'categorical', missing: { points: 0 }, bins: [{ values: ['A'], points: 1 }, { values: ['A', 'B'], points: 2 }] }))).toBe('SCORECARD_BIN_OVERLAP');
    expect(codeOf(withVar({ name: 'c', kind: 'categorical', missing: { points: 0 }, bins: [{ values: [], points: 1 }] }))).toBe('SCORECARD_BIN_INVALID');
    expect(codeOf({ ...base, variables: [base.variables[0], base.variables[0]] })).toBe('SCORECARD_DUPLICATE_VARIABLE');
    expect(codeOf({ ...base, scaling: { baseScore: 600, baseOdds: 0, pdo: 20 } })).toBe('SCORECARD_SCALING_INVALID');
    expect(codeOf({ ...base, purpose: 'marketing' })).toBe('SCORECARD_SHAPE');
    expect(codeOf(null)).toBe('SCORECARD_SHAPE');
  });
});

describe('score', () => {
  const card = load(base);

  it('returns the total and each variable with the bin matched', () => {
    const r = score(card, { age: 35, city: 'B' });
    expect(r.total).toBe(535);
    expect(r.variables).toEqual([
      { variable: 'age', value: 35, bin: '[30, inf)', points: 20, maxPoints: 20 },
      { variable: 'city', value: 'B', bin: 'A,B', points: 15, maxPoints: 15 },
    ]);
  });

  it('sends absent and NaN values to missing, out-of-range and unknown values to else (default: missing points)', () => {
    expect(score(card, {}).variables.map((v) => [v.bin, v.points])).toEqual([['missing', -5], ['missing', 0]]);
    expect(score(card, { age: Number.NaN, city: null }).total).toBe(495);
    expect(score(card, { age: 17, city: 'Z' }).variables.map((v) => [v.bin, v.points])).toEqual([['else', -10], ['else', 0]]);
    expect(score(card, { age: '35' }).variables[0]?.bin).toBe('else');
  });

  it('treats bins as right-open', () => {
    expect(score(card, { age: 30 }).variables[0]?.bin).toBe('[30, inf)');
    expect(score(card, { age: 29.999 }).variables[0]?.bin).toBe('[18, 30)');
    expect(score(card, { age: 18 }).variables[0]?.bin).toBe('[18, 30)');
  });

  it('ranks adverse factors by points lost against the best bin', () => {
    expect(adverseFactors(score(card, { age: 35, city: 'C' }), 2).map((v) => v.variable)).toEqual(['city']);
    // Ties keep card order.
    expect(adverseFactors(score(card, { age: 20, city: 'C' }), 1).map((v) => v.variable)).toEqual(['age']);
  });

  it('throws for an invalid card used without loading (programmer bug)', () => {
    expect(() => score({ ...card, variables: [] }, {})).toThrow(RangeError);
  });
});

describe('score (property): total = base + Σ per-variable points', () => {
  const cardArb = fc
    .array(fc.tuple(fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 10, maxLength: 10 }), fc.boolean()), { minLength: 1, maxLength: 8 })
    .map((vars) => load({
      id: 'p', name: 'p', version: '1', purpose: 'application', basePoints: 300,
      variables: vars.map(([cuts, pts, cat], i) => {
        const sorted = [...cuts].sort((a, b) => a - b);
        if (cat) return { name: `v${i}`, kind: 'categorical', missing: { points: pts[9] as number }, bins: sorted.map((c, k) => ({ values: [String(c)], points: pts[k] as number })) };
        const edges: (number | null)[] = [null, ...sorted, null];
        return { name: `v${i}`, kind: 'numeric', missing: { points: pts[9] as number }, else: { points: pts[8] as number }, bins: edges.slice(0, -1).map((lo, k) => ({ lo, hi: edges[k + 1] as number | null, points: pts[k % 8] as number })) };
      }),
    }));

  it('holds for random cards and inputs', () => {
    fc.assert(fc.property(cardArb, fc.array(fc.oneof(fc.integer({ min: -1200, max: 1200 }), fc.constant(null), fc.double({ noNaN: false }), fc.string()), { minLength: 8, maxLength: 8 }), (card, values) => {
      const features = Object.fromEntries(card.variables.map((v, i) => [v.name, values[i]]));
      const r = score(card, features);
      let sum = card.basePoints;
      for (const v of r.variables) sum += v.points;
      expect(r.total).toBe(sum);
      expect(scoreTotal(card, features)).toBe(r.total);
      expect(Number.isFinite(r.total)).toBe(true);
    }), { numRuns: 2000 });
  });
});
