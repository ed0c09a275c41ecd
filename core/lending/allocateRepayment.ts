import { ok, type Result } from '../result.js';
import { fail } from './lendingError.js';
import type { Fen } from './roundFen.js';

export type AmountComponent = 'penalty' | 'interest' | 'principal';

/** Inside each instalment: penalty → interest → principal (domain notes; configurable). */
export const DEFAULT_ALLOCATION_ORDER: readonly AmountComponent[] = ['penalty', 'interest', 'principal'];

export interface ComponentAmounts {
  readonly penalty: Fen;
  readonly interest: Fen;
  readonly principal: Fen;
}

export interface Allocation<T> {
  readonly item: T;
  readonly paid: ComponentAmounts;
}

/** Checks an allocation order lists penalty, interest and principal exactly once each. */
export function validateAllocationOrder(order: readonly AmountComponent[]): Result<readonly AmountComponent[]> {
  const valid = Array.isArray(order) && order.length === 3 && DEFAULT_ALLOCATION_ORDER.every((c) => order.includes(c));
  return valid ? ok(order) : fail('ALLOCATION_ORDER_INVALID', 'allocationOrder', `Allocation order must be a permutation of penalty, interest, principal: ${JSON.stringify(order)}`);
}

/**
 * Spends `amount` over `items` in the order given (callers sort: overdue oldest first, then the
 * instalment due today), filling each item's components in `order` before moving on.
 * Conserves money: Σ paid + remaining = amount. Items that receive nothing are left out.
 */
export function allocateRepayment<T extends ComponentAmounts>(
  amount: Fen,
  items: readonly T[],
  order: readonly AmountComponent[] = DEFAULT_ALLOCATION_ORDER,
): { readonly allocations: readonly Allocation<T>[]; readonly remaining: Fen } {
  let remaining = amount;
  const allocations: Allocation<T>[] = [];
  for (const item of items) {
    if (remaining === 0) break;
    const paid = { penalty: 0, interest: 0, principal: 0 };
    for (const component of order) {
      const take = Math.min(remaining, Math.max(0, item[component]));
      paid[component] = take;
      remaining -= take;
    }
    if (paid.penalty + paid.interest + paid.principal > 0) allocations.push({ item, paid });
  }
  return { allocations, remaining };
}
