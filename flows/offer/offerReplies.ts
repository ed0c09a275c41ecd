import { formatPercent, isMonthlyMethod, quoteLoan, shanghaiDateOf, type IsoDate, type Product } from '../../core/index.js';
import type { PendingOffer } from '../host.js';
import type { Reply, ReplyOption } from '../reply.js';
import { aprBasisText, dailyRateText, methodName, offerAprText, offerCard, scheduleCard, yuan } from '../shared/cards.js';
import { exampleTerms, percentRange, aprRange } from '../shared/rateStory.js';
import { t, type Locale } from '../text/translate.js';

/** What the offer's replies are built from. */
export interface OfferView {
  readonly pending: PendingOffer;
  readonly product: Product;
  readonly locale: Locale;
  /** The day the borrower reads it (Shanghai): daily methods' APR runs on the calendar from it. */
  readonly today: IsoDate;
  /** The line's last day if it is opened today. */
  readonly lineValidUntil: IsoDate;
}

/** Monthly rate on the annual/12 basis with up to 4 decimals of a percent: 6.48% → "0.54%", 8.5% → "0.7083%". */
export const monthlyRateText = (annualRate: number): string => {
  let percent = ((annualRate / 12) * 100).toFixed(4);
  while (percent.endsWith('0') && percent.length - percent.indexOf('.') > 3) percent = percent.slice(0, -1);
  return `${percent}%`;
};

/**
 * How interest is computed, in the contract's words, for exactly the methods the product offers —
 * as core/lending computes it: daily methods on the actual days at annual/360, monthly methods a
 * flat annual/12 per period on the balance at the start of the period (amortize.ts).
 */
export function interestRulesText(product: Pick<Product, 'repaymentMethods'>, annualRate: number, locale: Locale): string {
  const names = (ms: readonly Product['repaymentMethods'][number][]) => ms.map((m) => methodName(m, locale)).join(t(locale, 'common.listSep'));
  const daily = product.repaymentMethods.filter((m) => !isMonthlyMethod(m));
  const monthly = product.repaymentMethods.filter((m) => isMonthlyMethod(m));
  const rules: string[] = [];
  if (daily.length) rules.push(t(locale, 'terms.daily', { methods: names(daily), daily: dailyRateText(annualRate) }));
  if (monthly.length) rules.push(t(locale, 'terms.monthly', { methods: names(monthly), monthly: monthlyRateText(annualRate) }));
  return rules.join(locale === 'en' ? ' ' : '');
}

/** The approval: limit, contract rate and the APR range it comes to, the deadline; the card shows the same figures. */
export function offerReply(v: OfferView, options: readonly ReplyOption[]): Reply {
  const { pending: p, product, locale } = v;
  const apr = offerAprText(p, product, locale, v.today);
  return {
    text: t(locale, 'offer.approved', { limit: yuan(p.limit), rate: formatPercent(p.annualRate), apr: apr.apr, expires: shanghaiDateOf(p.offerExpiresAt) }),
    card: offerCard(p, product, locale, v.lineValidUntil, v.today),
    options,
    sensitive: true,
  };
}

/** The contract's key terms, as recorded with the acceptance. */
export function termsReply(v: OfferView, termsVersion: string, options: readonly ReplyOption[]): Reply {
  const { pending: p, product, locale } = v;
  const apr = offerAprText(p, product, locale, v.today);
  return {
    text: t(locale, 'offer.terms', {
      version: termsVersion,
      limit: yuan(p.limit),
      validUntil: v.lineValidUntil,
      apr: apr.apr,
      aprSimple: apr.aprSimple,
      rate: formatPercent(p.annualRate),
      interestRules: interestRulesText(product, p.annualRate, locale),
      methods: product.repaymentMethods.map((m) => methodName(m, locale)).join(t(locale, 'common.listSep')),
      terms: product.termsMonths.join('/'),
    }),
    options,
    sensitive: true,
  };
}

/**
 * A worked example on the offered limit, on the basis every example uses (exampleTerms), placed in
 * the offer's APR range; the whole schedule in the card; the offer's options on the same reply.
 */
export function exampleReply(v: OfferView, options: readonly ReplyOption[]): Reply | null {
  const { pending: p, product, locale } = v;
  const basis = exampleTerms(product);
  const q = quoteLoan({ principal: p.limit, annualRate: p.annualRate, termMonths: basis.termMonths, method: basis.method, startDate: v.today });
  if (!q.ok) return null;
  const range = aprRange(product, p.annualRate, v.today);
  return {
    text: t(locale, 'offer.exampleText', {
      amount: yuan(p.limit),
      basis: aprBasisText(basis, locale),
      apr: q.value.apr.compoundText,
      aprSimple: q.value.apr.simpleText,
      range: range ? percentRange(range.lowest.compound, range.highest.compound) : q.value.apr.compoundText,
      interest: yuan(q.value.totalInterest),
    }),
    card: scheduleCard(q.value, locale),
    options,
    sensitive: true,
  };
}
