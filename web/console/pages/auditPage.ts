import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { currentLang, defineTexts } from '../i18n.js';
import { type PageDef, newestOnly } from '../page.js';
import { EXPORT_ROLES, exportTexts } from './borrowerExportPage.js';

const t = defineTexts({
  zh: {
    title: '审计日志',
    intro: '谁在何时、从何处做了什么。最新的在前；导出的 CSV 用 Excel 打开即可读中文。',
    action: '操作（前缀）',
    actor: '员工用户名',
    subject: '对象编号',
    from: '从',
    to: '到',
    search: '查询',
    export: '导出 CSV',
    at: '时间',
    who: '操作人',
    what: '操作',
    on: '对象',
    detail: '详情',
    none: '没有符合条件的记录。',
    count: '共 {n} 条（最多显示 {max} 条）',
    borrower: '借款人',
    system: '系统',
  },
  en: {
    title: 'Audit log',
    intro: 'Who did what, when and from where. Newest first; the CSV export opens in Excel with Chinese intact.',
    action: 'Action (prefix)',
    actor: 'Staff username',
    subject: 'Subject id',
    from: 'From',
    to: 'To',
    search: 'Search',
    export: 'Export CSV',
    at: 'Time',
    who: 'Actor',
    what: 'Action',
    on: 'Subject',
    detail: 'Detail',
    none: 'No entries match.',
    count: '{n} entries (at most {max} shown)',
    borrower: 'Borrower',
    system: 'System',
  },
});

/** What kind of act an action code is, in words (the code itself is shown beside them). */
const ACTION_WORDS: Record<string, { zh: string; en: string }> = {
  'staff.login': { zh: '登录', en: 'Logged in' },
  'staff.login_failed': { zh: '登录失败', en: 'Failed login' },
  'staff.logout': { zh: '退出登录', en: 'Logged out' },
  'conversation.takeover': { zh: '接管会话', en: 'Took over' },
  'conversation.staff_message': { zh: '人工回复', en: 'Replied' },
  'conversation.handback': { zh: '交还机器人', en: 'Handed back' },
  'borrower.details_viewed': { zh: '查看客户详情', en: 'Opened borrower details' },
  'borrower.data_exported': { zh: '导出客户数据', en: 'Exported a borrower’s data' },
  'conversation.note': { zh: '内部备注', en: 'Private note' },
  'review.approval_pending': { zh: '批准待复核', en: 'Approval awaiting a second reviewer' },
  'review.approval_confirmed': { zh: '复核确认批准', en: 'Approval confirmed' },
  'audit.exported': { zh: '导出审计日志', en: 'Exported the audit log' },
  'risk_signal.confirmed': { zh: '确认风险预警', en: 'Confirmed a risk signal' },
  'risk_signal.cleared': { zh: '排除风险预警', en: 'Cleared a risk signal' },
};
const PREFIX_WORDS: Record<string, { zh: string; en: string }> = {
  staff: { zh: '员工账号', en: 'Staff account' },
  conversation: { zh: '会话', en: 'Conversation' },
  workOrder: { zh: '工单', en: 'Work order' },
  review: { zh: '人工审批', en: 'Manual review' },
  decision: { zh: '授信决策', en: 'Credit decision' },
  consent: { zh: '授权', en: 'Consent' },
  drawdown: { zh: '借款', en: 'Drawdown' },
  repayment: { zh: '还款', en: 'Repayment' },
  application: { zh: '申请', en: 'Application' },
  handoff: { zh: '转人工', en: 'Hand-off' },
  otp: { zh: '短信验证码', en: 'SMS code' },
  canned_reply: { zh: '快捷回复', en: 'Canned reply' },
  borrower: { zh: '借款人', en: 'Borrower' },
};
const actionWords = (action: string): string => {
  const lang = currentLang();
  return ACTION_WORDS[action]?.[lang] ?? PREFIX_WORDS[action.split('.')[0]!]?.[lang] ?? '';
};

const entrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  actor: z.object({ username: z.string(), displayName: z.string(), employeeNo: z.string().nullable() }).optional(),
  action: z.string(),
  subjectType: z.string(),
  subjectId: z.string().nullable(),
  detail: z.unknown(),
});
const answerSchema = z.object({ entries: z.array(entrySchema) });
type Entry = z.infer<typeof entrySchema>;

const LIMIT = 200;
/** A date-time input's value (Shanghai wall time) as an ISO instant the API accepts. */
const shanghaiIso = (local: string): string | undefined => (local ? `${local.length === 16 ? `${local}:00` : local}+08:00` : undefined);
const shanghaiTime = (iso: string): string => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

