import type { ConsentSource, DataSource } from '../../core/index.js';
import type { Locale } from '../text/translate.js';

const PURPOSE: Record<DataSource, { zh: string; en: string }> = {
  credit_bureau: { zh: '查询您在中国人民银行征信中心的信用报告，用于贷款审批和贷后管理', en: 'your credit report at the PBoC Credit Reference Center, for approval and loan management' },
  housing_fund: { zh: '查询您的住房公积金缴存记录，用于核实收入、提高额度', en: 'your housing provident fund contributions, to verify income' },
  social_security: { zh: '查询您的社会保险缴纳记录，用于核实工作稳定性', en: 'your social insurance record, to verify employment' },
  tax: { zh: '查询企业纳税信息，用于评估经营状况', en: 'the enterprise tax record, to assess the business' },
  business_registry: { zh: '查询企业工商登记信息，用于核实企业身份和经营状态', en: 'the business registry record, to verify the enterprise' },
  bank: { zh: '使用您在本行的存款、代发工资等信息，用于评估还款能力', en: "your deposits and payroll at this bank, to assess repayment capacity" },
};

export const sourcePurpose = (source: DataSource, locale: Locale): string => PURPOSE[source][locale];

/**
 * The versioned authorisation text shown before any data pull. Its exact wording is hashed
 * into the consent record, so a change of text is a change of version.
 */
export function authorisationText(sources: readonly ConsentSource[], version: string, productName: string, locale: Locale): string {
  if (locale === 'en') {
    return [
      `Data authorisation (version ${version}) for ${productName}`,
      'I authorise the bank to query and use, for this loan application and the management of any resulting loan only:',
      ...sources.map((s, i) => `${i + 1}. ${s.nameEn}${s.required ? ' (required)' : ' (optional)'}: ${PURPOSE[s.source].en}.`),
      'The bank keeps this data confidential, uses it only for these purposes, and does not disclose it to third parties except as required by law. I may revoke this authorisation at any time by replying "revoke"; revocation does not affect loans already made.',
    ].join('\n');
  }
  return [
    `《个人信息查询及使用授权书》（版本 ${version}）— ${productName}`,
    '本人授权贵行仅为本次贷款申请审批及贷后管理之目的，查询、使用以下信息：',
    ...sources.map((s, i) => `${i + 1}. ${s.nameZh}（${s.required ? '必需' : '可选'}）：${PURPOSE[s.source].zh}。`),
    '贵行对上述信息严格保密，仅用于上述用途，除法律法规规定外不向第三方提供。本人可随时回复“撤回授权”撤回本授权，撤回不影响已发放贷款。',
  ].join('\n');
}
