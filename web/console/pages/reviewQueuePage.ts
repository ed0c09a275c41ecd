import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { type PageDef, newestOnly } from '../page.js';
import { inLang, rt, shanghaiTime, yuan, type ReviewTextKey } from './reviewTexts.js';

const reviewSchema = z.object({
  applicationId: z.string(),
  workOrderNumber: z.string().nullable(),
  status: z.string(),
  openedAt: z.string(),
  dueAt: z.string(),
  overdue: z.boolean(),
  applicant: z.object({ name: z.string().nullable(), phone: z.string().nullable(), idNumber: z.string().nullable(), enterpriseName: z.string().nullable() }),
  productName: z.object({ zh: z.string(), en: z.string() }).nullable(),
  productId: z.string(),
  requestedAmountFen: z.number().nullable(),
  score: z.number().nullable(),
  grade: z.string().nullable(),
  provisionalLimitFen: z.number().nullable(),
  reasonCodes: z.array(z.string()),
  assignee: z.string().nullable(),
  pendingApproval: z.object({ by: z.string(), limitFen: z.number() }).nullable(),
});
const queueSchema = z.object({ reviews: z.array(reviewSchema) });
type Review = z.infer<typeof reviewSchema>;

/** The reviewers' queue (GET /api/v1/staff/reviews): oldest first, deadlines, four-eyes approvals waiting; it refreshes as reviews change. */
export const reviewQueuePage: PageDef = {
  path: '/reviews',
  title: () => rt('queueTitle'),
  roles: ['reviewer', 'supervisor'],
  nav: true,
  render(ctx) {
    const body = h('tbody');
    const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
    const row = (r: Review) => {
      const name = r.applicant.name ?? '—';
      const state = h('td', {}, rt(`status.${r.status}` as ReviewTextKey), r.workOrderNumber ? h('div', { class: 'muted' }, r.workOrderNumber) : null);
      if (r.pendingApproval) state.append(' ', h('span', { class: 'tag warn' }, rt('pendingBy', { name: r.pendingApproval.by, limit: yuan(r.pendingApproval.limitFen) })));
      return h(
        'tr',
        {},
        h('td', {}, h('div', {}, name), h('div', { class: 'muted' }, [r.applicant.phone, r.applicant.enterpriseName].filter(Boolean).join(' · '))),
        h('td', {}, r.productName ? inLang(r.productName) : r.productId),
        h('td', { class: 'nowrap' }, r.requestedAmountFen === null ? '—' : `¥${yuan(r.requestedAmountFen)}`),
        h('td', {}, `${r.score ?? '—'} / ${r.grade ?? '—'}`),
        h('td', { class: 'nowrap' }, r.provisionalLimitFen === null ? '—' : `¥${yuan(r.provisionalLimitFen)}`),
        h('td', {}, ...r.reasonCodes.map((c) => h('code', { class: 'code-chip' }, c))),
        state,
        h('td', { class: 'nowrap' }, shanghaiTime(r.dueAt), r.overdue ? h('span', { class: 'tag warn' }, rt('overdue')) : null),
        h('td', {}, h('a', { class: 'row-link', href: `#/reviews/${r.applicationId}`, 'aria-label': rt('openOf', { name }) }, rt('open'))),
      );
    };
    let stale = false;
    const load = newestOnly(async (current) => {
      try {
        const { reviews } = await api('GET', '/api/v1/staff/reviews', { schema: queueSchema });
        if (stale || !current()) return;
        body.replaceChildren(...reviews.map(row));
        summary.textContent = reviews.length ? '' : rt('none');
      } catch (e) {
        ctx.say(errorWords(e));
      }
    });
    const headers: ReviewTextKey[] = ['applicant', 'product', 'requested', 'score', 'provisional', 'reasons', 'state', 'due', 'open'];
    ctx.root.append(
      h('h2', {}, rt('queueTitle')),
      h('p', { class: 'hint' }, rt('queueIntro')),
      summary,
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'aria-label': rt('queueTitle') }, h('thead', {}, h('tr', {}, ...headers.map((k) => h('th', {}, rt(k))))), body)),
    );
    void load();
    // A new review, a decision or a question elsewhere: fetch the queue again.
    const offs = [ctx.feed.subscribe('review', () => void load()), ctx.feed.subscribe('workOrder', () => void load()), ctx.feed.subscribe('resync', () => void load())];
    return () => {
      stale = true;
      for (const off of offs) off();
    };
  },
};
