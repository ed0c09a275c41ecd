import { maskBankCard, maskIdNumber, maskMobile } from './mask.js';

/**
 * The one recogniser of personal numbers in free text: resident ID numbers, mainland mobile numbers
 * and bank card numbers, however typed — full-width digits, spaces, dashes or dots between groups,
 * a `+86`/`0086`/`86` prefix on a mobile. Everything that masks, detects or reads such a number
 * (stored transcripts, logs, the web page, group chats, the application's answers) goes through it.
 *
 * Shape rules keep ordinary numbers alone: a number made of separated groups is recognised only in
 * the groupings people use (mobile 3-4-4, ID 6-8-4, card 4-4-4-4…), so `30000 13912345678` is an
 * amount and a mobile, not a card; an ID needs a plausible birth date; a card starts as cards do.
 */

export type PersonalNumberKind = 'id_number' | 'mobile' | 'bank_card';

export interface PersonalNumber {
  readonly kind: PersonalNumberKind;
  /** Normalised: an ID's 15/18 characters (check `X` upper-case), a mobile's 11 digits, a card's digits. */
  readonly value: string;
  /** Where it was typed: [start, end) in UTF-16 code units of the text given (prefix included). */
  readonly start: number;
  readonly end: number;
}

/**
 * Full-width ASCII forms (`０`–`９`, `Ｘ`, `＋`, `－`, `．` …) and the ideographic space as ASCII.
 * One code unit for one, so positions in the result are positions in the input.
 */
