import type { Fen } from './lendingBridge.js';
import type { Grade, LimitPolicy } from './product.js';

/**
 * Credit limit (授信额度), rounded down to the product step:
 *
 *   capacity    = income × incomeMultiple[grade] + deposit6m × depositMultiple + annualTax × taxMultiple[grade]
 *   dtiCapacity = (maxDti × income − existingDebt) / instalmentPerFen      (principal whose instalment fits)
 *   limit       = floor_step(min(capacity, dtiCapacity, product max, consumer cap when consumer purpose))
 *
 * income is the assessed monthly income (verified, else declared × haircut). Unknown inputs add
 * nothing to capacity; an unknown existing debt counts as 0 in dtiCapacity (the DTI rule then
 * reports insufficient data, so the limit is only provisional).
 */
export interface LimitInput {
  readonly grade: Grade;
  readonly policy: LimitPolicy;
  readonly productMax: Fen;
  /** The consumer cap when the loan's purpose is consumer; null for business purpose. */
  readonly consumerCap: Fen | null;
  readonly assessedMonthlyIncome: Fen | null;
  readonly existingMonthlyDebt: Fen | null;
  readonly depositAvg6m: Fen | null;
  readonly annualTaxPaid: Fen | null;
  /** The product's DTI maximum; null when the product has no DTI rule. */
  readonly maxDti: number | null;
  /** Level monthly instalment per fen of principal at the offered rate and term (> 0). */
  readonly instalmentPerFen: number;
}

export type LimitBinding = 'capacity' | 'dti' | 'product_max' | 'consumer_cap';

export interface CreditLimit {
  readonly limit: Fen;
  readonly capacity: Fen;
  readonly dtiCapacity: Fen | null;
  /** Which bound set the limit (the first in the order above on ties). */
  readonly binding: LimitBinding;
}

/** Limit from income, deposits, tax, debt headroom and caps; always a multiple of the step in [0, productMax]. */
export function computeCreditLimit(input: LimitInput): CreditLimit {
  const { policy, grade } = input;
  if (!(input.instalmentPerFen > 0)) throw new RangeError('instalmentPerFen must be > 0');
  const income = input.assessedMonthlyIncome ?? 0;
  const capacity = Math.floor(
    income * policy.incomeMultipleByGrade[grade] + (input.depositAvg6m ?? 0) * policy.depositMultiple + (input.annualTaxPaid ?? 0) * policy.taxMultipleByGrade[grade],
  );
  let dtiCapacity: Fen | null = null;
  if (input.maxDti !== null && input.assessedMonthlyIncome !== null) {
    const headroom = input.maxDti * input.assessedMonthlyIncome - (input.existingMonthlyDebt ?? 0);
    dtiCapacity = headroom <= 0 ? 0 : Math.floor(headroom / input.instalmentPerFen);
  }
  let bound = capacity;
  let binding: LimitBinding = 'capacity';
  if (dtiCapacity !== null && dtiCapacity < bound) [bound, binding] = [dtiCapacity, 'dti'];
  if (input.productMax < bound) [bound, binding] = [input.productMax, 'product_max'];
  if (input.consumerCap !== null && input.consumerCap < bound) [bound, binding] = [input.consumerCap, 'consumer_cap'];
  const limit = Math.floor(bound / policy.step) * policy.step;
  return { limit, capacity, dtiCapacity, binding };
}
