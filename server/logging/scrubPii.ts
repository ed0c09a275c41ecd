// Mainland ID numbers (18 characters) and mobile numbers are masked wherever they appear in text we
// log, since they also turn up inside free text (a borrower typing their ID number into a chat).
const ID_NUMBER = /(?<![0-9A-Za-z])([1-9]\d{5})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])/g;
const MOBILE = /(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g;
const BANK_CARD = /(?<!\d)(\d{4})\d{8,11}(\d{4})(?!\d)/g;

/** Masks ID numbers, mobile numbers and card numbers in a string. */
export function scrubPii(text: string): string {
  return text
    .replace(ID_NUMBER, (_, a: string, _b: string, c: string) => `${a}********${c.slice(-4)}`)
    .replace(MOBILE, (_, a: string, _b: string, c: string) => `${a}****${c}`)
    .replace(BANK_CARD, (_, a: string, b: string) => `${a}********${b}`);
}
