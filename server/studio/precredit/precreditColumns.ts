import type { ApplicantProfile, AuthorisedData, BusinessStatus, EnterpriseRole } from '../../../core/index.js';

/**
 * The pre-credit file's columns (docs/studio.md, "Batch pre-credit"): a header row with Chinese or
 * English names, then one customer a row. Money in yuan (元, up to 2 decimals), counts whole,
 * flags 是/否, Y/N, 1/0 or true/false. A source's columns are all empty when the bank has no such
 * data: the decision then treats it as unknown, exactly as in the conversation.
 */
export const PRECREDIT_COLUMNS = [
  // key, Chinese header, required
  ['customerRef', '客户号', true],
  ['name', '姓名', true],
  ['idNumber', '身份证号', true],
  ['mobile', '手机号', true],
  ['branch', '网点', false],
  ['managerCode', '客户经理', false],
  ['monthlyIncome', '月收入', false],
  ['depositAvg6m', '近6月日均存款', false],
  ['customerMonths', '开户月数', false],
  ['payrollMonthly', '代发工资月均', false],
  ['housingFundMonthly', '公积金月缴存额', false],
  ['housingFundMonths', '公积金连续缴存月数', false],
  ['socialSecurityMonths', '社保连续缴纳月数', false],
  ['creditHistoryMonths', '征信历史月数', false],
  ['overdueMaxConsecutive', '近24月最长连续逾期期数', false],
  ['overdueCount', '近24月逾期次数', false],
  ['hardInquiries3m', '近3月硬查询次数', false],
  ['unsettledLenders', '未结清贷款机构数', false],
  ['monthlyDebtPayments', '月还款额', false],
  ['currentOverdue', '当前逾期', false],
  ['courtDefaulter', '失信被执行人', false],
  ['bankBlacklist', '本行黑名单', false],
  ['enterpriseName', '企业名称', false],
  ['uscc', '统一社会信用代码', false],
  ['enterpriseRole', '企业角色', false],
  ['businessStatus', '经营状态', false],
  ['establishedOn', '成立日期', false],
  ['annualTaxPaid', '近12月纳税额', false],
  ['taxGrade', '纳税信用等级', false],
] as const;

export type ColumnKey = (typeof PRECREDIT_COLUMNS)[number][0];

/** Where each known column is in the file's header. */
export type ColumnIndex = Readonly<Partial<Record<ColumnKey, number>>>;

const ALIASES: ReadonlyMap<string, ColumnKey> = (() => {
  const m = new Map<string, ColumnKey>();
  const norm = (s: string) => s.replace(/[\s_\-()（）元]/g, '').toLowerCase();
  for (const [key, zh] of PRECREDIT_COLUMNS) {
    m.set(norm(key), key);
    m.set(norm(zh), key);
  }
  // Common variants in bank exports.
  for (const [alias, key] of [['客户编号', 'customerRef'], ['证件号码', 'idNumber'], ['身份证', 'idNumber'], ['手机', 'mobile'], ['手机号码', 'mobile'], ['phone', 'mobile'], ['客户经理号', 'managerCode'], ['经理', 'managerCode'], ['所属网点', 'branch'], ['日均存款', 'depositAvg6m']] as const) m.set(norm(alias), key);
  return m;
})();
const normHeader = (s: string) => s.replace(/[\s_\-()（）元]/g, '').toLowerCase();

/** The header's columns, or what is wrong with it (a missing required column, a repeated one). Unknown columns are ignored. */
export function readHeader(fields: readonly string[]): { ok: true; index: ColumnIndex; ignored: string[] } | { ok: false; message: string } {
  const index: Partial<Record<ColumnKey, number>> = {};
  const ignored: string[] = [];
  fields.forEach((raw, i) => {
    const key = ALIASES.get(normHeader(raw));
    if (key === undefined) ignored.push(raw);
    else if (index[key] === undefined) index[key] = i;
    else ignored.push(raw);
  });
  const missing = PRECREDIT_COLUMNS.filter(([key, , required]) => required && index[key] === undefined).map(([key, zh]) => `${zh} (${key})`);
  if (missing.length) return { ok: false, message: `the header lacks ${missing.join(', ')}` };
  return { ok: true, index, ignored };
}

