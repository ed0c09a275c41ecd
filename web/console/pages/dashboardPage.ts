import { z } from 'zod';
import { h, type Child } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { renderSeries } from '../charts.js';
import { formatCount, formatFen, formatShare } from '../format.js';
import { defineTexts } from '../i18n.js';
import { newestOnly, type PageDef } from '../page.js';
import { dt, type DashboardTextKey } from './dashboardTexts.js';

const BASE = '/api/v1/staff/studio/dashboard';
const funnelRow = z.object({ key: z.string(), label: z.string(), applied: z.number(), authorised: z.number(), approved: z.number(), drawn: z.number() });
const applicationsSchema = z.object({ from: z.string(), to: z.string(), day: z.array(funnelRow), channel: z.array(funnelRow), product: z.array(funnelRow), manager: z.array(funnelRow) });
const tally = z.object({ count: z.number(), balanceFen: z.number() });
const portfolioSchema = z.object({
  points: z.array(z.object({
    businessDate: z.string(),
    figures: z.object({
      lines: z.object({ total: z.number() }), limitFen: z.number(), outstandingFen: z.number(), utilisation: z.number(), drawdowns: tally,
      byBucket: z.record(z.string(), tally), byClass: z.record(z.string(), tally), nplFen: z.number(), nplRatio: z.number(),
    }),
  })),
});
const riskSchema = z.object({ byLevel: z.array(z.object({ level: z.enum(['red', 'orange', 'yellow']), open: z.number(), confirmed: z.number(), cleared: z.number() })) });
const collectionSchema = z.object({
  workOrders: z.object({ open: z.number(), assigned: z.number(), inProgress: z.number(), overdue: z.number(), resolvedInPeriod: z.number() }),
  buckets: z.array(z.object({ bucket: z.string(), lines: z.number(), outstandingFen: z.number() })),
});
const campaignsSchema = z.object({
  campaigns: z.array(z.object({
    campaignId: z.string(), code: z.string(), name: z.string(), status: z.string(), sent: z.number(), delivered: z.number(), clicked: z.number(), applied: z.number(), approved: z.number(), drawn: z.number(),
    deliveryRate: z.number(), clickRate: z.number(), applyRate: z.number(), approvalRate: z.number(), drawRate: z.number(),
  })),
});

const statusWords = defineTexts({
  zh: { draft: '草稿', submitted: '待审批', approved: '已批准', scheduled: '已排期', running: '发送中', paused: '已暂停', cancelled: '已取消', done: '已结束' },
  en: { draft: 'Draft', submitted: 'Submitted', approved: 'Approved', scheduled: 'Scheduled', running: 'Running', paused: 'Paused', cancelled: 'Cancelled', done: 'Done' },
});

const BUCKETS = ['M0', 'M1', 'M2', 'M3', 'M3+'] as const;
const CLASSES = ['normal', 'special_mention', 'substandard', 'doubtful', 'loss'] as const;
const BANK_ROLES = ['supervisor', 'admin', 'reviewer'] as const;
const num = (n: number): HTMLElement => h('td', { class: 'num' }, formatCount(n));
const money = (fen: number): HTMLElement => h('td', { class: 'num' }, formatFen(fen));
const share = (s: number): HTMLElement => h('td', { class: 'num' }, formatShare(s));

/** A table with its caption as heading, its accessible name, and the same figures as a CSV download. */
function dataTable(name: string, headers: readonly string[], rows: readonly HTMLElement[][], csvHref: string): HTMLElement {
  return h(
    'div',
    { class: 'dash-table' },
    h('div', { class: 'dash-table-head' }, h('h4', {}, name), h('a', { class: 'secondary csv-link', href: csvHref, download: '', 'aria-label': dt('csvOf', { name }) }, dt('csv'))),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'aria-label': name }, h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', {}, x)))), h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells))))),
  );
}

const section = (title: string, ...children: Child[]): HTMLElement => h('section', { class: 'dash-section card', 'aria-label': title }, h('h3', {}, title), ...children);
const chartBox = (): HTMLElement => h('div', { class: 'chart' });

/**
 * 运营看板: applications by day, channel, product and manager; the portfolio from the daily
 * snapshots; early warnings by level; the collection queue; campaign performance — charts (ECharts,
 * web/console/charts.ts) and tables, each with its CSV. Supervisors, admins and reviewers see the
 * bank; a manager sees the applications and campaigns attributed to them.
 */
