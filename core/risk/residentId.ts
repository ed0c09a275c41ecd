import { coreError, err, ok, type Result } from '../result.js';
import { ageOn, daysFromCivil, isRealDate, parseIsoDate, type IsoDate } from '../calendar/index.js';
import { isPlausibleRegionCode, provinceName } from './regionCodes.js';

/**
 * 18-digit citizen identity number (公民身份号码), GB 11643-1999:
 * 6-digit region · 8-digit birth date · 3-digit sequence (odd = male) · ISO 7064 MOD 11-2 check.
 */

export type Sex = 'male' | 'female';

export interface ResidentIdInfo {
  /** Normalised number (trimmed, check character `X` upper-case). */
  readonly idNumber: string;
  readonly regionCode: string;
  readonly provinceName: string;
  readonly birthDate: IsoDate;
  readonly sex: Sex;
  /** Completed years (周岁) on the `asOf` date the number was validated against. */
  readonly age: number;
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';
const MIN_BIRTH_YEAR = 1900;

/** MOD 11-2 check character for the first 17 digits; null when they are not 17 digits. */
export function residentIdCheckChar(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const d = first17.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    sum += d * (WEIGHTS[i] as number);
  }
  return CHECK_CHARS[sum % 11] as string;
}

const digitAt = (s: string, i: number): number => s.charCodeAt(i) - 48;

const idError = (code: string, message: string, messageZh: string) => err(coreError(code, message, 'idNumber', messageZh));

/**
 * Validates a resident ID number against `asOf` (the birth date may not lie after it).
 * Errors: ID_NUMBER_FORMAT, ID_NUMBER_REGION, ID_NUMBER_BIRTH_DATE, ID_NUMBER_BIRTH_DATE_FUTURE,
 * ID_NUMBER_CHECK_DIGIT, AS_OF_INVALID.
 */
export function validateResidentId(input: string, asOf: IsoDate): Result<ResidentIdInfo> {
  const on = parseIsoDate(asOf);
  if (on === null) return err(coreError('AS_OF_INVALID', `asOf is not an ISO date: ${String(asOf)}`, 'asOf'));
  let id = typeof input === 'string' ? input : '';
  // Normalise only when needed: this runs on every decision.
  if (id.length !== 18 || id.charCodeAt(17) === 120 || id.charCodeAt(0) <= 32) id = id.trim().toUpperCase();
  // One pass: digits, check sum, and the sections as numbers.
  let sum = 0;
  let ok17 = id.length === 18;
  for (let i = 0; ok17 && i < 17; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) ok17 = false;
    else sum += d * (WEIGHTS[i] as number);
  }
  const last = id.charCodeAt(17);
  if (!ok17 || !((last >= 48 && last <= 57) || last === 88)) {
    return idError('ID_NUMBER_FORMAT', 'an ID number is 17 digits followed by a digit or X', '身份证号码应为18位,由17位数字和1位数字或X组成');
  }
  const regionCode = id.slice(0, 6);
  if (!isPlausibleRegionCode(regionCode)) {
    return idError('ID_NUMBER_REGION', `region code ${regionCode} is not a plausible GB/T 2260 code`, '身份证号码的地区码不正确,请核对');
  }
  const year = digitAt(id, 6) * 1000 + digitAt(id, 7) * 100 + digitAt(id, 8) * 10 + digitAt(id, 9);
  const month = digitAt(id, 10) * 10 + digitAt(id, 11);
  const day = digitAt(id, 12) * 10 + digitAt(id, 13);
  if (year < MIN_BIRTH_YEAR || !isRealDate(year, month, day)) {
    return idError('ID_NUMBER_BIRTH_DATE', `birth date section ${id.slice(6, 14)} is not a real date`, '身份证号码中的出生日期不正确,请核对');
  }
  if (daysFromCivil(year, month, day) > daysFromCivil(on.year, on.month, on.day)) {
    return idError('ID_NUMBER_BIRTH_DATE_FUTURE', `birth date ${id.slice(6, 14)} lies after ${asOf}`, '身份证号码中的出生日期不正确,请核对');
  }
  if (CHECK_CHARS.charCodeAt(sum % 11) !== last) {
    return idError('ID_NUMBER_CHECK_DIGIT', 'check character does not match (ISO 7064 MOD 11-2)', '身份证号码校验位不正确,请核对是否输错');
  }
  const birth = { year, month, day };
  return ok({
    idNumber: id,
    regionCode,
    provinceName: provinceName(digitAt(id, 0) * 10 + digitAt(id, 1)),
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    sex: digitAt(id, 16) % 2 === 1 ? 'male' : 'female',
    age: ageOn(birth, on),
  });
}

export interface ResidentIdSpec {
  /** 6-digit plausible region code, e.g. 430702 (常德市武陵区). */
  readonly regionCode: string;
  readonly birthDate: IsoDate;
  readonly sex: Sex;
  /** 0–499: picks the 3-digit sequence code (its parity is fixed by `sex`). */
  readonly serial: number;
}

/**
 * Builds a valid test ID number from a spec (deterministic). A bad spec is a programmer bug and
 * throws RangeError.
 */
export function generateResidentId(spec: ResidentIdSpec): string {
  const birth = parseIsoDate(spec.birthDate);
  if (!isPlausibleRegionCode(spec.regionCode)) throw new RangeError(`implausible region code ${spec.regionCode}`);
  if (birth === null || birth.year < MIN_BIRTH_YEAR) throw new RangeError(`bad birth date ${spec.birthDate}`);
  if (!Number.isInteger(spec.serial) || spec.serial < 0 || spec.serial > 499) throw new RangeError(`serial ${spec.serial} outside 0–499`);
  const sequence = spec.serial * 2 + (spec.sex === 'male' ? 1 : 0);
  const first17 = `${spec.regionCode}${spec.birthDate.replaceAll('-', '')}${String(sequence).padStart(3, '0')}`;
  return first17 + (residentIdCheckChar(first17) as string);
}

/** Completed years (周岁) from `birthDate` to `on`; AGE_DATES_INVALID when a date is malformed or `on` precedes the birth. */
export function ageAt(birthDate: IsoDate, on: IsoDate): Result<number> {
  const b = parseIsoDate(birthDate);
  const d = parseIsoDate(on);
  if (b === null || d === null || on < birthDate) return err(coreError('AGE_DATES_INVALID', 'need ISO dates with on ≥ birthDate', 'birthDate'));
  return ok(ageOn(b, d));
}
