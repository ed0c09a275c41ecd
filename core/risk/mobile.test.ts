import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateMobile, validateMobile } from './mobile.js';

describe('validateMobile', () => {
  it('accepts mainland numbers and strips prefixes and separators', () => {
    expect(validateMobile('13812345678')).toEqual({ ok: true, value: '13812345678' });
    expect(validateMobile('+86 138-1234-5678')).toEqual({ ok: true, value: '13812345678' });
    expect(validateMobile('008613812345678')).toEqual({ ok: true, value: '13812345678' });
    expect(validateMobile('8613812345678')).toEqual({ ok: true, value: '13812345678' });
    expect(validateMobile('0086 138.1234.5678')).toEqual({ ok: true, value: '13812345678' });
    expect(validateMobile('＋８６\u3000１３８－１２３４－５６７８')).toEqual({ ok: true, value: '13812345678' });
  });

  it('rejects other shapes with MOBILE_FORMAT', () => {
    for (const bad of ['12812345678', '1381234567', '138123456789', '0731-1234567', 'abcdefghijk', '', '+1 138 1234 5678', '+8612812345678', '138123x45678']) {
      const r = validateMobile(bad);
      expect(!r.ok && r.error.code).toBe('MOBILE_FORMAT');
    }
  });

  it('generates valid numbers', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), (n) => {
      expect(validateMobile(generateMobile(n)).ok).toBe(true);
    }), { numRuns: 2000 });
  });
});
