import { formatPercent, quoteLoan, type Fen, type IsoDate, type Product, type RepaymentMethod } from '../../core/index.js';

/**
 * One rate story for every place the bot quotes a rate: the greeting and the FAQ quote the lowest
 * rate of the products this borrower could get (or their own once known); an offer's APR is the
 * range over the product's repayment methods and terms at the offered rate, and its worked example
 * names the method and term it assumes — the same ones every time (exampleTerms).
 */

/** An APR on a stated basis: the repayment method and term it assumes. */
export interface AprOn {
  readonly method: RepaymentMethod;
  readonly termMonths: number;
  /** Compound annualisation (1+r)^12 − 1 of the monthly IRR, rounded to 0.01 pp. */
  readonly compound: number;
  /** Simple annualisation 12·r. */
  readonly simple: number;
}

export interface AprRange {
  /** Lowest and highest compound APR over the product's methods and terms, with their basis. */
  readonly lowest: AprOn;
  readonly highest: AprOn;
  readonly lowestSimple: number;
  readonly highestSimple: number;
}

/** A fee-free loan's APR does not depend on the principal beyond fen rounding (core/risk quotes the same way). */
const REFERENCE_PRINCIPAL: Fen = 10_000_000;

/** The APR of borrowing at `annualRate` with `method` over `termMonths` from `startDate`; null if core refuses the terms. */
export function aprOn(annualRate: number, method: RepaymentMethod, termMonths: number, startDate: IsoDate): AprOn | null {
  const q = quoteLoan({ principal: REFERENCE_PRINCIPAL, annualRate, termMonths, method, startDate });
  return q.ok ? { method, termMonths, compound: q.value.apr.compound, simple: q.value.apr.simple } : null;
}

/**
 * The APR range of a line at `annualRate` over every method and term the product offers. Daily
 * methods depend on the calendar (actual days), so the range is as of `startDate`.
 */
export function aprRange(product: Pick<Product, 'repaymentMethods' | 'termsMonths'>, annualRate: number, startDate: IsoDate): AprRange | null {
  const key = `${product.repaymentMethods.join()}|${product.termsMonths.join()}|${annualRate}|${startDate}`;
  if (rangesKept.has(key)) return rangesKept.get(key)!;
  const range = computeAprRange(product, annualRate, startDate);
  rangesKept.set(key, range);
  // Oldest first: one product catalogue has a handful of rates a day.
  if (rangesKept.size > MAX_RANGES_KEPT) rangesKept.delete(rangesKept.keys().next().value!);
  return range;
}

/**
 * Ranges computed, by their inputs: a range quotes every method and term (a schedule each), and the
 * offer's turns (its card, its terms, an APR question) ask for the same one. Nothing of a borrower's
 * is kept: only a product's methods and terms, a rate and a date.
 */
const rangesKept = new Map<string, AprRange | null>();
const MAX_RANGES_KEPT = 256;

function computeAprRange(product: Pick<Product, 'repaymentMethods' | 'termsMonths'>, annualRate: number, startDate: IsoDate): AprRange | null {
  const all: AprOn[] = [];
  for (const method of product.repaymentMethods) {
    for (const term of product.termsMonths) {
      const a = aprOn(annualRate, method, term, startDate);
      if (a) all.push(a);
    }
  }
  if (!all.length) return null;
  const byCompound = [...all].sort((a, b) => a.compound - b.compound);
  const simples = all.map((a) => a.simple);
  return Object.freeze({ lowest: Object.freeze(byCompound[0]!), highest: Object.freeze(byCompound[byCompound.length - 1]!), lowestSimple: Math.min(...simples), highestSimple: Math.max(...simples) });
}

/** "6.57%–6.73%", or one figure when both ends agree. */
export const percentRange = (low: number, high: number): string => (formatPercent(low) === formatPercent(high) ? formatPercent(low) : `${formatPercent(low)}–${formatPercent(high)}`);

/** The basis of every worked example: 12 monthly equal instalments where offered, else the product's first method and nearest term. */
export function exampleTerms(product: Pick<Product, 'repaymentMethods' | 'termsMonths'>): { readonly method: RepaymentMethod; readonly termMonths: number } {
  const termMonths = product.termsMonths.includes(12) ? 12 : product.termsMonths[product.termsMonths.length - 1]!;
  const method = product.repaymentMethods.includes('equal_installment') ? 'equal_installment' : product.repaymentMethods[0]!;
  return { method, termMonths };
}

/**
 * The products a borrower could be offered: the segment's (individual unless they chose a business
 * product), or all products when none is of that segment.
 */
export function productsFor<P extends Pick<Product, 'segment'>>(products: readonly P[], segment: Product['segment'] = 'individual'): readonly P[] {
  const mine = products.filter((p) => p.segment === segment);
  return mine.length ? mine : products;
}

/** The lowest contract rate (the pricing floor) of the products this borrower could get. */
export const lowestRateFor = (products: readonly Pick<Product, 'segment' | 'pricing'>[], segment?: Product['segment']): number => Math.min(...productsFor(products, segment).map((p) => p.pricing.floor));

/** Interest on ¥10,000 for one day at `annualRate` on the 360-day basis, as yuan text ("1.80"). */
export const dayInterestOn10k = (annualRate: number): string => (Math.round((1_000_000 * annualRate) / 360) / 100).toFixed(2);
