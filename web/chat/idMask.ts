// The recogniser's own file, not core/index.ts: the page's bundle stays free of the rest of core.
import { maskPersonalNumbers, toHalfWidth } from '../../core/risk/personalNumbers.js';

/**
 * Masking an ID number as it is typed: the input shows `430702********0230` while the page keeps the
 * real value to send. Pure functions over strings; positions map one to one, so a caret in the
 * shown text is the same caret in the real one.
 */
export const ID_NUMBER_LENGTH = 18;

/** Characters 7-14 (the birth date) shown as `*`, the rest as typed. */
export function maskIdNumber(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) out += i >= 6 && i < 14 ? '*' : value[i];
  return out;
}

/** What may be typed into an ID number: digits, and X (only as the check character); full-width ones too. */
export const idCharacters = (text: string): string => toHalfWidth(text).replace(/[^0-9Xx]/g, '').toUpperCase();

/**
 * How the page shows a message the borrower sends, until the server's echo (stored masked) replaces
 * it: ID, mobile and card numbers masked however typed, as in the transcript.
 */
export const maskSentText = (text: string): string => maskPersonalNumbers(text);

export interface Edit {
  readonly value: string;
  readonly caret: number;
}

/** The real value after replacing [start, end) with `inserted` (filtered), at most 18 characters. */
export function replaceRange(real: string, start: number, end: number, inserted: string): Edit {
  const add = idCharacters(inserted).slice(0, Math.max(0, ID_NUMBER_LENGTH - (real.length - (end - start))));
  return { value: real.slice(0, start) + add + real.slice(end), caret: start + add.length };
}

/** A delete with a collapsed selection removes one character before (backward) or after the caret. */
export function deleteAt(real: string, start: number, end: number, backward: boolean): Edit {
  if (start !== end) return { value: real.slice(0, start) + real.slice(end), caret: start };
  if (backward) return start === 0 ? { value: real, caret: 0 } : { value: real.slice(0, start - 1) + real.slice(start), caret: start - 1 };
  return { value: real.slice(0, start) + real.slice(start + 1), caret: start };
}

/**
 * The real value behind a shown one changed by means other than typing (autofill, a script, an IME):
 * a `*` keeps the real character at its place, anything else is taken as typed.
 */
export function reconcile(real: string, shown: string): string {
  let out = '';
  for (let i = 0; i < shown.length; i++) out += shown[i] === '*' ? (real[i] ?? '') : shown[i];
  return idCharacters(out).slice(0, ID_NUMBER_LENGTH);
}