/** Admins browse and filter the audit log, and export what they see as CSV (GET /api/v1/staff/audit[.csv]). */
export const auditPage: PageDef = {
  path: '/audit',
  title: () => t('title'),
  roles: ['admin'],
  nav: true,
  render(ctx) {
    const field = (id: string, label: string, input: HTMLInputElement) => h('label', { class: 'filter', for: id }, h('span', {}, label), input);
    const action = h('input', { id: 'audit-action', name: 'action', maxlength: '64', placeholder: 'conversation.', value: ctx.query.get('action') ?? '' });
    const actor = h('input', { id: 'audit-actor', name: 'actor', maxlength: '64', value: ctx.query.get('actor') ?? '' });
    const subject = h('input', { id: 'audit-subject', name: 'subjectId', maxlength: '128', value: ctx.query.get('subjectId') ?? '' });
    const from = h('input', { id: 'audit-from', name: 'from', type: 'datetime-local' });
    const to = h('input', { id: 'audit-to', name: 'to', type: 'datetime-local' });
    const exportLink = h('a', { class: 'secondary button-link', href: '#', download: '' }, t('export'));
    const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
    const body = h('tbody');
    const form = h(
      'form',
      { class: 'filters card', role: 'search', 'aria-label': t('title') },
      field('audit-action', t('action'), action),
      field('audit-actor', t('actor'), actor),
      field('audit-subject', t('subject'), subject),
      field('audit-from', t('from'), from),
      field('audit-to', t('to'), to),
      h('button', { class: 'primary', type: 'submit' }, t('search')),
      exportLink,
    );
    const query = (): URLSearchParams => {
      const q = new URLSearchParams({ limit: String(LIMIT) });
      const put = (k: string, v: string | undefined) => v && q.set(k, v);
      put('action', action.value.trim());
      put('actor', actor.value.trim());
      put('subjectId', subject.value.trim());
      put('from', shanghaiIso(from.value));
      put('to', shanghaiIso(to.value));
      return q;
    };
    const canExport = EXPORT_ROLES.some((r) => ctx.staff.roles.includes(r));
    const who = (e: Entry): string =>
      e.actor ? `${e.actor.displayName}${e.actor.employeeNo ? `（${e.actor.employeeNo}）` : ''} @${e.actor.username}` : e.actorType === 'borrower' ? t('borrower') : e.actorType === 'system' ? t('system') : (e.actorId ?? e.actorType);
    const row = (e: Entry) =>
      h(
        'tr',
        {},
        h('td', { class: 'nowrap' }, shanghaiTime(e.at)),
        h('td', {}, who(e)),
        h('td', {}, h('span', {}, actionWords(e.action)), ' ', h('code', {}, e.action)),
        h(
          'td',
          {},
          `${e.subjectType}${e.subjectId ? ` ${e.subjectId}` : ''}`,
          // From a borrower's entry, an admin can hand them their data on request.
          e.subjectType === 'Borrower' && e.subjectId && canExport ? h('a', { class: 'subject-act', href: `#/borrowers/${encodeURIComponent(e.subjectId)}/export` }, exportTexts('link')) : null,
        ),
        // Detail as text (never markup): whatever a borrower or staff member typed stays inert.
        h('td', { class: 'detail' }, e.detail === null || e.detail === undefined ? '' : JSON.stringify(e.detail)),
      );
    let stale = false;
    const load = newestOnly(async (current) => {
      const q = query();
      // The export takes as many rows as the API gives (1,000), not just the page's.
      const all = new URLSearchParams(q);
      all.set('limit', '1000');
      exportLink.setAttribute('href', `/api/v1/staff/audit.csv?${all.toString()}`);
      try {
        const { entries } = await api('GET', `/api/v1/staff/audit?${q.toString()}`, { schema: answerSchema });
        if (stale || !current()) return;
        body.replaceChildren(...entries.map(row));
        summary.textContent = entries.length ? t('count', { n: entries.length, max: LIMIT }) : t('none');
      } catch (e) {
        ctx.say(errorWords(e));
      }
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void load();
    });
    ctx.root.append(
      h('h2', {}, t('title')),
      h('p', { class: 'hint' }, t('intro')),
      form,
      summary,
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'grid', 'aria-label': t('title') }, h('thead', {}, h('tr', {}, h('th', {}, t('at')), h('th', {}, t('who')), h('th', {}, t('what')), h('th', {}, t('on')), h('th', {}, t('detail')))), body),
      ),
    );
    void load();
    return () => {
      stale = true;
    };
  },
};