export const dashboardPage: PageDef = {
  path: '/dashboard',
  title: () => dt('title'),
  roles: ['supervisor', 'admin', 'reviewer', 'manager'],
  nav: true,
  render(ctx) {
    const bank = BANK_ROLES.some((r) => ctx.staff.roles.includes(r));
    const from = h('input', { type: 'date', id: 'dash-from', value: ctx.query.get('from') ?? '' });
    const to = h('input', { type: 'date', id: 'dash-to', value: ctx.query.get('to') ?? '' });
    const period = h('p', { class: 'muted', 'aria-live': 'polite' }, dt('loading'));
    const form = h(
      'form',
      { class: 'filters' },
      h('label', { class: 'filter', for: 'dash-from' }, h('span', {}, dt('from')), from),
      h('label', { class: 'filter', for: 'dash-to' }, h('span', {}, dt('to')), to),
      h('button', { type: 'submit', class: 'primary' }, dt('apply')),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      if (from.value) q.set('from', from.value);
      if (to.value) q.set('to', to.value);
      ctx.navigate(`/dashboard?${q}`);
    });
    const apps = h('div');
    const portfolio = h('div');
    const risk = h('div');
    const collection = h('div');
    const campaigns = h('div');
    ctx.root.append(h('h2', {}, dt('title')), h('p', { class: 'hint' }, dt('intro')), form, period, apps, ...(bank ? [portfolio, risk, collection] : []), campaigns);

    const undo: (() => void)[] = [];
    let left = false;
    const chart = (box: HTMLElement, draw: (el: HTMLElement) => () => void) => {
      if (!left) undo.push(draw(box));
    };
    const query = (extra: Record<string, string> = {}) => {
      const q = new URLSearchParams(extra);
      if (from.value) q.set('from', from.value);
      if (to.value) q.set('to', to.value);
      return q.toString();
    };
    const csv = (path: string, extra: Record<string, string> = {}) => `${BASE}/${path}?${query({ ...extra, format: 'csv' })}`;
    const funnelHeaders = (first: DashboardTextKey) => [dt(first), dt('applied'), dt('authorised'), dt('approved'), dt('drawn'), dt('approvalRate')];
    const funnelCells = (label: string, r: z.infer<typeof funnelRow>) => [h('td', {}, label), num(r.applied), num(r.authorised), num(r.approved), num(r.drawn), share(r.applied ? r.approved / r.applied : 0)];
    const channelName = (key: string) => (['web', 'rest', 'terminal', 'wechat', 'official_account', 'wecom', 'unknown'].includes(key) ? dt(`channel.${key}` as DashboardTextKey) : key);

    const loadApplications = async () => {
      const d = await api('GET', `${BASE}/applications?${query()}`, { schema: applicationsSchema });
      if (left) return;
      period.textContent = dt('period', { from: d.from, to: d.to });
      const byDay = chartBox();
      apps.replaceChildren(
        section(
          dt('applications'),
          byDay,
          h(
            'div',
            { class: 'dash-grid' },
            dataTable(dt('byChannel'), funnelHeaders('channel'), d.channel.map((r) => funnelCells(channelName(r.key), r)), csv('applications', { table: 'channel' })),
            dataTable(dt('byProduct'), funnelHeaders('product'), d.product.map((r) => funnelCells(r.label, r)), csv('applications', { table: 'product' })),
            dataTable(dt('byManager'), funnelHeaders('manager'), d.manager.map((r) => funnelCells(r.key === 'none' ? dt('unattributed') : r.label, r)), csv('applications', { table: 'manager' })),
          ),
          dataTable(dt('applicationsByDay'), funnelHeaders('date'), d.day.filter((r) => r.applied > 0).map((r) => funnelCells(r.key, r)), csv('applications', { table: 'day' })),
        ),
      );
      chart(byDay, (el) => renderSeries(el, { label: dt('applicationsByDay'), categories: d.day.map((r) => r.key.slice(5)), series: (['applied', 'authorised', 'approved', 'drawn'] as const).map((k) => ({ name: dt(k), data: d.day.map((r) => r[k]) })) }));
    };

    const loadPortfolio = async () => {
      const d = await api('GET', `${BASE}/portfolio?${query()}`, { schema: portfolioSchema });
      if (left) return;
      if (!d.points.length) {
        portfolio.replaceChildren(section(dt('portfolio'), h('p', { class: 'muted' }, dt('noSnapshots'))));
        return;
      }
      const trend = chartBox();
      const buckets = chartBox();
      const latest = d.points[d.points.length - 1]!.figures;
      portfolio.replaceChildren(
        section(
          dt('portfolio'),
          h('div', { class: 'dash-grid' }, trend, buckets),
          dataTable(
            dt('portfolio'),
            [dt('businessDate'), dt('limit'), dt('outstanding'), dt('utilisation'), dt('lines'), dt('drawdowns'), ...BUCKETS, dt('nplBalance'), dt('npl')],
            [...d.points].reverse().map(({ businessDate, figures: f }) => [
              h('td', { class: 'nowrap' }, businessDate), money(f.limitFen), money(f.outstandingFen), share(f.utilisation), num(f.lines.total), num(f.drawdowns.count),
              ...BUCKETS.map((b) => money(f.byBucket[b]?.balanceFen ?? 0)), money(f.nplFen), share(f.nplRatio),
            ]),
            csv('portfolio'),
          ),
          dataTable(dt('classes'), CLASSES.map((c) => dt(`class.${c}`)), [CLASSES.map((c) => money(latest.byClass[c]?.balanceFen ?? 0))], csv('portfolio')),
        ),
      );
      chart(trend, (el) => renderSeries(el, {
        label: dt('portfolioTrend'),
        format: (v) => formatFen(v),
        categories: d.points.map((p) => p.businessDate.slice(5)),
        series: [{ name: dt('outstanding'), data: d.points.map((p) => p.figures.outstandingFen) }, { name: dt('limit'), data: d.points.map((p) => p.figures.limitFen) }],
      }));
      chart(buckets, (el) => renderSeries(el, {
        label: dt('buckets'),
        format: (v) => formatFen(v),
        categories: d.points.map((p) => p.businessDate.slice(5)),
        series: BUCKETS.filter((b) => b !== 'M0').map((b) => ({ name: b, kind: 'bar' as const, stack: 'late', data: d.points.map((p) => p.figures.byBucket[b]?.balanceFen ?? 0) })),
      }));
    };

    const loadRisk = async () => {
      const d = await api('GET', `${BASE}/risk`, { schema: riskSchema });
      if (left) return;
      const bars = chartBox();
      risk.replaceChildren(
        section(
          dt('risk'),
          h('div', { class: 'dash-grid' }, bars, dataTable(dt('riskByLevel'), [dt('level'), dt('open'), dt('confirmed'), dt('cleared')], d.byLevel.map((r) => [h('td', {}, h('span', { class: `tag risk-${r.level}` }, dt(`level.${r.level}`))), num(r.open), num(r.confirmed), num(r.cleared)]), `${BASE}/risk?format=csv`)),
          h('p', {}, h('a', { href: '#/risk' }, dt('toRisk'))),
        ),
      );
      chart(bars, (el) => renderSeries(el, {
        label: dt('riskByLevel'),
        categories: d.byLevel.map((r) => dt(`level.${r.level}`)),
        series: (['open', 'confirmed', 'cleared'] as const).map((k) => ({ name: dt(k), kind: 'bar' as const, data: d.byLevel.map((r) => r[k]) })),
      }));
    };

    const loadCollection = async () => {
      const d = await api('GET', `${BASE}/collection?${query()}`, { schema: collectionSchema });
      if (left) return;
      const bars = chartBox();
      const w = d.workOrders;
      collection.replaceChildren(
        section(
          dt('collection'),
          h('p', {}, dt('workOrders', { open: formatCount(w.open), assigned: formatCount(w.assigned), inProgress: formatCount(w.inProgress), overdue: formatCount(w.overdue), resolved: formatCount(w.resolvedInPeriod) })),
          h('div', { class: 'dash-grid' }, bars, dataTable(dt('bucketLines'), [dt('bucket'), dt('lines'), dt('outstanding')], d.buckets.map((b) => [h('td', {}, b.bucket), num(b.lines), money(b.outstandingFen)]), csv('collection'))),
        ),
      );
      chart(bars, (el) => renderSeries(el, { label: dt('bucketLines'), categories: d.buckets.map((b) => b.bucket), series: [{ name: dt('lines'), kind: 'bar', data: d.buckets.map((b) => b.lines) }] }));
    };

    const loadCampaigns = async () => {
      const d = await api('GET', `${BASE}/campaigns?${query()}`, { schema: campaignsSchema });
      if (left) return;
      const bars = chartBox();
      const shown = d.campaigns.slice(0, 12);
      campaigns.replaceChildren(
        section(
          dt('campaigns'),
          ...(d.campaigns.length ? [bars] : [h('p', { class: 'muted' }, dt('noCampaigns'))]),
          dataTable(
            dt('campaigns'),
            [dt('campaign'), dt('status'), dt('sent'), dt('delivered'), dt('clicked'), dt('applied'), dt('approved'), dt('drawn'), dt('clickRate'), dt('applyRate'), dt('approvalRate'), dt('drawRate')],
            d.campaigns.map((c) => [
              h('td', {}, h('div', {}, c.name), h('div', { class: 'muted' }, c.code)), h('td', {}, statusWords(c.status as Parameters<typeof statusWords>[0])),
              num(c.sent), num(c.delivered), num(c.clicked), num(c.applied), num(c.approved), num(c.drawn), share(c.clickRate), share(c.applyRate), share(c.approvalRate), share(c.drawRate),
            ]),
            csv('campaigns'),
          ),
        ),
      );
      if (d.campaigns.length) {
        chart(bars, (el) => renderSeries(el, {
          label: dt('campaigns'),
          categories: shown.map((c) => c.name),
          series: (['sent', 'clicked', 'applied', 'approved', 'drawn'] as const).map((k) => ({ name: dt(k), kind: 'bar' as const, data: shown.map((c) => c[k]) })),
        }));
      }
    };

    const load = newestOnly(async () => {
      const parts = [loadApplications(), loadCampaigns(), ...(bank ? [loadPortfolio(), loadRisk(), loadCollection()] : [])];
      const failed = (await Promise.allSettled(parts)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed && !left) ctx.say(errorWords(failed.reason));
    });
    void load();
    return () => {
      left = true;
      for (const u of undo) u();
    };
  },
};
