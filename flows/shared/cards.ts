import { formatPercent, formatYuan, REPAYMENT_METHOD_NAMES_ZH, shanghaiDateOf, type Fen, type IsoDate, type LoanQuote, type RepaymentMethod } from '../../core/index.js';
import type { DrawdownReceipt, LineView, PendingOffer, RepaymentReceipt } from '../host.js';
import type { AccountCard, OfferCard, ReceiptCard, Reply, ReplyOption, ScheduleCard } from '../reply.js';
import { t, type Locale } from '../text/translate.js';
import { aprRange, percentRange, type AprOn } from './rateStory.js';

/** Instalments a schedule card lists: every one of the products' terms; a longer loan lists the first 60. */
const MAX_ROWS = 60;

// No commas inside a name: English lists of methods are comma-separated.
const METHOD_NAMES_EN: Record<RepaymentMethod, string> = {
  equal_installment: 'Equal instalments',
  equal_principal: 'Equal principal',
  interest_first: 'Interest-only (principal at maturity)',
  bullet: 'Principal and interest at maturity',
  daily_revolving: 'Repay any time (daily interest)',
};

export const methodName = (method: RepaymentMethod, locale: Locale): string => (locale === 'en' ? METHOD_NAMES_EN[method] : REPAYMENT_METHOD_NAMES_ZH[method]);

export const yuan = (fen: Fen): string => formatYuan(fen);

/** Daily rate on the 360-day basis, e.g. 6.48% → "0.018%". */
export const dailyRateText = (annualRate: number): string => `${(Math.round((annualRate / 360) * 1e8) / 1e6).toFixed(3)}%`;

/** "等额本息 12期" / "Equal instalments over 12 months": what an APR figure assumes. */
export const aprBasisText = (a: Pick<AprOn, 'method' | 'termMonths'>, locale: Locale): string => t(locale, 'offer.basis', { method: methodName(a.method, locale), term: a.termMonths });

/** The APR of an offer in figures and words: the range over the product's methods and terms at the offered rate. */
export function offerAprText(offer: Pick<PendingOffer, 'annualRate' | 'aprCompound' | 'aprSimple'>, product: { repaymentMethods: readonly RepaymentMethod[]; termsMonths: readonly number[] }, locale: Locale, today: IsoDate): { apr: string; aprSimple: string; aprBasis: string } {
  const range = aprRange(product, offer.annualRate, today);
  // Core refuses none of a valid product's terms; the decision's own figure is the fallback.
  if (!range) return { apr: formatPercent(offer.aprCompound), aprSimple: formatPercent(offer.aprSimple), aprBasis: t(locale, 'offer.aprBasisOne') };
  const apr = percentRange(range.lowest.compound, range.highest.compound);
  return {
    apr,
    aprSimple: percentRange(range.lowestSimple, range.highestSimple),
    aprBasis: apr.includes('–') ? t(locale, 'offer.aprBasis', { lowBasis: aprBasisText(range.lowest, locale), highBasis: aprBasisText(range.highest, locale) }) : t(locale, 'offer.aprBasisOne'),
  };
}

export function offerCard(offer: PendingOffer, product: { nameZh: string; nameEn: string; lineValidityMonths: number; repaymentMethods: readonly RepaymentMethod[]; termsMonths: readonly number[] }, locale: Locale, lineValidUntil: string, today: IsoDate): OfferCard {
  return {
    type: 'offer',
    productName: locale === 'en' ? product.nameEn : product.nameZh,
    limit: yuan(offer.limit),
    ...offerAprText(offer, product, locale, today),
    annualRate: formatPercent(offer.annualRate),
    dailyRate: dailyRateText(offer.annualRate),
    validUntil: lineValidUntil,
    offerExpiresAt: shanghaiDateOf(offer.offerExpiresAt),
    methods: product.repaymentMethods.map((m) => methodName(m, locale)),
    terms: [...product.termsMonths],
  };
}

export function scheduleCard(quote: LoanQuote, locale: Locale): ScheduleCard {
  const s = quote.schedule;
  return {
    type: 'schedule',
    principal: yuan(s.principal),
    termMonths: s.termMonths,
    method: methodName(s.method, locale),
    apr: quote.apr.compoundText,
    aprSimple: quote.apr.simpleText,
    annualRate: formatPercent(s.annualRate),
    totalInterest: yuan(quote.totalInterest),
    totalRepayment: yuan(quote.totalRepayment),
    rows: s.installments.slice(0, MAX_ROWS).map((i) => ({
      period: i.period,
      dueDate: i.dueDate,
      principal: yuan(i.principal),
      interest: yuan(i.interest),
      total: yuan(i.total),
      remaining: yuan(i.remainingPrincipal),
    })),
    moreRows: Math.max(0, s.installments.length - MAX_ROWS),
  };
}

