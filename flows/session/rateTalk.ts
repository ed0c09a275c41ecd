import { formatPercent, type Product } from '../../core/index.js';
import type { Reply } from '../reply.js';
import { dayInterestOn10k, lowestRateFor } from '../shared/rateStory.js';
import { t, type Locale } from '../text/translate.js';
import { menuOptions } from './understandMenuText.js';

/** What the session knows of the borrower's rate when it talks about rates. */
export interface RateAudience {
  readonly locale: Locale;
  /** The segment of the product they chose or hold; unknown means an individual. */
  readonly segment?: Product['segment'];
  /** The contract rate of their open line, once known. */
  readonly lineRate?: number;
  /** The rate of an approved offer waiting for acceptance. */
  readonly offeredRate?: number;
}

/**
 * The rate sentence of the greeting and the rate FAQ: the borrower's own rate once they have a
 * line (or an approved offer), otherwise the lowest rate of the products they could get — the
 * individual products unless they chose a business one (an enterprise floor is no promise to a
 * person applying for a personal loan).
 */
export function rateFacts(products: readonly Product[], a: RateAudience): { readonly rate: number; readonly rateWhat: string } {
  if (a.lineRate !== undefined) return { rate: a.lineRate, rateWhat: t(a.locale, 'rate.own', { rate: formatPercent(a.lineRate) }) };
  if (a.offeredRate !== undefined) return { rate: a.offeredRate, rateWhat: t(a.locale, 'rate.offered', { rate: formatPercent(a.offeredRate) }) };
  const rate = lowestRateFor(products, a.segment);
  return { rate, rateWhat: t(a.locale, 'rate.from', { rate: formatPercent(rate) }) };
}

/** The greeting's words. */
export const greetingText = (products: readonly Product[], a: RateAudience): string => t(a.locale, 'greeting', rateFacts(products, a));

/**
 * Placeholders an FAQ answer may use: {rateWhat} (the sentence above), {rateFloor} (its rate, kept
 * for banks' FAQ files), {exampleRate} and {dayInterest} (¥10,000 for one day at that rate, 360-day basis).
 */
export function faqParams(products: readonly Product[], a: RateAudience): Readonly<Record<string, string>> {
  const { rate, rateWhat } = rateFacts(products, a);
  return { rateWhat, rateFloor: formatPercent(rate), exampleRate: formatPercent(rate), dayInterest: dayInterestOn10k(rate) };
}

/**
 * The greeting with the main menu, for a channel that shows it before the borrower writes (the web
 * chat's page); the borrower's first message then says it was seen (`greeted`), so it is not repeated.
 * Nothing is stored for it: a visitor who never writes leaves no conversation behind.
 */
export const welcomeReply = (products: readonly Product[], locale: Locale): Reply => ({
  text: `${greetingText(products, { locale })}\n${t(locale, 'menu.title')}`,
  // Tapped, an option sends its words (the menu reads them): the page shows them as typed, also after a reload.
  options: menuOptions(locale).map((o) => ({ label: o.label, value: o.label })),
});
