import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSocialCreditCode, socialCreditCheckChar, USCC_CHARSET, validateSocialCreditCode } from './socialCreditCode.js';

const code = (s: string) => {
  const r = validateSocialCreditCode(s);
  return r.ok ? 'OK' : r.error.code;
};

describe('validateSocialCreditCode', () => {
  it('accepts published codes (national and Shenzhen registrations)', () => {
    const r = validateSocialCreditCode('91100000100003962T');
    expect(r.ok && r.value).toMatchObject({ registrationAuthority: '9', entityType: '1', entityKind: 'enterprise', regionCode: '100000', organisationCode: '100003962' });
    expect(code('91440300708461136T')).toBe('OK');
    expect(code(' 91440300708461136t ')).toBe('OK');
  });

  it('returns typed errors', () => {
    expect(code('91440300708461136')).toBe('USCC_FORMAT');
    expect(code('91440300708461136I')).toBe('USCC_FORMAT'); // I, O, Z, S, V are not in the charset
    expect(code('9144030070846113OT')).toBe('USCC_FORMAT');
    expect(code('94440300708461136T')).toBe('USCC_REGISTRATION_AUTHORITY');
    expect(code('91990300708461136T')).toBe('USCC_REGION');
    expect(code('91440300708461136U')).toBe('USCC_CHECK_CHARACTER');
  });

  it('classifies individual businesses and cooperatives', () => {
    const ib = validateSocialCreditCode(generateSocialCreditCode({ kind: 'individual_business', regionCode: '430702', serial: 1 }));
    expect(ib.ok && ib.value.entityKind).toBe('individual_business');
    const co = validateSocialCreditCode(generateSocialCreditCode({ kind: 'farmer_cooperative', regionCode: '430702', serial: 2 }));
    expect(co.ok && co.value.entityKind).toBe('farmer_cooperative');
  });

  it('check character uses the 31-character set', () => {
    expect(USCC_CHARSET).toHaveLength(31);
    expect(socialCreditCheckChar('91100000100003962')).toBe('T');
    expect(socialCreditCheckChar('9110000010000396I')).toBeNull();
  });
});

describe('generateSocialCreditCode (property)', () => {
  const spec = fc.record({
    kind: fc.constantFrom('enterprise' as const, 'individual_business' as const, 'farmer_cooperative' as const),
    regionCode: fc.constantFrom('430702', '110105', '440300', '650102'),
    serial: fc.integer({ min: 0, max: 99_999_999 }),
  });

  it('always generates valid codes', () => {
    fc.assert(fc.property(spec, (s) => {
      expect(code(generateSocialCreditCode(s))).toBe('OK');
    }), { numRuns: 3000 });
  });

  it('detects every single-character corruption within the charset', () => {
    fc.assert(fc.property(spec, fc.integer({ min: 0, max: 17 }), fc.integer({ min: 1, max: 30 }), (s, pos, shift) => {
      const c = generateSocialCreditCode(s);
      const replacement = USCC_CHARSET[(USCC_CHARSET.indexOf(c[pos] as string) + shift) % 31] as string;
      expect(code(c.slice(0, pos) + replacement + c.slice(pos + 1))).not.toBe('OK');
    }), { numRuns: 5000 });
  });

  it('throws on a bad spec', () => {
    expect(() => generateSocialCreditCode({ kind: 'enterprise', regionCode: '990000', serial: 1 })).toThrow(RangeError);
    expect(() => generateSocialCreditCode({ kind: 'enterprise', regionCode: '430702', serial: 1e9 })).toThrow(RangeError);
  });
});
