import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api } from '../api.js';
import { currentLang } from '../i18n.js';
import { type PageDef, newestOnly } from '../page.js';
import { workOrderHeaders, workOrderRow } from './workOrdersPage.js';
import { beijing, workOrderErrorWords, workOrderSchema, wt } from './workOrderTexts.js';

const load3 = z.object({ open: z.number(), overdue: z.number(), escalated: z.number() });
const teamSchema = z.object({
  agents: z.array(z.object({ id: z.string(), displayName: z.string(), employeeNo: z.string().nullable() }).extend(load3.shape)),
  unassigned: load3,
  escalationsLast24h: z.number(),
  escalated: z.array(workOrderSchema),
});
const noticesSchema = z.object({ notices: z.array(z.object({ id: z.string(), text: z.object({ zh: z.string(), en: z.string() }), link: z.string().nullable(), createdAt: z.string() })), unread: z.number() });

/**
 * The supervisor's team view (GET /api/v1/staff/work-orders/team): each agent's open load,
 * breaches and escalations, the unassigned orders, the escalated orders waiting (超时督办), and
 * the supervisor's unread notices. Refreshes when any work order changes.
 */
export const teamPage: PageDef = {
  path: '/team',
  title: () => wt('teamTitle'),
  roles: ['supervisor'],
  nav: true,
  render(ctx) {
    const loadBody = h('tbody');
    const escalatedBody = h('tbody');
    const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
    const notices = h('ul', { class: 'hits' });
    let stale = false;

    const load = newestOnly(async (current) => {
      try {
        const [team, mine] = await Promise.all([
          api('GET', '/api/v1/staff/work-orders/team', { schema: teamSchema }),
          api('GET', '/api/v1/staff/notices?unread=true&limit=20', { schema: noticesSchema }),
        ]);
        if (stale || !current()) return;
        const lang = currentLang();
        const cells = (n: z.infer<typeof load3>) => [h('td', {}, String(n.open)), h('td', {}, n.overdue ? h('span', { class: 'tag warn' }, String(n.overdue)) : '0'), h('td', {}, n.escalated ? h('span', { class: 'tag warn' }, String(n.escalated)) : '0')];
        loadBody.replaceChildren(
          ...team.agents.map((a) => h('tr', {}, h('th', { scope: 'row' }, a.employeeNo ? `${a.displayName}（${a.employeeNo}）` : a.displayName), ...cells(a))),
          h('tr', {}, h('th', { scope: 'row' }, wt('unassignedRow')), ...cells(team.unassigned)),
        );
        escalatedBody.replaceChildren(...team.escalated.map(workOrderRow));
        summary.textContent = `${wt('last24h', { n: team.escalationsLast24h })}${team.escalated.length ? '' : ` · ${wt('noEscalations')}`}`;
        notices.replaceChildren(
          ...(mine.notices.length
            ? mine.notices.map((n) => h('li', {}, h('span', { class: 'muted' }, beijing(n.createdAt)), ' ', n.link ? h('a', { class: 'row-link', href: `#${n.link.replace(/^\/console/, '')}` }, n.text[lang]) : n.text[lang]))
            : [h('li', { class: 'muted' }, wt('noNotices'))]),
        );
      } catch (e) {
        ctx.say(workOrderErrorWords(e));
      }
    });

    const markRead = h('button', { type: 'button', class: 'secondary' }, wt('markRead'));
    markRead.addEventListener('click', () => {
      void api('POST', '/api/v1/staff/notices/read', { body: { all: true } })
        .then(() => load())
        .catch((e: unknown) => ctx.say(workOrderErrorWords(e)));
    });

    ctx.root.append(
      h('h2', { class: 'page-title' }, wt('teamTitle')),
      h('p', { class: 'hint' }, wt('teamIntro')),
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'grid', 'aria-label': wt('teamTitle') }, h('thead', {}, h('tr', {}, ...(['agent', 'openLoad', 'breaches', 'escalations'] as const).map((k) => h('th', { scope: 'col' }, wt(k))))), loadBody),
      ),
      h('h3', {}, wt('escalatedList')),
      summary,
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'aria-label': wt('escalatedList') }, workOrderHeaders(), escalatedBody)),
      h('section', { class: 'card', 'aria-label': wt('notices') }, h('h3', {}, wt('notices')), notices, markRead),
    );
    void load();
    const offs = [ctx.feed.subscribe('workOrder', () => void load()), ctx.feed.subscribe('resync', () => void load())];
    return () => {
      stale = true;
      for (const off of offs) off();
    };
  },
};
