import { maskPersonalNumbers } from '../../core/index.js';

/**
 * Masks ID, mobile and card numbers in text we store or log, however they were typed (full-width,
 * separated, with a country prefix): they turn up inside free text, such as a borrower typing their
 * ID number into a chat. core/'s personal-number recogniser decides what is one.
 */
export const scrubPii = (text: string): string => maskPersonalNumbers(text);
