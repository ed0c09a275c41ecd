import { coreError, err, type CoreError } from '../result.js';

/**
 * The one registry of error codes the lending core returns, with an English default and the
 * Simplified Chinese text a borrower may see. Callers switch on `code`; messages may carry detail.
 */
export const LENDING_ERRORS = {
  NOT_UNDERSTOOD: { en: 'Could not understand the input', zh: '没有看懂您输入的内容，请换一种说法，例如“3万”或“12期”' },
  AMOUNT_INVALID: { en: 'Not a valid amount of money', zh: '金额格式不正确' },
  AMOUNT_NEGATIVE: { en: 'Amount must not be negative', zh: '金额不能为负数' },
  AMOUNT_TOO_MANY_DECIMALS: { en: 'Amount has more than 2 decimal places', zh: '金额最多保留两位小数' },
  AMOUNT_OUT_OF_RANGE: { en: 'Amount is outside the allowed range', zh: '金额超出允许范围' },
  PRINCIPAL_OUT_OF_RANGE: { en: 'Principal must be more than 0 and at most 100,000,000.00 yuan', zh: '借款金额须大于0且不超过1亿元' },
  RATE_INVALID: { en: 'Not a valid percentage', zh: '利率格式不正确' },
  RATE_OUT_OF_RANGE: { en: 'Annual rate must be above 0% and at most 36%', zh: '年利率须大于0且不超过36%' },
  RATE_ABOVE_CAP: { en: 'Annual rate is above the product cap', zh: '年利率超过产品上限' },
  TERM_OUT_OF_RANGE: { en: 'Term must be a whole number of months from 1 to 360', zh: '借款期限须为1至360个月' },
  METHOD_UNKNOWN: { en: 'Unknown repayment method', zh: '不支持的还款方式' },
  METHOD_NOT_ALLOWED: { en: 'Repayment method not offered on this credit line', zh: '该额度不支持此还款方式' },
  DAY_COUNT_UNKNOWN: { en: 'Unknown day-count basis', zh: '不支持的计息基准' },
  ROUNDING_UNKNOWN: { en: 'Unknown rounding mode', zh: '不支持的舍入方式' },
  DATE_INVALID: { en: 'Not a real calendar date in YYYY-MM-DD form', zh: '日期格式不正确' },
  DATE_BEFORE_LAST_EVENT: { en: 'Date is before the last recorded event on this credit line', zh: '日期早于上一次业务日期' },
  FEE_INVALID: { en: 'Fee must be a non-negative amount charged upfront or per period', zh: '费用设置不正确' },
  CASHFLOWS_INVALID: { en: 'Cash flows must start with a disbursement and include repayments', zh: '现金流不正确' },
  APR_NO_SOLUTION: { en: 'No annual percentage rate solves these cash flows', zh: '无法计算年化利率' },
  PENALTY_MULTIPLIER_OUT_OF_RANGE: { en: 'Penalty multiplier must be between 1.3 and 1.5', zh: '罚息上浮比例须在30%至50%之间' },
  LIMIT_OUT_OF_RANGE: { en: 'Credit limit must be more than 0 and at most 100,000,000.00 yuan', zh: '授信额度须大于0且不超过1亿元' },
  VALIDITY_OUT_OF_RANGE: { en: 'Validity and review intervals must be whole months from 1 to 360', zh: '额度有效期设置不正确' },
  ID_INVALID: { en: 'Identifier must be a non-empty string', zh: '编号不正确' },
  LINE_NOT_ACTIVE: { en: 'Credit line is not active', zh: '额度当前不可用' },
  LINE_NOT_YET_VALID: { en: 'Credit line is not yet valid on this date', zh: '额度尚未生效' },
  LINE_EXPIRED: { en: 'Credit line has expired', zh: '额度已过有效期' },
  LINE_HAS_OVERDUE: { en: 'Credit line has overdue instalments', zh: '您有逾期未还的借款，请先还款' },
  LINE_HAS_OUTSTANDING: { en: 'Credit line still has outstanding balances', zh: '额度下仍有未结清借款' },
  LINE_STATUS_TRANSITION: { en: 'This status change is not allowed', zh: '额度状态不允许此操作' },
  INSUFFICIENT_AVAILABLE_LIMIT: { en: 'Amount exceeds the available limit', zh: '借款金额超过可用额度' },
  MATURITY_BEYOND_LINE: { en: 'Drawdown would mature after the credit line expires', zh: '借款到期日不能晚于额度到期日' },
  DRAWDOWN_NOT_FOUND: { en: 'No such drawdown on this credit line', zh: '未找到该笔借款' },
  DRAWDOWN_ID_TAKEN: { en: 'A drawdown with this id already exists', zh: '借款编号重复' },
  DRAWDOWN_SETTLED: { en: 'Drawdown is already settled', zh: '该笔借款已结清' },
  NOTHING_TO_REPAY: { en: 'Nothing is due and early repayment was not requested', zh: '当前没有到期应还款项' },
  INSTALLMENT_DUE: { en: 'An instalment is due now: pay it before paying the next one early', zh: '您有到期应还的款项，请先归还本期' },
  ALLOCATION_ORDER_INVALID: { en: 'Allocation order must list penalty, interest and principal once each', zh: '还款冲销顺序设置不正确' },
  OPTION_INVALID: { en: 'Unknown option value', zh: '参数不正确' },
} as const satisfies Record<string, { en: string; zh: string }>;

export type LendingErrorCode = keyof typeof LENDING_ERRORS;

/** Builds the CoreError for a registry code; `detail` replaces the English default when given. */
export function lendingError(code: LendingErrorCode, field?: string, detail?: string): CoreError {
  const entry = LENDING_ERRORS[code];
  return coreError(code, detail ?? entry.en, field, entry.zh);
}

/** Shorthand for `err(lendingError(...))`. */
export const fail = (code: LendingErrorCode, field?: string, detail?: string) => err(lendingError(code, field, detail));
