import { describe, expect, it } from 'vitest';
import { formatPercent, roundRate } from './formatPercent.js';

describe('formatPercent and roundRate', () => {
  it('formats with 2 decimals of a percent, half up', () => {
    expect(formatPercent(0.0648)).toBe('6.48%');
    expect(formatPercent(0.128038)).toBe('12.80%');
    expect(formatPercent(0.135826)).toBe('13.58%');
    expect(formatPercent(0.24)).toBe('24.00%');
    expect(formatPercent(0.00005)).toBe('0.01%');
    expect(formatPercent(0.0648, { sign: false })).toBe('6.48');
    expect(formatPercent(-0.0123)).toBe('-1.23%');
  });

  it('rounds rates to 0.01 percentage points as numbers', () => {
    expect(roundRate(0.128038)).toBe(0.128);
    expect(roundRate(0.066758)).toBe(0.0668);
    expect(roundRate(0.0648)).toBe(0.0648);
    expect(roundRate(0.00125, 'HALF_EVEN')).toBe(0.0012);
  });
});