/** A row read into the decision's terms, or why it cannot be. */
export interface PrecreditRow {
  readonly customerRef: string;
  readonly branch: string | null;
  readonly managerCode: string | null;
  /** Everything but `request`, which the scorer adds for the product. */
  readonly profile: Omit<ApplicantProfile, 'request'>;
}

export type RowResult = { ok: true; row: PrecreditRow } | { ok: false; message: string };

class RowError extends Error {}

const FLAGS: ReadonlyMap<string, boolean> = new Map([
  ['是', true], ['否', false], ['y', true], ['n', false], ['yes', true], ['no', false], ['1', true], ['0', false], ['true', true], ['false', false], ['有', true], ['无', false],
]);
const ROLES: ReadonlyMap<string, EnterpriseRole> = new Map([
  ['法定代表人', 'legal_representative'], ['法人', 'legal_representative'], ['legal_representative', 'legal_representative'],
  ['股东', 'shareholder'], ['shareholder', 'shareholder'],
  ['个体工商户', 'individual_business_owner'], ['经营者', 'individual_business_owner'], ['individual_business_owner', 'individual_business_owner'],
]);
const STATUSES: ReadonlyMap<string, BusinessStatus> = new Map([
  ['存续', 'active'], ['在业', 'active'], ['active', 'active'], ['经营异常', 'abnormal'], ['abnormal', 'abnormal'],
  ['吊销', 'revoked'], ['revoked', 'revoked'], ['注销', 'deregistered'], ['deregistered', 'deregistered'],
]);
const TAX_GRADES = new Set(['A', 'B', 'M', 'C', 'D']);
const YUAN = /^\d{1,12}(\.\d{1,2})?$/;
const COUNT = /^\d{1,6}$/;

