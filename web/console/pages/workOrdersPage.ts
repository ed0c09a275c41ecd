import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api } from '../api.js';
import { type PageDef, newestOnly } from '../page.js';
import { beijing, workOrderErrorWords, workOrderSchema, wt, type WorkOrder, type WorkOrderTextKey } from './workOrderTexts.js';

const listSchema = z.object({
  workOrders: z.array(workOrderSchema),
  total: z.number(),
  views: z.object({ active: z.number(), mine: z.number(), unassigned: z.number(), overdue: z.number(), escalated: z.number(), all: z.number() }),
});

const VIEWS = ['active', 'mine', 'unassigned', 'overdue', 'escalated', 'all'] as const;
type View = (typeof VIEWS)[number];
const KINDS = ['handoff', 'complaint', 'manual_review', 'collection', 'manual'] as const;

/** The API query of a view (and kind). */
function queryOf(view: View, kind: string): string {
  const q = new URLSearchParams({ limit: '100' });
  if (view === 'active' || view === 'mine' || view === 'unassigned') q.set('status', 'active');
  if (view === 'mine') q.set('assignee', 'me');
  if (view === 'unassigned') q.set('assignee', 'none');
  if (view === 'overdue') q.set('overdue', 'true');
  if (view === 'escalated') q.set('escalated', 'true');
  if (kind) q.set('kind', kind);
  return q.toString();
}

/** The deadline cell: when it is due, answered or not, and the overdue / escalated flags. */
export function deadlineCell(o: WorkOrder): HTMLTableCellElement {
  const cell = h('td', { class: 'nowrap' }, beijing(o.dueAt));
  if (o.firstRespondedAt === null && o.firstResponseDueAt && o.status !== 'resolved' && o.status !== 'closed') cell.append(h('div', { class: 'muted' }, `${wt('firstResponse')} ${beijing(o.firstResponseDueAt)}`));
  if (o.overdue) cell.append(' ', h('span', { class: 'tag warn' }, wt('overdue')));
  if (o.escalatedAt) cell.append(' ', h('span', { class: 'tag warn' }, wt('escalated')));
  return cell;
}

/** One order as a table row (also the team page's escalated list). */
export function workOrderRow(o: WorkOrder): HTMLTableRowElement {
  const name = o.number ?? o.id.slice(0, 8);
  return h(
    'tr',
    { class: o.escalatedAt ? 'row-requested' : undefined },
    h('td', { class: 'nowrap' }, name),
    h('td', {}, wt(`kind.${o.kind}` as WorkOrderTextKey)),
    h('td', { class: 'last' }, o.title ?? o.reason),
    h('td', {}, wt(`status.${o.status}` as WorkOrderTextKey)),
    h('td', {}, h('span', { class: o.priority === 'urgent' || o.priority === 'high' ? 'tag warn' : 'tag' }, wt(`priority.${o.priority}` as WorkOrderTextKey))),
    h('td', {}, o.assignee ? o.assignee.displayName : h('span', { class: 'muted' }, wt('unassigned'))),
    deadlineCell(o),
    h('td', {}, h('a', { class: 'row-link', href: `#/work-orders/${o.id}`, 'aria-label': wt('openOf', { number: name }) }, wt('open'))),
  );
}

export const workOrderHeaders = (): HTMLTableSectionElement =>
  h('thead', {}, h('tr', {}, ...(['number', 'kind', 'subject', 'state', 'priority', 'assignee', 'due', 'open'] as const).map((k) => h('th', { scope: 'col' }, wt(k)))));

/**
 * The work-order list (GET /api/v1/staff/work-orders): views with counts (未办结, 我的, 未分配,
 * 已超时, 督办, 全部), a kind filter, overdue and escalated flags; agents and supervisors open one
 * by hand. Refreshes when any work order changes (the live feed).
 */