export function accountCard(line: LineView): AccountCard {
  return {
    type: 'account',
    limit: yuan(line.limit),
    available: yuan(line.available),
    outstanding: yuan(line.outstanding),
    ...(line.nextDue ? { nextDue: { date: line.nextDue.date, amount: yuan(line.nextDue.amount) } } : {}),
    ...(line.overdue > 0 ? { overdue: { amount: yuan(line.overdue), days: line.daysPastDue } } : {}),
    validUntil: line.validUntil,
  };
}

export function drawdownReceiptCard(r: DrawdownReceipt, locale: Locale): ReceiptCard {
  return {
    type: 'receipt',
    kind: 'drawdown',
    reference: r.reference,
    amount: yuan(r.amount),
    at: shanghaiMinute(r.disbursedAt),
    lines: [
      { label: t(locale, 'receipt.card'), value: r.card },
      { label: t(locale, 'receipt.term'), value: t(locale, 'common.months', { n: r.termMonths }) },
      { label: t(locale, 'receipt.method'), value: methodName(r.method, locale) },
      { label: t(locale, 'receipt.rate'), value: formatPercent(r.annualRate) },
      { label: t(locale, 'receipt.firstDue'), value: `${r.firstDue.date} ¥${yuan(r.firstDue.amount)}` },
      { label: t(locale, 'receipt.available'), value: `¥${yuan(r.availableAfter)}` },
    ],
  };
}

export function repaymentReceiptCard(r: RepaymentReceipt, locale: Locale): ReceiptCard {
  return {
    type: 'receipt',
    kind: 'repayment',
    reference: r.reference,
    amount: yuan(r.amount),
    at: shanghaiMinute(r.paidAt),
    lines: [
      { label: t(locale, 'receipt.card'), value: r.card },
      { label: t(locale, 'receipt.principal'), value: `¥${yuan(r.principal)}` },
      { label: t(locale, 'receipt.interest'), value: `¥${yuan(r.interest)}` },
      ...(r.penalty > 0 ? [{ label: t(locale, 'receipt.penalty'), value: `¥${yuan(r.penalty)}` }] : []),
      ...(r.unapplied > 0 ? [{ label: t(locale, 'receipt.unapplied'), value: `¥${yuan(r.unapplied)}` }] : []),
      { label: t(locale, 'receipt.outstanding'), value: `¥${yuan(r.outstandingAfter)}` },
      { label: t(locale, 'receipt.available'), value: `¥${yuan(r.availableAfter)}` },
    ],
  };
}

/** What a borrower can do after a receipt: pay, see the line, or go back to the menu (menu values the session understands). */
function nextSteps(locale: Locale, first: 'draw' | 'repay'): ReplyOption[] {
  return [
    { label: t(locale, first === 'draw' ? 'menu.draw' : 'menu.repay'), value: first },
    { label: t(locale, 'menu.limit'), value: 'limit' },
    { label: t(locale, 'menu.back'), value: 'menu' },
  ];
}

/** The disbursement's reply: what happened, when the first payment is due and how it is collected, the receipt, and what to do next. */
export function drawdownReceiptReply(r: DrawdownReceipt, locale: Locale): Reply {
  return {
    text: t(locale, 'draw.done', { amount: yuan(r.amount), card: r.card, firstDate: r.firstDue.date, firstAmount: yuan(r.firstDue.amount) }),
    card: drawdownReceiptCard(r, locale),
    options: nextSteps(locale, 'repay'),
    sensitive: true,
  };
}

/** The repayment's reply: what was paid, what is left, the receipt, and what to do next. */
export function repaymentReceiptReply(r: RepaymentReceipt, locale: Locale): Reply {
  const settled = r.outstandingAfter === 0;
  return {
    text: t(locale, settled ? 'repay.doneSettled' : 'repay.done', { amount: yuan(r.amount), available: yuan(r.availableAfter), outstanding: yuan(r.outstandingAfter) }),
    card: repaymentReceiptCard(r, locale),
    options: nextSteps(locale, settled ? 'draw' : 'repay'),
    sensitive: true,
  };
}

/** "2026-11-22 15:04" in Shanghai time. */
export function shanghaiMinute(epochMs: number): string {
  const d = new Date(epochMs + 8 * 3_600_000);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)}`;
}