export function toHalfWidth(text: string): string {
  return text.replace(/[\uFF01-\uFF5E\u3000]/g, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

/** What people put between groups of digits: spaces, hyphens and dashes, dots. */
const SEPARATOR = '[ \\t\\u00A0.\\-\\u2010-\\u2015\\u2212]';
const SEPARATORS = new RegExp(`${SEPARATOR}+`, 'g');

/** Half-width, separators removed, `x` upper-case: how a number typed into one field is read. */
export const compactNumber = (text: string): string => toHalfWidth(text).replace(SEPARATORS, '').trim().toUpperCase();

const MOBILE = /^1[3-9]\d{9}$/;

/**
 * The 11-digit national mobile in `digits` (digits only, no separators), with its country prefix
 * removed: `86…` (13 digits), `0086…` (15), or any `86…` after a `+`. Null when it is none.
 */
export function nationalMobile(digits: string, plus = false): string | null {
  let national = digits;
  if (plus) national = digits.startsWith('86') ? digits.slice(2) : '';
  else if (digits.length === 15 && digits.startsWith('0086')) national = digits.slice(4);
  else if (digits.length === 13 && digits.startsWith('86')) national = digits.slice(2);
  return MOBILE.test(national) ? national : null;
}

const plausibleDate = (month: string, day: string): boolean => {
  const m = Number(month);
  const d = Number(day);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
};

/** 18 characters: region (first digit 1-8), a birth date of 1900-2099, sequence, check digit or X. */
const isId18 = (s: string): boolean => /^[1-8]\d{16}[\dX]$/.test(s) && /^(19|20)$/.test(s.slice(6, 8)) && plausibleDate(s.slice(10, 12), s.slice(12, 14));
/** The pre-1999 15-digit number: region, yymmdd, sequence. */
const isId15 = (s: string): boolean => /^[1-8]\d{14}$/.test(s) && plausibleDate(s.slice(8, 10), s.slice(10, 12));
/** 16-19 digits starting as UnionPay, Visa, Mastercard, JCB/Amex or the older domestic cards do. */
const isCard = (s: string): boolean => /^[2-69]\d{15,18}$/.test(s);

interface Group {
  readonly digits: string;
  readonly start: number;
  readonly end: number;
}

/** Longest a personal number gets in digits (a `0086` mobile is 15; a card 19). */
const MAX_DIGITS = 19;

/**
 * What the groups `groups` (one or more, separated as typed) spell, if a personal number. `plus`:
 * a `+` came right before the first group; `x`: an `X` closes the last group.
 */
function classify(groups: readonly Group[], plus: boolean, x: boolean): Omit<PersonalNumber, 'start' | 'end'> | null {
  const digits = groups.map((g) => g.digits).join('');
  const sizes = groups.map((g) => g.digits.length);
  const single = groups.length === 1;
  // An ID's groups are at least 3 long but the last (`4307 0219 8104 1348 61`).
  const idGroups = sizes.slice(0, -1).every((n) => n >= 3);
  if (x) {
    const id = `${digits}X`;
    return isId18(id) && idGroups ? { kind: 'id_number', value: id } : null;
  }
  if (digits.length === 18 && isId18(digits) && idGroups) return { kind: 'id_number', value: digits };
  const mobile = nationalMobile(digits, plus);
  // A leading `86`/`0086` group is the prefix; the number's own groups are at least 3 digits.
  if (mobile && (single || sizes.every((n, i) => n >= 3 || (i === 0 && groups[0]!.digits === '86')))) return { kind: 'mobile', value: mobile };
  if (plus) return null;
  if (isCard(digits)) {
    // Cards are written in fours (the last group shorter), or 6 + the rest (19-digit debit cards).
    const fours = sizes.slice(0, -1).every((n) => n === 4) && sizes.at(-1)! <= 4;
    if (single || fours || (sizes.length === 2 && sizes[0] === 6)) return { kind: 'bank_card', value: digits };
  }
  if (single && isId15(digits)) return { kind: 'id_number', value: digits };
  return null;
}

/** Runs of digit groups (with an optional `+` before and `X` after), on half-width text. */
const RUN = new RegExp(`(\\+ ?)?\\d+(?:${SEPARATOR}{1,3}\\d+)*[Xx]?`, 'g');

/** Every personal number in `text`, in order, none overlapping. */
export function findPersonalNumbers(text: string): PersonalNumber[] {
  const half = toHalfWidth(text);
  if (!/\d{2}/.test(half)) return [];
  const found: PersonalNumber[] = [];
  for (const run of half.matchAll(RUN)) {
    const start = run.index;
    const plus = run[1] !== undefined;
    const x = /[Xx]$/.test(run[0]);
    const groups: Group[] = [];
    for (const g of run[0].matchAll(/\d+/g)) groups.push({ digits: g[0], start: start + g.index, end: start + g.index + g[0].length });
    for (let i = 0; i < groups.length; ) {
      let total = 0;
      let last = i;
      while (last < groups.length && total + groups[last]!.digits.length <= MAX_DIGITS) total += groups[last++]!.digits.length;
      // The longest reading from group i wins (an ID over the mobile-like digits inside it).
      let j = last - 1;
      for (; j >= i; j--) {
        const span = groups.slice(i, j + 1);
        const withX = x && j === groups.length - 1 ? classify(span, i === 0 && plus, true) : null;
        const number = withX ?? classify(span, i === 0 && plus, false);
        if (number) {
          found.push({ ...number, start: i === 0 && plus ? start : groups[i]!.start, end: groups[j]!.end + (withX ? 1 : 0) });
          break;
        }
      }
      i = j >= i ? j + 1 : i + 1;
    }
  }
  return found;
}

/** Whether `text` holds a personal number anywhere. */
export const containsPersonalNumber = (text: string): boolean => findPersonalNumbers(text).length > 0;

/** How a recognised number is shown: `138****5678`, `430702********4861`, `6217********0123`. */
export function maskPersonalNumber(n: Pick<PersonalNumber, 'kind' | 'value'>): string {
  switch (n.kind) {
    case 'mobile':
      return maskMobile(n.value);
    case 'id_number':
      return maskIdNumber(n.value);
    case 'bank_card':
      return maskBankCard(n.value);
  }
}

/** `text` with every personal number in it masked (prefixes and separators folded in); the rest as it was. */
export function maskPersonalNumbers(text: string): string {
  const numbers = findPersonalNumbers(text);
  if (!numbers.length) return text;
  let out = '';
  let at = 0;
  for (const n of numbers) {
    out += text.slice(at, n.start) + maskPersonalNumber(n);
    at = n.end;
  }
  return out + text.slice(at);
}

/**
 * The one number of `kind` an answer holds (`我的手机 132 3460 8845` → `13234608845`), or, when it
 * holds none or several, the whole answer compacted, for the field's validator to judge and explain.
 */
export function personalNumberAnswer(text: string, kind: PersonalNumberKind): string {
  const of = findPersonalNumbers(text).filter((n) => n.kind === kind);
  return of.length === 1 ? of[0]!.value : compactNumber(text);
}
