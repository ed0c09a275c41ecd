import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import type { FeedEvent } from '../feed.js';
import { defineTexts, tr } from '../i18n.js';
import { staffLabel, stepWords, when, words } from '../format.js';
import { newestOnly, type PageContext, type PageDef } from '../page.js';
import { conversationEventSchema, queueAnswerSchema, type QueueRow } from './conversationSchemas.js';

export type { QueueRow } from './conversationSchemas.js';
type View = 'requested' | 'mine' | 'unassigned' | 'all';
type Counts = Record<View, number>;
interface Filters {
  channel: string;
  step: string;
  sla: string;
  flag: string;
}

const VIEWS: readonly View[] = ['requested', 'mine', 'unassigned', 'all'];
const CHANNELS = ['web', 'rest', 'wechat', 'official_account', 'wecom', 'terminal'] as const;
const DUE_SOON_MS = 60 * 60_000;
/** At most one full refetch this often when the feed says something changed that this page cannot place. */
const REFETCH_MS = 10_000;

const t = defineTexts({
  zh: {
    title: '会话队列',
    'view.requested': '待接入',
    'view.mine': '我的',
    'view.unassigned': '未分配',
    'view.all': '全部',
    viewsLabel: '队列视图',
    filtersLabel: '筛选',
    channel: '渠道',
    step: '流程步骤',
    sla: '处理时限',
    flag: '标记',
    any: '全部',
    'sla.open': '有未结工单',
    'sla.due_soon': '一小时内到期',
    'sla.breached': '已超时',
    'col.borrower': '客户',
    'col.channel': '渠道',
    'col.status': '状态',
    'col.step': '流程步骤',
    'col.last': '最新消息',
    'col.time': '时间',
    'col.sla': '时限',
    'col.flags': '标记',
    empty: '当前没有会话。',
    open: '打开会话',
    tableLabel: '{view}会话列表',
  },
  en: {
    title: 'Queue',
    'view.requested': 'Waiting',
    'view.mine': 'Mine',
    'view.unassigned': 'Unassigned',
    'view.all': 'All',
    viewsLabel: 'Queue views',
    filtersLabel: 'Filters',
    channel: 'Channel',
    step: 'Flow step',
    sla: 'Deadline',
    flag: 'Flag',
    any: 'Any',
    'sla.open': 'Open work order',
    'sla.due_soon': 'Due within an hour',
    'sla.breached': 'Overdue',
    'col.borrower': 'Borrower',
    'col.channel': 'Channel',
    'col.status': 'Status',
    'col.step': 'Flow step',
    'col.last': 'Last message',
    'col.time': 'Time',
    'col.sla': 'Deadline',
    'col.flags': 'Flags',
    empty: 'No conversations here.',
    open: 'Open conversation',
    tableLabel: '{view} conversations',
  },
});

/** Whether a row belongs in a view under the filters (the server's rules, for rows the feed brings). */
function belongs(row: QueueRow, view: View, f: Filters, staffId: string, now: number): boolean {
  if (view === 'requested' && row.handoff !== 'requested') return false;
  if (view === 'mine' && !(row.handoff === 'staff' && row.assignee?.id === staffId)) return false;
  if (view === 'unassigned' && row.handoff === 'staff') return false;
  return matchesFilters(row, f, now);
}
function matchesFilters(row: QueueRow, f: Filters, now: number): boolean {
  if (f.channel && row.channel !== f.channel) return false;
  if (f.step && !(row.step === f.step || row.step?.startsWith(`${f.step}.`))) return false;
  if (f.flag && !row.flags[f.flag as keyof QueueRow['flags']]) return false;
  const due = row.slaDueAt ? Date.parse(row.slaDueAt) : undefined;
  if (f.sla === 'open' && due === undefined) return false;
  if (f.sla === 'breached' && !(due !== undefined && due <= now)) return false;
  if (f.sla === 'due_soon' && !(due !== undefined && due > now && due <= now + DUE_SOON_MS)) return false;
  return true;
}
const order = (view: View) => (a: QueueRow, b: QueueRow) =>
  view === 'requested' ? (a.requestedAt ?? '~').localeCompare(b.requestedAt ?? '~') || a.lastMessageAt.localeCompare(b.lastMessageAt) : b.lastMessageAt.localeCompare(a.lastMessageAt);

