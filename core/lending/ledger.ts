import type { IsoDate } from '../calendar/index.js';
import type { Fen } from './roundFen.js';

/** Accounts the lending core posts to. Income is recognised at accrual; repayments clear receivables. */
export type LedgerAccount =
  | 'loan_principal'
  | 'interest_receivable'
  | 'penalty_receivable'
  | 'interest_income'
  | 'penalty_income'
  | 'borrower_settlement'
  | 'cash';

export const LEDGER_ACCOUNTS: Readonly<Record<LedgerAccount, { readonly nameZh: string; readonly type: 'asset' | 'liability' | 'income' }>> = {
  loan_principal: { nameZh: '贷款本金', type: 'asset' },
  interest_receivable: { nameZh: '应收利息', type: 'asset' },
  penalty_receivable: { nameZh: '应收罚息', type: 'asset' },
  interest_income: { nameZh: '利息收入', type: 'income' },
  penalty_income: { nameZh: '罚息收入', type: 'income' },
  borrower_settlement: { nameZh: '借款人结算账户', type: 'liability' },
  cash: { nameZh: '还款资金（现金/清算）', type: 'asset' },
};

/** One line of a posting: exactly one of debit and credit is positive. */
export interface LedgerEntry {
  readonly account: LedgerAccount;
  readonly debit: Fen;
  readonly credit: Fen;
  readonly memo: string;
}

export type PostingKind = 'disbursement' | 'interest_accrual' | 'penalty_accrual' | 'repayment';

/** A group of entries recorded together; its debits equal its credits. */
export interface Posting {
  readonly kind: PostingKind;
  readonly date: IsoDate;
  readonly lineId: string;
  readonly drawdownId: string;
  readonly memo: string;
  readonly entries: readonly LedgerEntry[];
}

/** A debit entry of `amount` fen. */
export const debit = (account: LedgerAccount, amount: Fen, memo: string): LedgerEntry => ({ account, debit: amount, credit: 0, memo });
/** A credit entry of `amount` fen. */
export const credit = (account: LedgerAccount, amount: Fen, memo: string): LedgerEntry => ({ account, debit: 0, credit: amount, memo });

/** Builds a posting, dropping zero-amount entries. Throws if it does not balance (a bug). */
export function makePosting(head: Omit<Posting, 'entries'>, entries: readonly LedgerEntry[]): Posting {
  const posting: Posting = { ...head, entries: entries.filter((e) => e.debit !== 0 || e.credit !== 0) };
  if (!isBalanced(posting)) throw new Error(`Unbalanced ${head.kind} posting for ${head.drawdownId} on ${head.date}`);
  return posting;
}

/**
 * True when a posting is well formed and balanced: at least two entries, each with whole
 * non-negative fen on exactly one side, and total debits equal to total credits.
 */
export function isBalanced(posting: Pick<Posting, 'entries'>): boolean {
  const { entries } = posting;
  if (entries.length < 2) return false;
  let debits = 0;
  let credits = 0;
  for (const e of entries) {
    if (!Number.isSafeInteger(e.debit) || !Number.isSafeInteger(e.credit) || e.debit < 0 || e.credit < 0) return false;
    if ((e.debit > 0) === (e.credit > 0)) return false;
    debits += e.debit;
    credits += e.credit;
  }
  return debits === credits;
}

/** Net balance (debits − credits) per account over postings: a trial balance. */
export function trialBalance(postings: readonly Posting[]): Partial<Record<LedgerAccount, Fen>> {
  const balances: Partial<Record<LedgerAccount, Fen>> = {};
  for (const p of postings) for (const e of p.entries) balances[e.account] = (balances[e.account] ?? 0) + e.debit - e.credit;
  return balances;
}
