import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { newestOnly, type PageDef } from '../page.js';
import { shanghaiTime } from './reviewTexts.js';
import { CAMPAIGN_STATUSES, ct, listSchema, statusClass, type CampaignData } from './campaignTexts.js';

/**
 * 营销活动: the campaigns a person may see (a manager's own; supervisors and admins all), by status
 * chips and "only mine", newest first, each opening its detail page; and the way to a new one.
 */
export const campaignsPage: PageDef = {
  path: '/campaigns',
  title: () => ct('title'),
  roles: ['manager', 'supervisor', 'admin'],
  nav: true,
  render(ctx) {
    const filter = { status: ctx.query.get('status') ?? '', mine: ctx.query.get('mine') === 'true' };
    const chips = h('div', { class: 'risk-counts', role: 'group', 'aria-label': ct('title') });
    const mine = h('input', { type: 'checkbox', id: 'campaign-mine' });
    mine.checked = filter.mine;
    const body = h('tbody');
    const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
    const chip = (value: string, text: string) => {
      const b = h('button', { type: 'button', class: 'risk-level', 'aria-pressed': String(filter.status === value) }, text);
      b.addEventListener('click', () => {
        filter.status = value;
        drawChips();
        void load();
      });
      return b;
    };
    const drawChips = () => chips.replaceChildren(chip('', ct('all')), ...CAMPAIGN_STATUSES.map((s) => chip(s, ct(`status.${s}`))));
    const row = (c: CampaignData) =>
      h(
        'tr',
        {},
        h('td', { class: 'nowrap' }, c.code),
        h('td', {}, c.name),
        h('td', {}, h('span', { class: statusClass(c.status) }, ct(`status.${c.status}`))),
        h('td', {}, c.channels.map((ch) => ct(`channel.${ch}`)).join('、')),
        h('td', {}, c.createdBy?.name ?? '—'),
        h('td', { class: 'nowrap' }, c.scheduledAt ? shanghaiTime(c.scheduledAt) : '—'),
        h('td', { class: 'nowrap' }, shanghaiTime(c.updatedAt)),
        h('td', {}, h('a', { class: 'row-link', href: `#/campaigns/${c.id}`, 'aria-label': ct('openOf', { name: c.name }) }, ct('open'))),
      );
    let stale = false;
    const load = newestOnly(async (current) => {
      const q = new URLSearchParams();
      if (filter.status) q.set('status', filter.status);
      if (filter.mine) q.set('mine', 'true');
      try {
        const list = await api('GET', `/api/v1/staff/studio/campaigns?${q}`, { schema: listSchema });
        if (stale || !current()) return;
        body.replaceChildren(...list.campaigns.map(row));
        summary.textContent = list.campaigns.length ? '' : ct('none');
      } catch (e) {
        ctx.say(errorWords(e));
      }
    });
    mine.addEventListener('change', () => {
      filter.mine = mine.checked;
      void load();
    });
    drawChips();
    const canWrite = ctx.staff.roles.some((r) => r === 'manager' || r === 'admin');
    const headers = [ct('code'), ct('name'), ct('statusHeader'), ct('channels'), ct('creator'), ct('scheduledAt'), ct('updated'), ct('open')];
    ctx.root.append(
      h('h2', {}, ct('title')),
      h('p', { class: 'hint' }, ct('intro')),
      ...(canWrite ? [h('p', {}, h('a', { class: 'primary button-link', href: '#/campaigns/new' }, ct('newCampaign')))] : []),
      chips,
      h('div', { class: 'filters' }, h('label', { class: 'filter', for: 'campaign-mine' }, mine, h('span', {}, ct('mineOnly')))),
      summary,
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'aria-label': ct('title') }, h('thead', {}, h('tr', {}, ...headers.map((k) => h('th', {}, k)))), body)),
    );
    void load();
    return () => {
      stale = true;
    };
  },
};
