/**
 * core/lending: money, dates, schedules, APR, revolving credit lines and their ledger postings.
 * Pure functions over plain data. Grouped by who uses them.
 */

// Money, rates and dates (everyone; the calendar itself is core/calendar).
export { roundFen, isFen, type Fen, type RoundingMode } from './roundFen.js';
export { parseYuan, type ParseYuanOptions } from './parseYuan.js';
export { formatYuan, formatYuanPlain, type FormatYuanOptions } from './formatYuan.js';
export { parsePercent } from './parsePercent.js';
export { formatPercent, roundRate } from './formatPercent.js';
export { validateIsoDate } from './validateIsoDate.js';
export { DEFAULT_DAY_COUNT, interestForDays, type DayCount } from './dayCount.js';
export { MAX_ANNUAL_RATE, MAX_PRINCIPAL_FEN, MAX_TERM_MONTHS, MIN_TERM_MONTHS } from './limits.js';
export { LENDING_ERRORS, type LendingErrorCode } from './lendingError.js';

// What borrowers type in chat (flows).
export { parseChineseAmount } from './parseChineseAmount.js';
export { parseTermMonths } from './parseTermMonths.js';

// Schedules, APR and quotes (flows, quote API).
export { isMonthlyMethod, REPAYMENT_METHODS, REPAYMENT_METHOD_NAMES_ZH, type Installment, type RepaymentMethod } from './amortize.js';
export { buildSchedule, validateLoanTerms, type Schedule, type ScheduleInput } from './buildSchedule.js';
export { aprFromCashflows, aprFromSchedule, scheduleCashflows, type Apr, type Fee } from './computeApr.js';
export { parseQuoteRequest, quoteLoan, renderQuote, type LoanQuote, type QuoteInput, type QuoteRequest, type QuoteView } from './quoteLoan.js';

// Revolving credit lines (flows, server).
export {
  changeCreditLineStatus,
  DEFAULT_MAX_ANNUAL_RATE,
  DEFAULT_PENALTY_MULTIPLIER,
  drawdownOutstandingPrincipal,
  lineOutstandingPrincipal,
  openCreditLine,
  recordCreditLineReview,
  type CreditLine,
  type CreditLinePolicy,
  type CreditLineStatus,
  type Drawdown,
  type EarlyRepaymentMode,
  type InstallmentState,
  type InstallmentStatus,
  type LineTransition,
  type OpenCreditLineInput,
  type Prepayment,
} from './creditLine.js';
export { renewCreditLine, renewedValidUntil, type RenewCreditLineInput } from './renewCreditLine.js';
export { worstDaysPastDue } from './worstDaysPastDue.js';
export { drawFromCreditLine, previewDrawdown, type DrawRequest, type DrawResult } from './drawFromCreditLine.js';
export { changeCreditLimit } from './changeCreditLimit.js';
export { evaluateCreditLine, summarizeCreditLine, type CreditLineSummary, type DrawdownSummary } from './evaluateCreditLine.js';
export {
  payNextInstallment,
  payOffCreditLine,
  payoffQuote,
  repayCreditLine,
  type DrawdownPayoff,
  type PayoffQuote,
  type RepaymentAllocation,
  type RepaymentOptions,
  type RepaymentRequest,
  type RepaymentResult,
} from './repayCreditLine.js';
export { allocateRepayment, DEFAULT_ALLOCATION_ORDER, type AmountComponent, type ComponentAmounts } from './allocateRepayment.js';

// Post-loan status (risk, server).
export { classifyLoan, DEFAULT_CLASSIFICATION_THRESHOLDS, delinquencyBucket, LOAN_CLASS_NAMES_ZH, type ClassificationThresholds, type DelinquencyBucket, type LoanClass } from './delinquency.js';

// Ledger (server).
export { isBalanced, LEDGER_ACCOUNTS, trialBalance, type LedgerAccount, type LedgerEntry, type Posting, type PostingKind } from './ledger.js';
