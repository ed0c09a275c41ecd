import { describe, expect, it } from 'vitest';
import { informationValue, ivBand } from './informationValue.js';

describe('informationValue', () => {
  it('computes IV and its band', () => {
    const r = informationValue([400, 300, 300], [20, 30, 50]);
    const g = [0.4, 0.3, 0.3];
    const b = [0.2, 0.3, 0.5];
    const iv = g.reduce((s, gi, i) => s + (gi - (b[i] as number)) * Math.log(gi / (b[i] as number)), 0);
    expect(r.ok && r.value.iv).toBeCloseTo(iv, 12);
    expect(r.ok && r.value.band).toBe('medium');
    expect([0.01, 0.05, 0.2, 0.4, 0.6].map(ivBand)).toEqual(['useless', 'weak', 'medium', 'strong', 'suspicious']);
    expect(informationValue([1, 2], [0, 0]).ok).toBe(false);
  });
});
