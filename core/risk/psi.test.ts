import { describe, expect, it } from 'vitest';
import { countInBands, psi, psiBand } from './psi.js';

describe('psi', () => {
  it('is Σ(A−E)·ln(A/E) over shares', () => {
    const r = psi([50, 30, 20], [40, 30, 30]);
    const expected = (0.4 - 0.5) * Math.log(0.4 / 0.5) + (0.3 - 0.2) * Math.log(0.3 / 0.2);
    expect(r.ok && r.value.psi).toBeCloseTo(expected, 12);
    expect(r.ok && r.value.band).toBe('stable');
  });

  it('is 0 for identical distributions and finite with empty bands', () => {
    expect(psi([1, 2, 3], [2, 4, 6]).ok && psi([1, 2, 3], [2, 4, 6])).toMatchObject({ value: { psi: 0 } });
    const r = psi([100, 0], [50, 50]);
    expect(r.ok && Number.isFinite(r.value.psi) && r.value.band).toBe('shifted');
  });

  it('bands at 0.10 and 0.25', () => {
    expect([0.05, 0.1, 0.2, 0.25, 1].map(psiBand)).toEqual(['stable', 'investigate', 'investigate', 'shifted', 'shifted']);
  });

  it('returns typed errors for bad input', () => {
    for (const [e, a] of [[[1, 2], [1]], [[1], [1]], [[1, -1], [1, 1]], [[0, 0], [1, 1]], [[1, Number.NaN], [1, 1]]] as const) {
      const r = psi(e, a);
      expect(!r.ok && r.error.code).toBe('PSI_INPUT_INVALID');
    }
    expect(psi([1, 1], [1, 1], 0).ok).toBe(false);
  });

  it('counts scores into bands at cut points (right-open)', () => {
    expect(countInBands([550, 600, 639, 640, 700], [600, 640, 680])).toEqual({ ok: true, value: [1, 2, 1, 1] });
    expect(countInBands([1], [5, 5]).ok).toBe(false);
    expect(countInBands([Number.POSITIVE_INFINITY], [5]).ok).toBe(false);
  });
});
