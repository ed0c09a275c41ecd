import { describe, expect, it } from 'vitest';
import { importToadCard } from './importToad.js';
import { score } from './scorecard.js';

const meta = { id: 'imp', name: 'imported', version: '1' };

describe('importToadCard', () => {
  const exported = {
    A: { '[-inf ~ 3)': 100, '[3 ~ 5)': 200, '[5 ~ 8)': 300, '[8 ~ inf)': 400, nan: 500 },
    B: { 'A,B,C,D': 200, 'E,F': 400, else: 500, nan: 0 },
    C: { 'x,nan': 7, y: 3 },
  };

  it('imports intervals, nan, else and lists (nan inside a list = missing)', () => {
    const r = importToadCard(exported, meta);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(score(r.value, { A: 4, B: 'E', C: 'y' }).total).toBe(200 + 400 + 3);
    expect(score(r.value, { A: null, B: 'Z', C: null }).total).toBe(500 + 500 + 7);
  });

  it('rejects malformed exports', () => {
    const code = (x: unknown) => {
      const r = importToadCard(x, meta);
      return r.ok ? 'OK' : r.error.code;
    };
    expect(code([])).toBe('SCORECARD_IMPORT_SHAPE');
    expect(code({ A: 3 })).toBe('SCORECARD_IMPORT_SHAPE');
    expect(code({ A: { '[-inf ~ 3]': 1, nan: 0 } })).toBe('SCORECARD_IMPORT_BIN_LABEL');
    expect(code({ A: { '[0 ~ 3)': 'x', nan: 0 } })).toBe('SCORECARD_IMPORT_SHAPE');
    expect(code({ A: { nan: 1 } })).toBe('SCORECARD_NO_BINS');
    expect(code({ A: { 'x': 1, nan: 1 }, B: { '[0 ~ 1)': 1 } })).toBe('SCORECARD_NO_MISSING_BIN');
    expect(code({ A: { 'x,nan': 1, nan: 2 } })).toBe('SCORECARD_IMPORT_DUPLICATE_BIN');
  });
});