export const workOrdersPage: PageDef = {
  path: '/work-orders',
  title: () => wt('listTitle'),
  roles: ['agent', 'supervisor', 'reviewer'],
  nav: true,
  render(ctx) {
    const view: View = (VIEWS as readonly string[]).includes(ctx.query.get('view') ?? '') ? (ctx.query.get('view') as View) : 'active';
    const kind = (KINDS as readonly string[]).includes(ctx.query.get('kind') ?? '') ? ctx.query.get('kind')! : '';
    const go = (v: View, k: string) => ctx.navigate(`/work-orders?view=${v}${k ? `&kind=${k}` : ''}`);
    const counts = new Map<View, HTMLElement>();
    const tabs = h(
      'nav',
      { class: 'tabs', 'aria-label': wt('listTitle') },
      ...VIEWS.map((v) => {
        const count = h('span', { class: 'count' });
        counts.set(v, count);
        return h('a', { class: 'tab', href: `#/work-orders?view=${v}${kind ? `&kind=${kind}` : ''}`, 'aria-current': v === view ? 'page' : undefined }, wt(`view.${v}` as WorkOrderTextKey), count);
      }),
    );
    const kindSelect = h('select', { id: 'wo-kind' }, h('option', { value: '' }, wt('kind.any')), ...KINDS.map((k) => h('option', { value: k, selected: k === kind }, wt(`kind.${k}` as WorkOrderTextKey))));
    kindSelect.addEventListener('change', () => go(view, kindSelect.value));
    const body = h('tbody');
    const summary = h('p', { class: 'muted', 'aria-live': 'polite' });

    let stale = false;
    const load = newestOnly(async (current) => {
      try {
        const list = await api('GET', `/api/v1/staff/work-orders?${queryOf(view, kind)}`, { schema: listSchema });
        if (stale || !current()) return;
        body.replaceChildren(...list.workOrders.map(workOrderRow));
        summary.textContent = list.workOrders.length ? wt('total', { n: list.total }) : wt('none');
        for (const [v, el] of counts) el.textContent = String(list.views[v]);
      } catch (e) {
        ctx.say(workOrderErrorWords(e));
      }
    });

    const parts: Node[] = [
      h('h2', { class: 'page-title' }, wt('listTitle')),
      h('p', { class: 'hint' }, wt('listIntro')),
      tabs,
      h('div', { class: 'filters' }, h('label', { class: 'filter', for: 'wo-kind' }, wt('kind'), kindSelect)),
      summary,
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'aria-label': wt('listTitle') }, workOrderHeaders(), body)),
    ];
    if (ctx.staff.roles.some((r) => r === 'agent' || r === 'supervisor')) parts.push(newOrderForm(ctx));
    ctx.root.append(...parts);
    void load();
    const offs = [ctx.feed.subscribe('workOrder', () => void load()), ctx.feed.subscribe('resync', () => void load())];
    return () => {
      stale = true;
      for (const off of offs) off();
    };
  },
};

/** Opening an order by hand: a title and the details; it is numbered and gets its deadlines on the server. */
function newOrderForm(ctx: Parameters<PageDef['render']>[0]): HTMLElement {
  const title = h('input', { id: 'wo-new-title', maxlength: '120', required: true });
  const reason = h('textarea', { id: 'wo-new-reason', maxlength: '2000', rows: '3', required: true });
  const priority = h('select', { id: 'wo-new-priority' }, ...(['normal', 'high', 'urgent', 'low'] as const).map((p) => h('option', { value: p }, wt(`priority.${p}` as WorkOrderTextKey))));
  const form = h(
    'form',
    { class: 'card', 'aria-label': wt('newTitle') },
    h('h3', {}, wt('newTitle')),
    h('div', { class: 'filters' },
      h('label', { class: 'filter', for: 'wo-new-title' }, wt('newSubject'), title),
      h('label', { class: 'filter', for: 'wo-new-priority' }, wt('priority'), priority),
    ),
    h('label', { class: 'filter', for: 'wo-new-reason' }, wt('newReason'), reason),
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, wt('newSubmit'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        const { workOrder } = await api('POST', '/api/v1/staff/work-orders', { body: { title: title.value, reason: reason.value, priority: priority.value }, schema: z.object({ workOrder: workOrderSchema }) });
        ctx.say(wt('created', { number: workOrder.number ?? '' }));
        ctx.navigate(`/work-orders/${workOrder.id}`);
      } catch (e) {
        ctx.say(workOrderErrorWords(e));
      }
    })();
  });
  return form;
}
