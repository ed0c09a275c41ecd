import { coreError, err, ok, type Result } from '../result.js';
import { PROVINCE_CODES } from './regionCodes.js';

/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015: registration authority ·
 * entity type · 6-digit region · 9-character organisation code · check character, over a
 * 31-character set without I, O, Z, S, V.
 */

export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const VALUE: Readonly<Record<string, number>> = Object.fromEntries([...USCC_CHARSET].map((c, i) => [c, i]));

/** Registration authorities and the entity types each may issue (GB 32100 Annex A). */
const AUTHORITIES: Readonly<Record<string, string>> = {
  '1': '1239', // 机构编制: organs, public institutions, central-level organisations
  '2': '1', // 外交
  '3': '12345', // 司法行政
  '4': '1', // 文化
  '5': '1239', // 民政: social groups, private non-enterprise units, foundations
  '6': '1', // 旅游
  '7': '12', // 宗教
  '8': '1', // 工会
  '9': '123', // 工商 / 市场监管: enterprise, individual business, farmers' cooperative
  A: '1', // 中央军委改革和编制办公室
  N: '1239', // 农业
  Y: '1', // 其他
};

export type UsccEntityKind = 'enterprise' | 'individual_business' | 'farmer_cooperative' | 'other_organisation';

export interface SocialCreditCodeInfo {
  readonly code: string;
  readonly registrationAuthority: string;
  readonly entityType: string;
  /** Kind for business-registry (工商) codes; `other_organisation` for the rest. */
  readonly entityKind: UsccEntityKind;
  readonly regionCode: string;
  readonly organisationCode: string;
}

/** Check character for the first 17 characters; null when they leave the charset. */
export function socialCreditCheckChar(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = VALUE[first17[i] as string];
    if (v === undefined) return null;
    sum += v * (WEIGHTS[i] as number);
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31] as string;
}

const usccError = (code: string, message: string, messageZh: string) => err(coreError(code, message, 'uscc', messageZh));

/**
 * Validates a USCC. Errors: USCC_FORMAT, USCC_REGISTRATION_AUTHORITY, USCC_REGION,
 * USCC_CHECK_CHARACTER. The embedded organisation code's own check (GB 11714) is not enforced:
 * individual businesses' codes do not always carry one.
 */
export function validateSocialCreditCode(input: string): Result<SocialCreditCodeInfo> {
  const code = typeof input === 'string' ? input.trim().toUpperCase() : '';
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) {
    return usccError('USCC_FORMAT', 'a USCC is 18 characters from 0-9 and A-Z without I, O, Z, S, V', '统一社会信用代码应为18位数字或大写字母(不含I、O、Z、S、V)');
  }
  const authority = code[0] as string;
  const type = code[1] as string;
  const types = AUTHORITIES[authority];
  if (types === undefined || !types.includes(type)) {
    return usccError('USCC_REGISTRATION_AUTHORITY', `registration authority/type ${authority}${type} is not defined`, '统一社会信用代码的登记管理部门或机构类别代码不正确');
  }
  const regionCode = code.slice(2, 8);
  const province = regionCode.slice(0, 2);
  if (!/^\d{6}$/.test(regionCode) || (province !== '10' && PROVINCE_CODES[province] === undefined)) {
    return usccError('USCC_REGION', `region section ${regionCode} is not plausible`, '统一社会信用代码的登记管理机关行政区划码不正确');
  }
  if (socialCreditCheckChar(code.slice(0, 17)) !== code[17]) {
    return usccError('USCC_CHECK_CHARACTER', 'check character does not match (GB 32100)', '统一社会信用代码校验位不正确,请核对是否输错');
  }
  const entityKind: UsccEntityKind =
    authority !== '9' ? 'other_organisation' : type === '1' ? 'enterprise' : type === '2' ? 'individual_business' : 'farmer_cooperative';
  return ok({ code, registrationAuthority: authority, entityType: type, entityKind, regionCode, organisationCode: code.slice(8, 17) });
}

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

export interface SocialCreditCodeSpec {
  /** Business-registry entity kind; picks the `9x` prefix. */
  readonly kind: 'enterprise' | 'individual_business' | 'farmer_cooperative';
  /** 6-digit region, e.g. 430702. */
  readonly regionCode: string;
  /** 0–99,999,999: the organisation code body. */
  readonly serial: number;
}

/**
 * Builds a valid test USCC (deterministic, with a GB 11714-valid organisation code). A bad spec
 * is a programmer bug and throws RangeError.
 */
export function generateSocialCreditCode(spec: SocialCreditCodeSpec): string {
  if (!/^\d{6}$/.test(spec.regionCode) || PROVINCE_CODES[spec.regionCode.slice(0, 2)] === undefined) {
    throw new RangeError(`bad region code ${spec.regionCode}`);
  }
  if (!Number.isInteger(spec.serial) || spec.serial < 0 || spec.serial > 99_999_999) throw new RangeError(`serial ${spec.serial} outside 0–99999999`);
  const body = String(spec.serial).padStart(8, '0');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (body.charCodeAt(i) - 48) * (ORG_WEIGHTS[i] as number);
  const c = 11 - (sum % 11);
  const orgCheck = c === 10 ? 'X' : c === 11 ? '0' : String(c);
  const type = spec.kind === 'enterprise' ? '1' : spec.kind === 'individual_business' ? '2' : '3';
  const first17 = `9${type}${spec.regionCode}${body}${orgCheck}`;
  return first17 + (socialCreditCheckChar(first17) as string);
}