/** Reads one data row; money columns become fen. */
export function readRow(fields: readonly string[], index: ColumnIndex): RowResult {
  const get = (key: ColumnKey): string => {
    const i = index[key];
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
  const label = (key: ColumnKey) => {
    const c = PRECREDIT_COLUMNS.find((x) => x[0] === key);
    return `${c?.[1] ?? key} (${key})`;
  };
  const need = (key: ColumnKey): string => {
    const v = get(key);
    if (v === '') throw new RowError(`${label(key)} is empty`);
    return v;
  };
  const fen = (key: ColumnKey): number | undefined => {
    const v = get(key).replace(/,/g, '');
    if (v === '') return undefined;
    if (!YUAN.test(v)) throw new RowError(`${label(key)} is not an amount in yuan: ${JSON.stringify(v.slice(0, 30))}`);
    return Math.round(Number(v) * 100);
  };
  const count = (key: ColumnKey): number | undefined => {
    const v = get(key);
    if (v === '') return undefined;
    if (!COUNT.test(v)) throw new RowError(`${label(key)} is not a whole number: ${JSON.stringify(v.slice(0, 30))}`);
    return Number(v);
  };
  const flag = (key: ColumnKey): boolean | undefined => {
    const v = get(key);
    if (v === '') return undefined;
    const f = FLAGS.get(v.toLowerCase());
    if (f === undefined) throw new RowError(`${label(key)} must be 是/否 (Y/N, 1/0): ${JSON.stringify(v.slice(0, 30))}`);
    return f;
  };
  /** A source is all or nothing: some of its columns filled and others empty is a mistake in the file. */
  const whole = <T>(name: string, keys: readonly ColumnKey[], values: readonly (T | undefined)[]): T[] | undefined => {
    const given = values.filter((v) => v !== undefined).length;
    if (given === 0) return undefined;
    if (given < values.length) throw new RowError(`${name}: ${keys.filter((_, i) => values[i] === undefined).map(label).join(', ')} empty while other ${name} columns are filled`);
    return values as T[];
  };
  try {
    const customerRef = need('customerRef');
    if (customerRef.length > 64) throw new RowError(`${label('customerRef')} is longer than 64 characters`);
    const sources: { -readonly [K in keyof AuthorisedData]: AuthorisedData[K] } = {};
    const bureauKeys = ['creditHistoryMonths', 'overdueMaxConsecutive', 'overdueCount', 'hardInquiries3m', 'unsettledLenders', 'monthlyDebtPayments', 'currentOverdue'] as const;
    const bureau = whole<number | boolean>('credit report', bureauKeys, [count('creditHistoryMonths'), count('overdueMaxConsecutive'), count('overdueCount'), count('hardInquiries3m'), count('unsettledLenders'), fen('monthlyDebtPayments'), flag('currentOverdue')]);
    if (bureau) {
      const [historyMonths, maxConsecutive, totalCount, hardInquiries3m, unsettledLenders, monthlyDebtPayments, currentOverdue] = bureau as [number, number, number, number, number, number, boolean];
      if (maxConsecutive > totalCount) throw new RowError(`${label('overdueMaxConsecutive')} exceeds ${label('overdueCount')}`);
      sources.credit_bureau = { overdue24m: { maxConsecutive, totalCount }, hardInquiries3m, unsettledLenders, monthlyDebtPayments, historyMonths, currentOverdue };
    }
    const hf = whole<number>('housing fund', ['housingFundMonthly', 'housingFundMonths'], [fen('housingFundMonthly'), count('housingFundMonths')]);
    if (hf) sources.housing_fund = { monthlyContribution: hf[0] as number, months: hf[1] as number };
    const ss = count('socialSecurityMonths');
    if (ss !== undefined) sources.social_security = { months: ss };
    const bank = whole<number>('bank account', ['depositAvg6m', 'customerMonths'], [fen('depositAvg6m'), count('customerMonths')]);
    const payroll = fen('payrollMonthly');
    if (payroll !== undefined && !bank) throw new RowError(`${label('payrollMonthly')} given without ${label('depositAvg6m')} and ${label('customerMonths')}`);
    if (bank) sources.bank = { depositAvg6m: bank[0] as number, customerMonths: bank[1] as number, payroll: payroll !== undefined, ...(payroll !== undefined ? { payrollMonthlyAverage: payroll } : {}) };
    const tax = fen('annualTaxPaid');
    const taxGrade = get('taxGrade').toUpperCase();
    if (taxGrade !== '' && !TAX_GRADES.has(taxGrade)) throw new RowError(`${label('taxGrade')} must be A, B, M, C or D`);
    if (tax !== undefined) sources.tax = { annualTaxPaid: tax, ...(taxGrade ? { creditGrade: taxGrade as 'A' } : {}) };
    const status = get('businessStatus');
    const established = get('establishedOn').replace(/\//g, '-');
    if ((status === '') !== (established === '')) throw new RowError(`${label('businessStatus')} and ${label('establishedOn')} go together`);
    if (status !== '') {
      const s = STATUSES.get(status.toLowerCase());
      if (s === undefined) throw new RowError(`${label('businessStatus')} must be 存续, 经营异常, 吊销 or 注销`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(established)) throw new RowError(`${label('establishedOn')} must be a date like 2020-03-15`);
      sources.business_registry = { status: s, establishedOn: established };
    }
    let enterprise: ApplicantProfile['enterprise'];
    const uscc = get('uscc');
    if (uscc !== '') {
      const role = ROLES.get(need('enterpriseRole').toLowerCase());
      if (role === undefined) throw new RowError(`${label('enterpriseRole')} must be 法定代表人, 股东 or 个体工商户`);
      enterprise = { name: need('enterpriseName'), uscc, role };
    }
    const lists = whole<boolean>('watchlist', ['courtDefaulter', 'bankBlacklist'], [flag('courtDefaulter'), flag('bankBlacklist')]);
    const income = fen('monthlyIncome');
    return {
      ok: true,
      row: {
        customerRef,
        branch: get('branch') || null,
        managerCode: get('managerCode') || null,
        profile: {
          person: { name: need('name'), idNumber: need('idNumber'), mobile: need('mobile') },
          ...(enterprise ? { enterprise } : {}),
          ...(income !== undefined ? { declaredMonthlyIncome: income } : {}),
          sources,
          // Without both lists the watchlist rule has no data, as in the conversation when the check failed.
          ...(lists ? { watchlist: { courtDefaulter: lists[0] as boolean, bankBlacklist: lists[1] as boolean } } : {}),
        },
      },
    };
  } catch (e) {
    if (e instanceof RowError) return { ok: false, message: e.message };
    throw e;
  }
}
