import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api, ApiError } from '../api.js';
import { type PageDef, newestOnly, replaceKeepingFocus } from '../page.js';
import { deadlineCell } from './workOrdersPage.js';
import { beijing, workOrderErrorWords, workOrderSchema, wt, type WorkOrder, type WorkOrderTextKey } from './workOrderTexts.js';

const noteSchema = z.object({ id: z.string(), kind: z.string(), text: z.string(), authorId: z.string().nullable(), at: z.string() });
const detailSchema = z.object({ workOrder: workOrderSchema.extend({ notes: z.array(noteSchema) }) });
const teamSchema = z.object({ agents: z.array(z.object({ id: z.string(), displayName: z.string(), employeeNo: z.string().nullable() })) });

/**
 * One work order (GET /api/v1/staff/work-orders/:id): its facts and deadlines, the actions its
 * state allows (take it, start, resolve with a resolution, close, reopen; a supervisor reassigns;
 * priority), and its history (state changes and staff notes), with a note box. Every change sends
 * the version shown, so a change made meanwhile is refused and the page reloads.
 */
export const workOrderPage: PageDef = {
  path: '/work-orders/:id',
  title: () => wt('listTitle'),
  roles: ['agent', 'supervisor', 'reviewer'],
  nav: false,
  render(ctx) {
    const id = ctx.params.id ?? '';
    const canAct = ctx.staff.roles.some((r) => r === 'agent' || r === 'supervisor');
    const supervisor = ctx.staff.roles.includes('supervisor');
    let stale = false;
    let agents: { id: string; displayName: string; employeeNo: string | null }[] = [];
    // Made once: a reload (a change here or anywhere, told by the feed) keeps what is being typed, and
    // render gives the keyboard back to the box that had it.
    const resolution = h('textarea', { id: 'wo-resolution', rows: '3', maxlength: '2000' });
    const noteText = h('textarea', { id: 'wo-note', rows: '2', maxlength: '2000' });

    /** Sends one act; true when the server took it. */
    const act = async (path: string, body: object): Promise<boolean> => {
      let took = false;
      try {
        await api('POST', `/api/v1/staff/work-orders/${id}/${path}`, { body });
        ctx.say(wt('saved'));
        took = true;
      } catch (e) {
        ctx.say(workOrderErrorWords(e));
      }
      await load();
      return took;
    };
    let sendingNote = false;

    const actions = (o: WorkOrder): HTMLElement => {
      const box = h('div', { class: 'card' }, h('h3', {}, wt('state')));
      const buttons = h('div', { class: 'row-actions' });
      const button = (label: WorkOrderTextKey, run: () => void, primary = false) => {
        const b = h('button', { type: 'button', class: primary ? 'primary' : 'secondary' }, wt(label));
        b.addEventListener('click', run);
        buttons.append(b);
      };
      const open = o.status === 'open' || o.status === 'assigned' || o.status === 'in_progress';
      const mineOrFree = o.assignee === null || o.assignee.id === ctx.staff.id || supervisor;
      if (canAct && open && mineOrFree && o.assignee?.id !== ctx.staff.id) button('take', () => void act('assign', { assigneeId: 'me', version: o.version }));
      if (canAct && mineOrFree && (o.status === 'open' || o.status === 'assigned')) button('start', () => void act('transition', { to: 'in_progress', version: o.version }), true);
      box.append(buttons);
      if (canAct && open && mineOrFree) {
        const resolve = h('button', { type: 'button', class: 'primary' }, wt('resolve'));
        resolve.addEventListener('click', () => void act('transition', { to: 'resolved', resolution: resolution.value, version: o.version }));
        box.append(h('label', { class: 'filter', for: 'wo-resolution' }, wt('resolutionLabel'), resolution), h('p', {}, resolve));
      }
      if (canAct && o.status === 'resolved' && mineOrFree) {
        button('close', () => void act('transition', { to: 'closed', version: o.version }));
        button('reopen', () => void act('transition', { to: 'in_progress', version: o.version }));
      }
      if (supervisor && open) {
        const who = h('select', { id: 'wo-assignee' }, ...agents.map((a) => h('option', { value: a.id, selected: a.id === o.assignee?.id }, a.employeeNo ? `${a.displayName}（${a.employeeNo}）` : a.displayName)));
        const assign = h('button', { type: 'button', class: 'secondary' }, wt('assign'));
        assign.addEventListener('click', () => void act('assign', { assigneeId: who.value, version: o.version }));
        box.append(h('div', { class: 'filters' }, h('label', { class: 'filter', for: 'wo-assignee' }, wt('assignTo'), who), assign));
      }
      if (canAct && open && mineOrFree) {
        const priority = h('select', { id: 'wo-priority' }, ...(['low', 'normal', 'high', 'urgent'] as const).map((p) => h('option', { value: p, selected: p === o.priority }, wt(`priority.${p}` as WorkOrderTextKey))));
        const set = h('button', { type: 'button', class: 'secondary' }, wt('setPriority'));
        set.addEventListener('click', () => void act('priority', { priority: priority.value, version: o.version }));
        box.append(h('div', { class: 'filters' }, h('label', { class: 'filter', for: 'wo-priority' }, wt('priority'), priority), set));
      }
      return box;
    };

    const render = (o: WorkOrder & { notes: z.infer<typeof noteSchema>[] }) =>
      replaceKeepingFocus(ctx.root, () => {
        const name = o.number ?? o.id.slice(0, 8);
        const fact = (label: WorkOrderTextKey, value: Node | string) => [h('dt', {}, wt(label)), h('dd', {}, value)];
        const due = deadlineCell(o);
        const facts = h(
          'dl',
          { class: 'facts' },
          ...fact('kind', wt(`kind.${o.kind}` as WorkOrderTextKey)),
          ...fact('state', wt(`status.${o.status}` as WorkOrderTextKey)),
          ...fact('priority', wt(`priority.${o.priority}` as WorkOrderTextKey)),
          ...fact('assignee', o.assignee ? o.assignee.displayName : wt('unassigned')),
          ...fact('subject', o.title ?? '—'),
          ...fact('createdAt', beijing(o.createdAt)),
          ...fact('firstResponse', o.firstRespondedAt ? `${beijing(o.firstResponseDueAt)} · ${wt('answered', { time: beijing(o.firstRespondedAt) })}` : beijing(o.firstResponseDueAt)),
          ...fact('due', h('span', {}, ...Array.from(due.childNodes))),
          ...(o.resolvedAt ? fact('resolvedAt', beijing(o.resolvedAt)) : []),
          ...(o.resolution ? fact('resolution', o.resolution) : []),
          ...(o.conversationId && /^[0-9a-f-]{36}$/.test(o.conversationId) ? fact('conversation', h('a', { class: 'row-link', href: `#/conversations/${o.conversationId}` }, wt('openConversation'))) : []),
        );
        const history = h(
          'ol',
          { class: 'hits' },
          ...o.notes.map((n) => h('li', {}, h('span', { class: 'tag' }, wt(n.kind === 'note' ? 'noteKind' : 'statusKind')), ' ', h('span', { class: 'muted' }, beijing(n.at)), ' ', n.text)),
        );
        return [
          h('h2', { class: 'page-title' }, wt('detailTitle', { number: name })),
          h('div', { class: 'review-grid' }, h('section', { class: 'card review-card', 'aria-label': wt('facts') }, h('h3', {}, wt('facts')), facts, h('h4', {}, wt('newReason')), h('p', {}, o.reason)), actions(o)),
          h('section', { class: 'card', 'aria-label': wt('notes') }, h('h3', {}, wt('notes')), history, ...(canAct ? [noteForm()] : [])),
        ];
      });

    const noteForm = (): HTMLElement => {
      const form = h('form', {}, h('label', { class: 'filter', for: 'wo-note' }, wt('noteLabel'), noteText), h('p', {}, h('button', { class: 'secondary', type: 'submit' }, wt('addNote'))));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const text = noteText.value;
        // One note at a time; the box empties only once the note is stored, so a failed send keeps the text to send again.
        if (!text.trim() || sendingNote) return;
        sendingNote = true;
        void act('notes', { text })
          .then((took) => {
            if (took && noteText.value === text) noteText.value = '';
          })
          .finally(() => (sendingNote = false));
      });
      return form;
    };

    const load = newestOnly(async (current) => {
      try {
        const { workOrder } = await api('GET', `/api/v1/staff/work-orders/${encodeURIComponent(id)}`, { schema: detailSchema });
        if (!stale && current()) render(workOrder);
      } catch (e) {
        if (stale || !current()) return;
        ctx.say(workOrderErrorWords(e));
        if (e instanceof ApiError && e.status === 404) ctx.root.replaceChildren(h('p', { class: 'empty' }, wt('error.WORK_ORDER_NOT_FOUND')));
      }
    });

    ctx.root.append(h('p', { class: 'muted' }, '…'));
    void (async () => {
      // The supervisor reassigns to anyone on the team.
      if (supervisor) agents = (await api('GET', '/api/v1/staff/work-orders/team', { schema: teamSchema }).catch(() => ({ agents: [] }))).agents;
      await load();
    })();
    const off = ctx.feed.subscribe('workOrder', (e) => {
      if (e.id === id) void load();
    });
    return () => {
      stale = true;
      off();
    };
  },
};