function render(ctx: PageContext): () => void {
  const view: View = VIEWS.includes(ctx.query.get('view') as View) ? (ctx.query.get('view') as View) : 'requested';
  const filters: Filters = { channel: ctx.query.get('channel') ?? '', step: ctx.query.get('step') ?? '', sla: ctx.query.get('sla') ?? '', flag: ctx.query.get('flag') ?? '' };
  let rows: QueueRow[] = [];
  let counts: Counts = { requested: 0, mine: 0, unassigned: 0, all: 0 };
  let steps: string[] = [];
  /** Server time minus this browser's, for deadlines. */
  let skew = 0;
  const limit = 50;
  const known = new Map<string, QueueRow>();
  const now = () => Date.now() + skew;

  const hrefOf = (next: Partial<Filters> & { view?: View }) => {
    const q = new URLSearchParams();
    const merged = { view, ...filters, ...next };
    for (const [k, v] of Object.entries(merged)) if (v) q.set(k, v);
    return `#/queue?${q.toString()}`;
  };

  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': t('viewsLabel') });
  const filterBar = h('form', { class: 'filters', 'aria-label': t('filtersLabel') });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const body = h('tbody');
  const empty = h('p', { class: 'empty muted', hidden: true }, t('empty'));
  const table = h(
    'table',
    { class: 'queue-table', 'aria-label': t('tableLabel', { view: t(`view.${view}`) }) },
    h('thead', {}, h('tr', {}, ...(['col.borrower', 'col.channel', 'col.status', 'col.step', 'col.last', 'col.time', 'col.sla', 'col.flags'] as const).map((k) => h('th', { scope: 'col' }, t(k))))),
    body,
  );
  ctx.root.append(h('h2', { class: 'page-title' }, t('title')), tabs, filterBar, error, h('div', { class: 'table-scroll card flush' }, table, empty));

  function renderTabs(): void {
    tabs.replaceChildren(
      ...VIEWS.map((v) =>
        h('a', { href: hrefOf({ view: v }), class: v === view ? 'tab active' : 'tab', 'aria-current': v === view ? 'page' : undefined, 'data-view': v }, t(`view.${v}`), ' ', h('span', { class: 'count', 'data-count': v }, String(counts[v]))),
      ),
    );
  }

  function select(name: keyof Filters, label: string, options: readonly (readonly [string, string])[]): HTMLElement {
    const id = `filter-${name}`;
    const el = h('select', { id, name }, h('option', { value: '' }, t('any')), ...options.map(([value, text]) => h('option', { value, selected: filters[name] === value }, text)));
    el.addEventListener('change', () => ctx.navigate(hrefOf({ [name]: el.value }).slice(1)));
    return h('label', { class: 'filter', for: id }, h('span', {}, label), el);
  }
  function renderFilters(): void {
    filterBar.replaceChildren(
      select('channel', t('channel'), CHANNELS.map((c) => [c, tr(`channel.${c}`)] as const)),
      select('step', t('step'), steps.map((s) => [s, stepWords(s).label] as const)),
      select('sla', t('sla'), (['open', 'due_soon', 'breached'] as const).map((s) => [s, t(`sla.${s}`)] as const)),
      select('flag', t('flag'), (['declined', 'overdue', 'complaint'] as const).map((f) => [f, words(`flag.${f}`)] as const)),
    );
  }

  function rowEl(r: QueueRow): HTMLElement {
    const name = r.borrower ? (r.borrower.name ?? words('unnamed')) : words('visitor');
    const step = stepWords(r.step);
    const due = r.slaDueAt ? Date.parse(r.slaDueAt) : undefined;
    const sla =
      due === undefined ? h('span', { class: 'muted' }, '—') : h('span', {}, when(r.slaDueAt), ' ', due <= now() ? h('span', { class: 'tag warn' }, words('sla.breached')) : due <= now() + DUE_SOON_MS ? h('span', { class: 'tag warn' }, words('sla.soon')) : null);
    const status =
      r.handoff === 'staff' && r.assignee
        ? h('span', { class: 'tag ok' }, words('servedBy', { name: staffLabel(r.assignee) }))
        : h('span', { class: r.handoff === 'requested' ? 'tag warn' : 'tag' }, words(`handoff.${r.handoff}`));
    const waited = r.handoff === 'requested' && r.requestedAt ? words('waitingFor', { minutes: Math.max(0, Math.floor((now() - Date.parse(r.requestedAt)) / 60_000)) }) : null;
    const flags = (['declined', 'overdue', 'complaint'] as const).filter((f) => r.flags[f]).map((f) => h('span', { class: 'tag warn' }, words(`flag.${f}`)));
    return h(
      'tr',
      { 'data-id': r.id, class: `row-${r.handoff}` },
      h('td', {}, h('a', { href: `#/conversations/${r.id}`, class: 'row-link', 'aria-label': `${t('open')}: ${name}` }, name), r.borrower?.phone ? h('span', { class: 'sub muted' }, r.borrower.phone) : null),
      h('td', {}, tr(`channel.${r.channel}` as 'channel.web')),
      h('td', {}, status),
      h('td', {}, step.label, step.detail ? h('span', { class: 'sub muted' }, step.detail) : null),
      h('td', { class: 'last' }, r.lastMessage ? h('span', { class: 'last-author' }, `${words(`author.${r.lastMessage.author}`)}：`) : null, h('span', { class: 'last-text' }, r.lastMessage?.text ?? '')),
      h('td', {}, when(r.lastMessageAt), waited ? h('span', { class: 'sub muted' }, waited) : null),
      h('td', {}, sla),
      h('td', {}, ...flags),
    );
  }

  function renderRows(): void {
    rows.sort(order(view));
    body.replaceChildren(...rows.map(rowEl));
    empty.hidden = rows.length > 0;
  }

  async function load(): Promise<void> {
    return loadNewest();
  }
  // A view or filter chosen quickly twice: the first answer must not replace the second's rows.
  const loadNewest = newestOnly(async (current) => {
    const q = new URLSearchParams({ view, limit: String(limit) });
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    try {
      const answer = await api('GET', `/api/v1/staff/queue?${q.toString()}`, { schema: queueAnswerSchema });
      if (!current()) return;
      skew = Date.parse(answer.now) - Date.now();
      rows = answer.rows;
      counts = answer.counts;
      steps = answer.steps;
      for (const r of rows) known.set(r.id, r);
      error.textContent = '';
      renderTabs();
      renderFilters();
      renderRows();
    } catch (e) {
      if (current()) error.textContent = errorWords(e);
    }
  });

  let refetchTimer: ReturnType<typeof setTimeout> | undefined;
  let lastFetch = 0;
  const refetchSoon = () => {
    if (refetchTimer) return;
    const wait = Math.max(0, lastFetch + REFETCH_MS - Date.now());
    refetchTimer = setTimeout(() => {
      refetchTimer = undefined;
      lastFetch = Date.now();
      void load();
    }, wait);
  };

  /** A changed conversation: placed in (or out of) this view at once; the counts follow when the old row is known. */
  function onConversation(event: FeedEvent): void {
    const parsed = conversationEventSchema.safeParse(event);
    const row = parsed.success ? parsed.data.row : null;
    if (!row) return;
    const before = known.get(row.id);
    known.set(row.id, row);
    const n = now();
    if (before) {
      for (const v of VIEWS) counts[v] += Number(belongs(row, v, filters, ctx.staff.id, n)) - Number(belongs(before, v, filters, ctx.staff.id, n));
    } else {
      // A conversation this page never saw: most likely it has just asked for a person or been taken
      // (the other views counted it already); the server's counts come soon after.
      for (const v of ['requested', 'mine'] as const) counts[v] += Number(belongs(row, v, filters, ctx.staff.id, n));
      refetchSoon();
    }
    const at = rows.findIndex((r) => r.id === row.id);
    if (belongs(row, view, filters, ctx.staff.id, n)) {
      if (at >= 0) rows[at] = row;
      else rows.push(row);
    } else if (at >= 0) rows.splice(at, 1);
    if (rows.length > limit) rows.length = limit;
    renderTabs();
    renderRows();
  }

  const offs = [
    ctx.feed.subscribe('conversation', onConversation),
    ctx.feed.subscribe('resync', () => void load()),
  ];
  // Waiting times and deadlines move on without events.
  const tick = setInterval(renderRows, 30_000);
  renderTabs();
  renderFilters();
  lastFetch = Date.now();
  void load();
  return () => {
    offs.forEach((off) => off());
    clearInterval(tick);
    clearTimeout(refetchTimer);
  };
}

export const queuePage: PageDef = {
  path: '/queue',
  title: () => t('title'),
  roles: ['agent', 'supervisor'],
  nav: true,
  render,
};
