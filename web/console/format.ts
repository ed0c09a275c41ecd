import { currentLang, defineTexts } from './i18n.js';

/** Words shared by the conversation pages: flow steps, hand-off states, authors, flags, times. */
export const words = defineTexts({
  zh: {
    'step.new': '新对话',
    'step.menu': '主菜单',
    'step.application': '申请额度',
    'step.authorisation': '数据授权',
    'step.offer': '额度确认',
    'step.drawdown': '借款',
    'step.repayment': '还款',
    'step.renewal': '续贷',
    'step.account': '额度与账单',
    'step.status': '进度查询',
    'step.revokeConfirm': '撤回授权',
    'step.revoking': '撤回授权',
    'step.unsubscribing': '退订营销',
    'handoff.bot': '机器人服务中',
    'handoff.requested': '等待人工',
    'handoff.staff': '人工服务中',
    'author.borrower': '客户',
    'author.bot': '快贷助手',
    'author.staff': '客服',
    'author.system': '系统',
    'flag.declined': '已拒绝',
    'flag.overdue': '有逾期',
    'flag.complaint': '投诉中',
    visitor: '访客（未实名）',
    unnamed: '未留姓名',
    servedBy: '{name} 接待中',
    waitingFor: '已等待 {minutes} 分钟',
    'sla.due': '时限 {time}',
    'sla.breached': '已超时',
    'sla.soon': '即将超时',
  },
  en: {
    'step.new': 'New conversation',
    'step.menu': 'Main menu',
    'step.application': 'Application',
    'step.authorisation': 'Data authorisation',
    'step.offer': 'Offer',
    'step.drawdown': 'Drawdown',
    'step.repayment': 'Repayment',
    'step.renewal': 'Renewal',
    'step.account': 'Limit and bills',
    'step.status': 'Status enquiry',
    'step.revokeConfirm': 'Revoking consent',
    'step.revoking': 'Revoking consent',
    'step.unsubscribing': 'Unsubscribing',
    'handoff.bot': 'With the assistant',
    'handoff.requested': 'Waiting for a person',
    'handoff.staff': 'With a person',
    'author.borrower': 'Borrower',
    'author.bot': 'Assistant',
    'author.staff': 'Agent',
    'author.system': 'System',
    'flag.declined': 'Declined',
    'flag.overdue': 'Overdue',
    'flag.complaint': 'Complaint',
    visitor: 'Visitor (not identified)',
    unnamed: 'No name given',
    servedBy: 'Served by {name}',
    waitingFor: 'Waiting {minutes} min',
    'sla.due': 'Due {time}',
    'sla.breached': 'Overdue',
    'sla.soon': 'Due soon',
  },
});
export type WordKey = Parameters<typeof words>[0];

const STEPS = ['new', 'menu', 'application', 'authorisation', 'offer', 'drawdown', 'repayment', 'renewal', 'account', 'status', 'revokeConfirm', 'revoking', 'unsubscribing'];

/** A flow step in words: `application.mobile` → 申请额度 · mobile (the inner part is the machine's own name). */
export function stepWords(step: string | null): { label: string; detail: string } {
  if (!step) return { label: '—', detail: '' };
  const [top = '', ...rest] = step.split('.');
  return { label: STEPS.includes(top) ? words(`step.${top}` as WordKey) : top, detail: rest.join('.') };
}

/** The bank's clock: every time on the console is Beijing time, whatever the browser's zone (deadlines count in it). */
const BANK_ZONE = 'Asia/Shanghai';
const bankDay = (d: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone: BANK_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);

/** A moment as the person reads it, in Beijing time: time today, else date and time, in their language's order. */
export function when(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const opts: Intl.DateTimeFormatOptions = bankDay(d) === bankDay(now) ? { hour: '2-digit', minute: '2-digit' } : { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(currentLang() === 'zh' ? 'zh-CN' : 'en-GB', { ...opts, timeZone: BANK_ZONE, hourCycle: 'h23' }).format(d);
}

export const staffLabel = (s: { displayName: string; employeeNo: string | null }): string => (s.employeeNo ? `${s.displayName}（${s.employeeNo}）` : s.displayName);

/** Fills {name}, {nextDueDate}, {amountDue} from the context (empty when unknown, e.g. a visitor); other braces stay as typed. */
export const fillVariables = (text: string, vars: Readonly<Record<string, string>>): string => text.replace(/\{(\w+)\}/g, (m, k: string) => (Object.prototype.hasOwnProperty.call(vars, k) ? vars[k]! : m));

/**
 * Large figures as Chinese readers scan them: 万 (10⁴) and 亿 (10⁸), at most `digits` decimals with
 * trailing zeros dropped (12,345 → 1.23万; 130,000,000 → 1.3亿); below 10,000 the number with
 * grouping. English uses thousands, millions and billions (12.35K, 130M).
 */
export function formatCount(n: number, lang: 'zh' | 'en' = currentLang(), digits = 2): string {
  const abs = Math.abs(n);
  const short = (v: number) => Number(v.toFixed(digits)).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { maximumFractionDigits: digits });
  // Rounding can carry into the next unit (99,999,999 → 1亿, not 10,000万).
  const carries = (unit: number) => Math.abs(Number((n / unit).toFixed(digits))) >= 1e4;
  if (lang === 'zh') {
    if (abs >= 1e8 || (abs >= 1e4 && carries(1e4))) return `${short(n / 1e8)}亿`;
    if (abs >= 1e4) return `${short(n / 1e4)}万`;
    return n.toLocaleString('zh-CN', { maximumFractionDigits: digits });
  }
  const carriesEn = (unit: number) => Math.abs(Number((n / unit).toFixed(digits))) >= 1e3;
  if (abs >= 1e9 || (abs >= 1e6 && carriesEn(1e6))) return `${short(n / 1e9)}B`;
  if (abs >= 1e6 || (abs >= 1e4 && carriesEn(1e3))) return `${short(n / 1e6)}M`;
  if (abs >= 1e4) return `${short(n / 1e3)}K`;
  return n.toLocaleString('en-GB', { maximumFractionDigits: digits });
}

/** Money in fen as 元, 万元 or 亿元 (¥ and K/M/B in English): 12,345,600 fen → 12.35万元. */
export function formatFen(fen: number, lang: 'zh' | 'en' = currentLang()): string {
  const yuan = fen / 100;
  if (lang === 'zh') return Math.abs(yuan) >= 1e4 ? `${formatCount(yuan, 'zh')}元` : `${yuan.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}元`;
  return Math.abs(yuan) >= 1e4 ? `¥${formatCount(yuan, 'en')}` : `¥${yuan.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A share (0–1) as a percentage with up to two decimals: 0.012345 → 1.23%. */
export const formatShare = (share: number): string => `${Number((share * 100).toFixed(2))}%`;
