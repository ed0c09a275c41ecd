import { describe, expect, it } from 'vitest';
import { parseIntervalLabel } from './scorecardImport.js';

describe('parseIntervalLabel', () => {
  it('reads the three libraries’ interval syntaxes', () => {
    expect(parseIntervalLabel('(-inf, 2.50)')).toEqual({ ok: true, value: { lo: null, hi: 2.5 } });
    expect(parseIntervalLabel('[2.50, 5.00)')).toEqual({ ok: true, value: { lo: 2.5, hi: 5 } });
    expect(parseIntervalLabel('[5.00, inf)')).toEqual({ ok: true, value: { lo: 5, hi: null } });
    expect(parseIntervalLabel('[-inf,2.0)')).toEqual({ ok: true, value: { lo: null, hi: 2 } });
    expect(parseIntervalLabel('[10 ~ inf)')).toEqual({ ok: true, value: { lo: 10, hi: null } });
    expect(parseIntervalLabel('[1e-05, 3)')).toEqual({ ok: true, value: { lo: 0.00001, hi: 3 } });
    expect(parseIntervalLabel('Missing')).toBeNull();
  });

  it('rejects intervals it cannot represent', () => {
    for (const label of ['(2, 5]', '(2, 5)', '[5, 2)', '[inf, 3)']) {
      const r = parseIntervalLabel(label);
      expect(r !== null && !r.ok && r.error.code).toBe('SCORECARD_IMPORT_BIN_LABEL');
    }
  });
});
