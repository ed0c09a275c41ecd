import { formatPercent, formatYuan, REPAYMENT_METHOD_NAMES_ZH, shanghaiDateOf, type Fen, type LoanQuote, type RepaymentMethod } from '../../core/index.js';
import type { DrawdownReceipt, LineView, PendingOffer, RepaymentReceipt } from '../host.js';
import type { AccountCard, OfferCard, ReceiptCard, ScheduleCard } from '../reply.js';
import { t, type Locale } from '../text/translate.js';

/** Rows of a schedule shown in chat before "…"; the full table is on the web page and in the API. */
const PREVIEW_ROWS = 3;

const METHOD_NAMES_EN: Record<RepaymentMethod, string> = {
  equal_installment: 'Equal instalments',
  equal_principal: 'Equal principal',
  interest_first: 'Interest first, principal at maturity',
  bullet: 'Principal and interest at maturity',
  daily_revolving: 'Daily interest, repay any time',
};

export const methodName = (method: RepaymentMethod, locale: Locale): string => (locale === 'en' ? METHOD_NAMES_EN[method] : REPAYMENT_METHOD_NAMES_ZH[method]);

export const yuan = (fen: Fen): string => formatYuan(fen);

/** Daily rate on the 360-day basis, e.g. 6.48% → "0.018%". */
export const dailyRateText = (annualRate: number): string => `${(Math.round((annualRate / 360) * 1e8) / 1e6).toFixed(3)}%`;

export function offerCard(offer: PendingOffer, product: { nameZh: string; nameEn: string; lineValidityMonths: number; repaymentMethods: readonly RepaymentMethod[]; termsMonths: readonly number[] }, locale: Locale, lineValidUntil: string): OfferCard {
  return {
    type: 'offer',
    productName: locale === 'en' ? product.nameEn : product.nameZh,
    limit: yuan(offer.limit),
    apr: formatPercent(offer.aprCompound),
    aprSimple: formatPercent(offer.aprSimple),
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
    rows: s.installments.slice(0, PREVIEW_ROWS).map((i) => ({
      period: i.period,
      dueDate: i.dueDate,
      principal: yuan(i.principal),
      interest: yuan(i.interest),
      total: yuan(i.total),
      remaining: yuan(i.remainingPrincipal),
    })),
    moreRows: Math.max(0, s.installments.length - PREVIEW_ROWS),
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

/** "2026-11-22 15:04" in Shanghai time. */
export function shanghaiMinute(epochMs: number): string {
  const d = new Date(epochMs + 8 * 3_600_000);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)}`;
}
