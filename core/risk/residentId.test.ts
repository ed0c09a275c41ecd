import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageAt, generateResidentId, residentIdCheckChar, validateResidentId } from './residentId.js';

const AS_OF = '2025-06-30';
const errorCode = (id: string, asOf = AS_OF) => {
  const r = validateResidentId(id, asOf);
  return r.ok ? 'OK' : r.error.code;
};

describe('validateResidentId', () => {
  it('accepts the GB 11643 example and derives birth date, sex and age', () => {
    const r = validateResidentId('11010519491231002X', AS_OF);
    expect(r).toEqual({ ok: true, value: { idNumber: '11010519491231002X', regionCode: '110105', provinceName: '北京市', birthDate: '1949-12-31', sex: 'female', age: 75 } });
  });

  it('normalises a lower-case x and surrounding spaces', () => {
    const r = validateResidentId(' 11010519491231002x ', AS_OF);
    expect(r.ok && r.value.idNumber).toBe('11010519491231002X');
  });

  it('returns typed errors for malformed numbers', () => {
    expect(errorCode('1101051949123100')).toBe('ID_NUMBER_FORMAT');
    expect(errorCode('11010519491231002Y')).toBe('ID_NUMBER_FORMAT');
    expect(errorCode('1101051949123100X2')).toBe('ID_NUMBER_FORMAT');
    expect(errorCode('99010519491231002X')).toBe('ID_NUMBER_REGION');
    expect(errorCode('110005194912310020')).toBe('ID_NUMBER_REGION');
    expect(errorCode('110105194902300021')).toBe('ID_NUMBER_BIRTH_DATE');
    expect(errorCode('440524188001010014')).toBe('ID_NUMBER_BIRTH_DATE'); // before 1900
    expect(errorCode('11010519491231002X', '1949-12-30')).toBe('ID_NUMBER_BIRTH_DATE_FUTURE');
    expect(errorCode('110105194912310021')).toBe('ID_NUMBER_CHECK_DIGIT');
    expect(errorCode('11010519491231002X', '2025-02-30')).toBe('AS_OF_INVALID');
    expect(errorCode(undefined as unknown as string)).toBe('ID_NUMBER_FORMAT');
  });

  it('gives borrower-readable Chinese messages', () => {
    const r = validateResidentId('110105194912310021', AS_OF);
    expect(!r.ok && r.error.messageZh).toContain('校验位');
  });

  it('accepts the birthday itself on asOf and permit prefixes 810000/820000/830000', () => {
    expect(errorCode('11010519491231002X', '1949-12-31')).toBe('OK');
    expect(errorCode(generateResidentId({ regionCode: '810000', birthDate: '1990-01-01', sex: 'male', serial: 3 }))).toBe('OK');
  });
});

describe('generateResidentId (property)', () => {
  const spec = fc.record({
    regionCode: fc.constantFrom('110105', '430702', '430721', '410102', '440305', '650102', '810000', '830000'),
    birthDate: fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2025-06-30T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    sex: fc.constantFrom('male' as const, 'female' as const),
    serial: fc.integer({ min: 0, max: 499 }),
  });

  it('always generates numbers that validate, with the birth date and sex of the spec', () => {
    fc.assert(fc.property(spec, (s) => {
      const r = validateResidentId(generateResidentId(s), AS_OF);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.value.birthDate).toBe(s.birthDate);
        expect(r.value.sex).toBe(s.sex);
      }
    }), { numRuns: 3000 });
  });

  it('detects every single-character corruption', () => {
    fc.assert(fc.property(spec, fc.integer({ min: 0, max: 17 }), fc.integer({ min: 1, max: 10 }), (s, pos, shift) => {
      const id = generateResidentId(s);
      const alphabet = pos === 17 ? '0123456789X' : '0123456789';
      const i = alphabet.indexOf(id[pos] as string);
      const replacement = alphabet[(i + shift) % alphabet.length] as string;
      fc.pre(replacement !== id[pos]);
      const corrupted = id.slice(0, pos) + replacement + id.slice(pos + 1);
      expect(validateResidentId(corrupted, AS_OF).ok).toBe(false);
    }), { numRuns: 5000 });
  });

  it('rejects bad specs as programmer errors', () => {
    expect(() => generateResidentId({ regionCode: '990000', birthDate: '1990-01-01', sex: 'male', serial: 1 })).toThrow(RangeError);
    expect(() => generateResidentId({ regionCode: '430702', birthDate: '1990-02-30', sex: 'male', serial: 1 })).toThrow(RangeError);
    expect(() => generateResidentId({ regionCode: '430702', birthDate: '1990-01-01', sex: 'male', serial: 500 })).toThrow(RangeError);
  });
});

describe('residentIdCheckChar and ageAt', () => {
  it('computes MOD 11-2 check characters', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(residentIdCheckChar('1101051949123100')).toBeNull();
    expect(residentIdCheckChar('1101051949123100A')).toBeNull();
  });

  it('computes age in completed years', () => {
    expect(ageAt('1986-05-12', '2025-05-11')).toEqual({ ok: true, value: 38 });
    expect(ageAt('1986-05-12', '2025-05-12')).toEqual({ ok: true, value: 39 });
    expect(ageAt('1986-05-12', '1986-05-11').ok).toBe(false);
  });
});
