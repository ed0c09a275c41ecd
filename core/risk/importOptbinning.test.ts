import { describe, expect, it } from 'vitest';
import { importOptbinningTable } from './importOptbinning.js';
import { score } from './scorecard.js';

const meta = { id: 'imp', name: 'imported', version: '1' };

describe('importOptbinningTable', () => {
  const rows = [
    { Variable: 'income', Bin: '(-inf, 2.50)', Points: 10.5 },
    { Variable: 'income', Bin: '[2.50, 5.00)', Points: '20.25' },
    { Variable: 'income', Bin: '[5.00, inf)', Points: 35 },
    { Variable: 'income', Bin: 'Special', Points: 0 },
    { Variable: 'income', Bin: 'Missing', Points: 5 },
    { Variable: 'city', Bin: "['A' 'B']", Points: 12 },
    { Variable: 'city', Bin: ['C'], Points: 3 },
    { Variable: 'city', Bin: 'Missing', Points: 1 },
  ];

  it('imports numeric, categorical, Special (else) and Missing bins', () => {
    const r = importOptbinningTable(rows, meta);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.basePoints).toBe(0);
    expect(score(r.value, { income: 3, city: 'B' }).total).toBeCloseTo(32.25, 10);
    expect(score(r.value, { income: null, city: 'Q' }).total).toBe(5 + 1);
    expect(score(r.value, { income: 'n/a', city: 'C' }).total).toBe(0 + 3);
  });

  it('returns clear errors for malformed tables', () => {
    const code = (x: unknown) => {
      const r = importOptbinningTable(x, meta);
      return r.ok ? 'OK' : r.error.code;
    };
    expect(code({})).toBe('SCORECARD_IMPORT_SHAPE');
    expect(code([{ Variable: 'x', Bin: '(2, 5]', Points: 1 }])).toBe('SCORECARD_IMPORT_BIN_LABEL');
    expect(code([{ Variable: 'x', Bin: '[0, 1)', Points: 'abc' }])).toBe('SCORECARD_IMPORT_SHAPE');
    expect(code([{ Variable: 'x', Bin: 'Totals', Points: 1 }])).toBe('SCORECARD_IMPORT_BIN_LABEL');
    expect(code([{ Variable: 'x', Bin: '[0, 1)', Points: 1 }, { Variable: 'x', Bin: "['a']", Points: 1 }, { Variable: 'x', Bin: 'Missing', Points: 0 }])).toBe('SCORECARD_IMPORT_MIXED_BINS');
    expect(code([{ Variable: 'x', Bin: '(-inf, 1.00)', Points: 1 }, { Variable: 'x', Bin: '[2.00, inf)', Points: 1 }, { Variable: 'x', Bin: 'Missing', Points: 0 }])).toBe('SCORECARD_BIN_GAP');
    expect(code([{ Variable: 'x', Bin: '(-inf, 1.00)', Points: 1 }, { Variable: 'x', Bin: '[1.00, inf)', Points: 1 }])).toBe('SCORECARD_NO_MISSING_BIN');
  });

  it('can give absent missing bins the lowest points on request', () => {
    const r = importOptbinningTable([{ Variable: 'x', Bin: '(-inf, 1.00)', Points: 7 }, { Variable: 'x', Bin: '[1.00, inf)', Points: 2 }], { ...meta, missingPolicy: 'lowest' });
    expect(r.ok && score(r.value, {}).total).toBe(2);
  });
});
