/**
 * Reads a number as people type it in Chinese chat, mixing Arabic and Chinese numerals and units:
 * "3万", "三万五", "2.5万", "5千", "一万二", "十万", "1万2000", "一千零五", "壹万". Internal helper of
 * parseChineseAmount and parseTermMonths. Returns the value in millionths (exact BigInt), or null when
 * the text is not one unambiguous number.
 */

/** Value scale: results are integers in units of 10^-6. */
export const MICRO = 1_000_000n;

const DIGITS: Readonly<Record<string, bigint>> = {
  零: 0n, 〇: 0n, 一: 1n, 二: 2n, 两: 2n, 三: 3n, 四: 4n, 五: 5n, 六: 6n, 七: 7n, 八: 8n, 九: 9n,
  壹: 1n, 贰: 2n, 貳: 2n, 叁: 3n, 參: 3n, 肆: 4n, 伍: 5n, 陆: 6n, 陸: 6n, 柒: 7n, 捌: 8n, 玖: 9n,
};
const SMALL_UNITS: Readonly<Record<string, bigint>> = { 十: 10n, 拾: 10n, 百: 100n, 佰: 100n, 千: 1000n, 仟: 1000n, k: 1000n };
const BIG_UNITS: Readonly<Record<string, bigint>> = { 万: 10_000n, 萬: 10_000n, w: 10_000n, 亿: 100_000_000n, 億: 100_000_000n };

const ARABIC = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,6}))?/;

interface NumberToken {
  readonly kind: 'number';
  readonly value: bigint; // in millionths
  readonly arabic: boolean;
  readonly decimal: boolean;
  readonly integerDigits: number;
}
type Token = NumberToken | { readonly kind: 'small' | 'big'; readonly unit: bigint } | { readonly kind: 'zero' };

function tokenize(s: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const rest = s.slice(i);
    const arabic = ARABIC.exec(rest);
    if (arabic) {
      const whole = (arabic[1] ?? '').replaceAll(',', '');
      const frac = arabic[2] ?? '';
      const value = BigInt(whole) * MICRO + BigInt(frac.padEnd(6, '0') || '0');
      tokens.push({ kind: 'number', value, arabic: true, decimal: frac !== '', integerDigits: whole.replace(/^0+(?=\d)/, '').length });
      i += arabic[0].length;
      continue;
    }
    const ch = s[i] ?? '';
    const digit = DIGITS[ch];
    if (digit === 0n) tokens.push({ kind: 'zero' });
    else if (digit !== undefined) tokens.push({ kind: 'number', value: digit * MICRO, arabic: false, decimal: false, integerDigits: 1 });
    else if (SMALL_UNITS[ch] !== undefined) tokens.push({ kind: 'small', unit: SMALL_UNITS[ch] });
    else if (BIG_UNITS[ch] !== undefined) tokens.push({ kind: 'big', unit: BIG_UNITS[ch] });
    else return null;
    i += 1;
  }
  return tokens;
}

const digitsOf = (unit: bigint): number => unit.toString().length - 1;

/** Parses `s` (already normalised: NFKC, lower case, no spaces) into millionths, or null. */
export function parseChineseNumber(s: string): bigint | null {
  const tokens = tokenize(s);
  if (!tokens || tokens.length === 0) return null;

  let total = 0n;
  let section = 0n;
  let pending: NumberToken | null = null;
  let lastSmall: bigint | null = null; // smallest small unit used in the current section
  let lastBig: bigint | null = null;
  let lastUnit: bigint | null = null; // the unit read just before `pending`
  let zeroSeen = false; // an explicit 零 since the last unit: the next number is literal
  let decimalClosed = false; // a decimal number and its unit must end the text

  for (const token of tokens) {
    if (decimalClosed) return null;
    if (token.kind === 'zero') {
      if (pending) return null;
      if (lastUnit === null) return tokens.length === 1 ? 0n : null;
      zeroSeen = true;
      continue;
    }
    if (token.kind === 'number') {
      if (pending) return null; // two numbers in a row: "一二", "3 5"
      pending = token;
      continue;
    }
    if (token.kind === 'small') {
      let n: bigint;
      if (pending) {
        // Inside a section each small unit takes one digit ("三千五百"); a bare Arabic number may
        // lead a section with any size ("12k").
        const leads = section === 0n && lastSmall === null;
        if (pending.value >= 10n * MICRO && !(pending.arabic && leads)) return null;
        n = pending.value;
        if (pending.decimal) decimalClosed = true;
      } else if (token.unit === 10n && section === 0n && lastSmall === null && !zeroSeen) {
        n = MICRO; // 十五 = 15, 十万 = 100000
      } else {
        return null;
      }
      if (lastSmall !== null && token.unit >= lastSmall) return null; // 五百三千
      section += n * token.unit;
      lastSmall = token.unit;
      lastUnit = token.unit;
      pending = null;
      zeroSeen = false;
      continue;
    }
    // big unit
    if (pending) {
      section += pending.value;
      if (pending.decimal) decimalClosed = true;
      if (pending.decimal && lastSmall !== null) return null; // "3千2.5万"
    }
    if (section === 0n) return null; // "万", "零万"
    if (lastBig !== null && (token.unit >= lastBig || section * token.unit >= lastBig * MICRO)) return null; // 3万5千万
    total += section * token.unit;
    section = 0n;
    lastSmall = null;
    lastBig = token.unit;
    lastUnit = token.unit;
    pending = null;
    zeroSeen = false;
  }

  if (pending) {
    const p: NumberToken = pending;
    if (lastUnit === null) {
      section += p.value; // the whole text is one number
    } else if (p.decimal) {
      return null;
    } else if (zeroSeen) {
      if (p.value >= lastUnit * MICRO / 10n || (!p.arabic && p.value >= 10n * MICRO)) return null;
      section += p.value; // 一千零五, 3万零500
    } else if (p.value < 10n * MICRO && p.integerDigits === 1) {
      section += (p.value * lastUnit) / 10n; // colloquial: 三万五 = 35000, 一万二 = 12000, 两千五 = 2500
    } else if (p.arabic && p.integerDigits === digitsOf(lastUnit)) {
      section += p.value; // 1万2000
    } else {
      return null; // 3万50: 30050 or 35000? ask again
    }
  }
  return total + section;
}

/**
 * NFKC (full-width digits, ￥, ，), lower case, no whitespace. Whitespace between two digits ("3 5",
 * "30 000") is kept so the parse fails: the reading is ambiguous.
 */
export const normalizeChatText = (text: string): string =>
  text.normalize('NFKC').toLowerCase().trim().replace(/\s+/gu, (space, offset: number, whole: string) =>
    /\d/.test(whole[offset - 1] ?? '') && /\d/.test(whole[offset + space.length] ?? '') ? ' ' : '');
