import { describe, expect, it } from 'vitest';
import { parsePercent } from './parsePercent.js';

describe('parsePercent', () => {
  it('reads percentages into decimal rates exactly', () => {
    expect(parsePercent('6.48')).toEqual({ ok: true, value: 0.0648 });
    expect(parsePercent('6.48%')).toEqual({ ok: true, value: 0.0648 });
    expect(parsePercent(' 6.48 ％')).toEqual({ ok: true, value: 0.0648 });
    expect(parsePercent('24')).toEqual({ ok: true, value: 0.24 });
    expect(parsePercent('0.5')).toEqual({ ok: true, value: 0.005 });
    expect(parsePercent('3.65')).toEqual({ ok: true, value: 0.0365 });
    expect(parsePercent('100')).toEqual({ ok: true, value: 1 });
    expect(parsePercent('7.123456')).toEqual({ ok: true, value: 0.07123456 });
  });

  it('rejects garbage and signs with RATE_INVALID on the field', () => {
    for (const bad of ['', 'abc', '-6.48', '+6.48', '6,48', '6.', '.5', '1e2', '6.1234567', '1000']) {
      const r = parsePercent(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('RATE_INVALID');
        expect(r.error.field).toBe('annualRatePercent');
        expect(r.error.messageZh).toBeTruthy();
      }
    }
  });
});
