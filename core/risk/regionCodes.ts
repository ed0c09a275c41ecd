/**
 * Province-level codes of GB/T 2260 (the first two digits of a resident ID number or of the
 * region section of a unified social credit code). 81/82/83 are the prefixes of residence
 * permits for Hong Kong, Macao and Taiwan residents (810000/820000/830000).
 */
export const PROVINCE_CODES: Readonly<Record<string, string>> = Object.freeze({
  '11': '北京市', '12': '天津市', '13': '河北省', '14': '山西省', '15': '内蒙古自治区',
  '21': '辽宁省', '22': '吉林省', '23': '黑龙江省',
  '31': '上海市', '32': '江苏省', '33': '浙江省', '34': '安徽省', '35': '福建省', '36': '江西省', '37': '山东省',
  '41': '河南省', '42': '湖北省', '43': '湖南省', '44': '广东省', '45': '广西壮族自治区', '46': '海南省',
  '50': '重庆市', '51': '四川省', '52': '贵州省', '53': '云南省', '54': '西藏自治区',
  '61': '陕西省', '62': '甘肃省', '63': '青海省', '64': '宁夏回族自治区', '65': '新疆维吾尔自治区',
  '81': '香港特别行政区', '82': '澳门特别行政区', '83': '台湾地区',
});

const PERMIT_PROVINCES = new Set(['81', '82', '83']);
const KNOWN = new Uint8Array(100);
const NAMES: string[] = new Array<string>(100).fill('');
for (const [code, name] of Object.entries(PROVINCE_CODES)) {
  KNOWN[Number(code)] = PERMIT_PROVINCES.has(code) ? 2 : 1;
  NAMES[Number(code)] = name;
}

/** Name of a province by its two-digit code as a number (43 → 湖南省); '' when unknown. */
export const provinceName = (code: number): string => NAMES[code] ?? '';

const digitAt = (s: string, i: number): number => s.charCodeAt(i) - 48;

/**
 * Plausibility of a 6-digit administrative region code (not a lookup in the full, changing
 * county list): known province; city section 01–99; permit prefixes only as 810000/820000/830000.
 */
export function isPlausibleRegionCode(code: string): boolean {
  if (typeof code !== 'string' || code.length !== 6) return false;
  for (let i = 0; i < 6; i++) {
    const c = code.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const kind = KNOWN[digitAt(code, 0) * 10 + digitAt(code, 1)];
  if (kind === 0) return false;
  if (kind === 2) return code.endsWith('0000');
  return digitAt(code, 2) !== 0 || digitAt(code, 3) !== 0;
}
