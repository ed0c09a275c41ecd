/**
 * Display masking for personal data (PIPL data minimisation). Each helper accepts any string
 * and never returns more than the documented visible part.
 */

const stars = (n: number): string => '*'.repeat(Math.max(0, n));

/** `110105199001011234` → `110105********1234` (region and last 4 visible); short input → all `*`. */
export function maskIdNumber(id: string): string {
  const s = String(id).trim();
  if (s.length < 15) return stars(s.length);
  return s.slice(0, 6) + stars(s.length - 10) + s.slice(-4);
}

/** `13812345678` → `138****5678`; anything not 11 characters keeps only its last 2. */
export function maskMobile(mobile: string): string {
  const s = String(mobile).trim();
  if (s.length === 11) return `${s.slice(0, 3)}****${s.slice(7)}`;
  return stars(s.length - 2) + s.slice(-2);
}

/** `6217001234567890123` → `6217********0123` (first and last 4 visible); short input → all `*`. */
export function maskBankCard(card: string): string {
  const s = String(card).trim();
  if (s.length < 12) return stars(s.length);
  return `${s.slice(0, 4)}********${s.slice(-4)}`;
}

/** Chinese names: first character kept, `张三` → `张*`, `欧阳娜娜` → `欧***`. */
export function maskName(name: string): string {
  const chars = [...String(name).trim()];
  if (chars.length <= 1) return stars(chars.length);
  return (chars[0] as string) + stars(chars.length - 1);
}

/** `91430702MA4L0XXXXX` → `914307**********XX` (authority, type, province-city and last 2 visible). */
export function maskSocialCreditCode(code: string): string {
  const s = String(code).trim();
  if (s.length < 10) return stars(s.length);
  return s.slice(0, 6) + stars(s.length - 8) + s.slice(-2);
}
