/**
 * The one registry of reason codes core/risk puts on decisions, rule results and warnings.
 * `zh` is what a borrower may read: it names the general area, never a threshold, score, model
 * variable or list name. `en` is the staff default; results add the observed values in `detail`.
 */
export const RISK_REASONS = {
  // Identity and eligibility
  ID_NUMBER_INVALID: { zh: '身份证号码校验未通过,请核对后重新提交', en: 'Resident ID number fails GB 11643 validation' },
  AGE_BELOW_MIN: { zh: '您的年龄暂不符合本产品的申请条件', en: 'Applicant below the minimum age' },
  AGE_ABOVE_MAX: { zh: '您的年龄暂不符合本产品的申请条件', en: 'Applicant above the maximum age' },
  AGE_AT_MATURITY_ABOVE_MAX: { zh: '您的年龄暂不符合本产品所选期限的申请条件', en: 'Applicant would exceed the maximum age at maturity' },
  USCC_INVALID: { zh: '统一社会信用代码校验未通过,请核对后重新提交', en: 'Unified social credit code fails GB 32100 validation' },
  ENTERPRISE_ROLE_NOT_ALLOWED: { zh: '本产品需由企业法定代表人或个体工商户经营者本人申请', en: "Applicant's role in the enterprise is not admitted by the product" },
  BUSINESS_NOT_ACTIVE: { zh: '企业登记状态暂不符合本产品的申请条件', en: 'Business registry status is not active' },
  BUSINESS_TOO_YOUNG: { zh: '企业成立时间暂不符合本产品的申请条件', en: 'Business registered for less than the minimum period' },
  // Negative information
  COURT_DEFAULTER: { zh: '您存在未履行的法院生效法律文书义务记录,暂无法办理', en: 'On the court defaulter list (失信被执行人)' },
  BANK_BLACKLIST: { zh: '根据本行综合评估,您暂不符合本产品的申请条件', en: "On the bank's internal blacklist" },
  OVERDUE_HISTORY: { zh: '您近两年的信用记录中存在较多逾期,暂不符合申请条件', en: 'Overdue history breaches the consecutive/total rule (连三累六)' },
  CURRENT_OVERDUE: { zh: '您当前有逾期未还的借款,请结清后再申请', en: 'An account is overdue now' },
  HARD_INQUIRIES_EXCESSIVE: { zh: '您近期的信贷申请较为频繁,建议稍后再申请', en: 'Too many hard inquiries in the last 3 months' },
  MULTI_LENDER_EXCESSIVE: { zh: '您当前在多家机构有未结清借款,暂不符合申请条件', en: 'Too many lenders with unsettled credit (多头借贷)' },
  DTI_TOO_HIGH: { zh: '您当前的负债水平相对收入较高,暂无法提供足额授信', en: 'Debt-to-income including the new instalment is above the maximum' },
  IDENTITY_MISMATCH: { zh: '身份信息核验未通过,请确认姓名、身份证号和手机号为本人信息', en: 'Name / ID number / mobile consistency check failed' },
  DEVICE_MISMATCH: { zh: '为保障您的资金安全,本次申请需人工核实', en: 'Device check failed (unusual or shared device)' },
  THIN_CREDIT_FILE: { zh: '您的信用记录较少,本次申请需人工审核', en: 'Credit history shorter than the minimum for automatic approval' },
  // Missing data
  DATA_MISSING_CREDIT_BUREAU: { zh: '未获取到您的征信信息,本次申请需补充授权或人工审核', en: 'Credit bureau report not authorised or not available' },
  DATA_MISSING_HOUSING_FUND: { zh: '未获取到您的公积金信息', en: 'Housing fund data not authorised or not available' },
  DATA_MISSING_SOCIAL_SECURITY: { zh: '未获取到您的社保信息', en: 'Social security data not authorised or not available' },
  DATA_MISSING_TAX: { zh: '未获取到企业纳税信息', en: 'Tax data not authorised or not available' },
  DATA_MISSING_BUSINESS_REGISTRY: { zh: '未获取到企业工商登记信息', en: 'Business registry data not authorised or not available' },
  DATA_MISSING_BANK: { zh: '未获取到您在本行的账户信息', en: "Bank's own account data not available" },
  INCOME_UNKNOWN: { zh: '未能确认您的收入情况,本次申请需补充材料', en: 'Neither verified nor declared income available' },
  WATCHLIST_NOT_CHECKED: { zh: '本次申请需人工审核', en: 'Court defaulter / blacklist check not performed' },
  IDENTITY_NOT_VERIFIED: { zh: '身份核验尚未完成,请完成实名认证', en: 'Identity consistency checks not performed' },
  ENTERPRISE_DATA_MISSING: { zh: '未获取到企业信息,请补充企业名称和统一社会信用代码', en: 'Enterprise product without enterprise identity' },
  // Outcome-level
  SCORE_BELOW_CUTOFF: { zh: '根据综合评估,您暂不符合本产品的申请条件', en: 'Application score below the lowest grade band' },
  LIMIT_BELOW_MINIMUM: { zh: '根据综合评估,可提供的额度低于本产品最低借款金额', en: 'Computed limit below the product minimum amount' },
  // Post-loan early warning (staff-facing)
  EW_OVERDUE: { zh: '存在逾期', en: 'Instalment overdue' },
  EW_BALANCE_DROP: { zh: '账户资金明显下降', en: 'Deposit balance fell sharply against its 6-month average' },
  EW_COURT_RECORD: { zh: '新增涉诉或执行信息', en: 'New court records' },
  EW_COURT_DEFAULTER: { zh: '被列入失信被执行人名单', en: 'Now on the court defaulter list' },
  EW_BUSINESS_DEREGISTERED: { zh: '企业已注销或被吊销', en: 'Business deregistered or licence revoked' },
  EW_BUSINESS_ABNORMAL: { zh: '企业被列入经营异常名录', en: 'Business listed as operating abnormally' },
  EW_MULTI_LENDER_GROWTH: { zh: '他行借贷机构数明显增加', en: 'Number of lenders with unsettled credit grew since approval' },
  EW_BEHAVIOUR_SCORE_LOW: { zh: '行为评分偏低', en: 'Behaviour score below the warning threshold' },
  // Renewal
  RENEWAL_NOT_BUSINESS: { zh: '无还本续贷仅适用于经营性贷款', en: 'Renewal without repayment is for business-purpose loans only' },
  RENEWAL_WINDOW_NOT_OPEN: { zh: '尚未进入续贷办理期', en: 'Before the renewal window' },
  RENEWAL_MATURED: { zh: '贷款已到期,无法办理无还本续贷', en: 'Loan already matured' },
  RENEWAL_OVERDUE_HISTORY: { zh: '借款期间存在逾期,暂不符合续贷条件', en: 'Overdue during the loan term' },
  RENEWAL_WARNING_LEVEL: { zh: '贷后监测存在风险信号,暂不符合续贷条件', en: 'Early-warning level above the renewal maximum' },
  RENEWAL_BEHAVIOUR_SCORE_LOW: { zh: '根据综合评估,暂不符合续贷条件', en: 'Behaviour score below the renewal minimum' },
  RENEWAL_BUSINESS_NOT_ACTIVE: { zh: '企业登记状态暂不符合续贷条件', en: 'Business registry status is not active' },
  RENEWAL_BUSINESS_DATA_MISSING: { zh: '未获取到企业经营信息,续贷需人工审核', en: 'Business registry status unknown' },
} as const satisfies Record<string, { readonly zh: string; readonly en: string }>;

export type RiskReasonCode = keyof typeof RISK_REASONS;

/** A reason as decisions, warnings and renewals report it. */
export interface RiskReason {
  readonly code: RiskReasonCode;
  /** For the borrower. */
  readonly messageZh: string;
  /** For staff: what was observed against which threshold. */
  readonly detail: string;
}
