import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { FUNNEL_STAGE_KEYS, renderFunnel } from '../charts.js';
import { newestOnly, type PageContext, type PageDef } from '../page.js';
import { shanghaiTime } from './reviewTexts.js';
import { campaignSchema, ct, previewSchema, statusClass, type CampaignData, type CampaignTextKey } from './campaignTexts.js';

const BASE = '/api/v1/staff/studio/campaigns';
const card = (title: string, ...children: (Node | null)[]) => h('section', { class: 'card', 'aria-label': title }, h('h3', {}, title), ...children);
const facts = (...pairs: [string, string][]) => h('dl', { class: 'facts' }, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
const stageKey = z.enum(FUNNEL_STAGE_KEYS);
const funnelSchema = z.object({
  stages: z.array(z.object({ stage: stageKey, count: z.number() })),
  series: z.array(z.object({ date: z.string() }).and(z.record(stageKey, z.number()))),
});

/**
 * One campaign: its content and audience, the preview per channel, the acts the viewer may do now
 * (the server lists them: approve and return only for a supervisor or admin who is not the creator),
 * a test send to oneself, delivery progress by status and the campaign's funnel.
 */
export const campaignPage: PageDef = {
  path: '/campaigns/:id',
  title: () => ct('detailTitle'),
  roles: ['manager', 'supervisor', 'admin'],
  nav: false,
  render(ctx) {
    const main = h('div', { class: 'campaign-detail' });
    ctx.root.append(h('p', {}, h('a', { href: '#/campaigns' }, ct('back'))), main);
    let stale = false;
    // The funnel's charts, undone when the view is drawn again or the page is left.
    const undos: (() => void)[] = [];
    const undoAll = () => undos.splice(0).forEach((u) => u());
    const load = newestOnly(async (current) => {
      try {
        const c = await api('GET', `${BASE}/${encodeURIComponent(ctx.params.id!)}`, { schema: campaignSchema });
        if (stale || !current()) return;
        undoAll();
        main.replaceChildren(...view(ctx, c, () => load(), undos));
      } catch (e) {
        main.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errorWords(e)));
      }
    });
    void load();
    return () => {
      stale = true;
      undoAll();
    };
  },
};

function view(ctx: PageContext, c: CampaignData, reload: () => Promise<void>, undos: (() => void)[]): Node[] {
  const a = c.audience;
  const audience = [
    a.tags?.length ? `${ct('tags')}: ${a.tags.join('、')}` : '',
    a.loanStates?.length ? `${ct('loanStates')}: ${a.loanStates.map((s) => ct(`loan.${s}`)).join('、')}` : '',
    a.precreditBatchId ? `${ct('precreditBatchId')}: ${a.precreditBatchId}` : '',
    a.branches?.length ? `${ct('branches')}: ${a.branches.join('、')}` : '',
    a.managerIds?.length ? `${ct('managerIds')}: ${a.managerIds.join('、')}` : '',
  ].filter(Boolean);
  return [
    h('h2', {}, `${c.name} `, h('span', { class: statusClass(c.status), id: 'campaign-status' }, ct(`status.${c.status}`))),
    card(
      ct('contentCard'),
      facts(
        [ct('code'), c.code],
        [ct('creator'), c.createdBy?.name ?? '—'],
        [ct('branch'), c.branch ?? '—'],
        [ct('channels'), c.channels.map((ch) => ct(`channel.${ch}`)).join('、')],
        [ct('groups'), c.groupTargets.map((t) => (t.kind === 'wecom_robot' ? t.robot : (t.topic ?? t.roomId))).join('、') || '—'],
        [ct('audience'), audience.join('；') || ct('all')],
        [ct('scheduledAt'), c.scheduledAt ? shanghaiTime(c.scheduledAt) : '—'],
        [ct('approvedBy'), c.approvedBy?.name ?? '—'],
        [ct('statusNote'), c.statusNote ?? '—'],
      ),
    ),
    lifecycle(ctx, c, reload),
    preview(c),
    progress(c),
    funnel(c, undos),
  ];
}

function lifecycle(ctx: PageContext, c: CampaignData, reload: () => Promise<void>): Node {
  const note = h('textarea', { id: 'campaign-note', maxlength: '500', rows: '2' });
  const when = h('input', { type: 'datetime-local', id: 'campaign-when' });
  const buttons: Node[] = [];
  const act = async (button: HTMLButtonElement, action: string, extra: Record<string, unknown> = {}) => {
    if (action === 'return' && !note.value.trim()) return ctx.say(ct('noteRequired'));
    button.disabled = true;
    try {
      await api('POST', `${BASE}/${encodeURIComponent(c.id)}/${action}`, { body: { version: c.version, ...(note.value.trim() ? { note: note.value.trim() } : {}), ...extra } });
      ctx.say(ct(`done.${action}` as CampaignTextKey));
      await reload();
    } catch (e) {
      ctx.say(errorWords(e));
      if (button.isConnected) button.disabled = false;
    }
  };
  const button = (label: string, action: string, cls: string, extra: () => Record<string, unknown> | undefined = () => ({})) => {
    const b = h('button', { type: 'button', class: cls }, label);
    b.addEventListener('click', () => {
      const more = extra();
      if (more) void act(b, action, more);
    });
    buttons.push(b);
  };
  for (const action of c.actions) {
    if (action === 'edit') {
      const b = h('button', { type: 'button', class: 'secondary' }, ct('act.edit'));
      b.addEventListener('click', () => ctx.navigate(`/campaigns/${c.id}/edit`));
      buttons.push(b);
    } else if (action === 'schedule') {
      button(ct('act.schedule'), 'schedule', 'primary', () => {
        if (!when.value) return void ctx.say(ct('scheduledAt'));
        return { scheduledAt: `${when.value.length === 16 ? `${when.value}:00` : when.value}+08:00` };
      });
      button(ct('act.sendNow'), 'schedule', 'secondary', () => ({ now: true }));
    } else button(ct(`act.${action}`), action, action === 'cancel' || action === 'return' || action === 'pause' ? 'secondary' : 'primary');
  }
  const test = h('button', { type: 'button', class: 'secondary' }, ct('testSend'));
  test.addEventListener('click', () => {
    void (async () => {
      test.disabled = true;
      try {
        const r = await api('POST', `${BASE}/${encodeURIComponent(c.id)}/test-send`, { schema: z.object({ notices: z.number() }) });
        ctx.say(ct('testSent', { n: r.notices }));
      } catch (e) {
        ctx.say(errorWords(e));
      } finally {
        test.disabled = false;
      }
    })();
  });
  const creator = c.createdBy?.id === ctx.staff.id;
  const reviewer = ctx.staff.roles.some((r) => r === 'supervisor' || r === 'admin');
  const needsNote = c.actions.some((x) => x === 'return' || x === 'cancel');
  return card(
    ct('lifecycleCard'),
    c.status === 'submitted' && creator && reviewer ? h('p', { class: 'muted' }, ct('fourEyes')) : null,
    c.actions.includes('schedule') ? h('label', { class: 'filter', for: 'campaign-when' }, h('span', {}, ct('scheduledAt')), when) : null,
    needsNote ? h('label', { class: 'filter', for: 'campaign-note' }, h('span', {}, ct('note')), note, h('small', { class: 'muted' }, ct('noteHint'))) : null,
    buttons.length ? h('div', { class: 'risk-actions' }, ...buttons) : h('p', { class: 'muted' }, ct('noActions')),
    h('div', { class: 'risk-actions' }, test),
  );
}

function preview(c: CampaignData): Node {
  const body = h('div', {});
  void (async () => {
    try {
      const p = await api('POST', `${BASE}/${encodeURIComponent(c.id)}/preview`, { schema: previewSchema });
      body.replaceChildren(
        ...p.messages.map((m) =>
          h(
            'article',
            { class: 'card campaign-preview', 'aria-label': ct(`channel.${m.channel}`) },
            h('h4', {}, ct(`channel.${m.channel}`)),
            h('pre', { class: 'campaign-text' }, m.text),
            m.card ? h('p', {}, h('strong', {}, m.card.title), m.card.description ? ` · ${m.card.description}` : '', h('br', {}), h('span', { class: 'muted' }, m.card.url)) : null,
            m.card?.qrPngUrl ? h('p', { class: 'muted' }, `QR: ${m.card.qrPngUrl}`) : null,
          ),
        ),
      );
    } catch (e) {
      body.replaceChildren(h('p', { class: 'muted' }, errorWords(e)));
    }
  })();
  return card(ct('previewCard'), h('p', { class: 'hint' }, ct('previewHint')), body);
}

function progress(c: CampaignData): Node {
  const d = c.deliveries ?? {};
  const statuses = Object.keys(d);
  if (!statuses.length) return card(ct('progressCard'), h('p', { class: 'muted' }, ct('noDeliveries')));
  const known = ['pending', 'deferred', 'sending', 'sent', 'failed', 'suppressed'];
  const word = (s: string) => (known.includes(s) ? ct(`delivery.${s}` as CampaignTextKey) : s);
  return card(ct('progressCard'), facts(...statuses.sort((x, y) => known.indexOf(x) - known.indexOf(y)).map((s): [string, string] => [word(s), String(d[s])])));
}

function funnel(c: CampaignData, undos: (() => void)[]): Node {
  const body = h('div', {}, h('p', { class: 'muted' }, ct('noFunnel')));
  const url = `/api/v1/staff/studio/funnel?campaignId=${encodeURIComponent(c.id)}`;
  void (async () => {
    try {
      const report = await api('GET', url, { schema: funnelSchema });
      if (!body.isConnected) return;
      const chart = h('div', {});
      body.replaceChildren(
        h('table', { class: 'grid', 'aria-label': ct('funnelCard') }, h('tbody', {}, ...report.stages.map((s) => h('tr', {}, h('th', {}, ct(`stage.${s.stage}`)), h('td', {}, String(s.count)))))),
        chart,
        h('p', {}, h('a', { href: `${url}&format=csv` }, ct('funnelCsv'))),
      );
      undos.push(renderFunnel(chart, report as Parameters<typeof renderFunnel>[1]));
    } catch {
      // Without an answer (no funnel yet, or the route refused) the card says there is nothing yet.
    }
  })();
  return card(ct('funnelCard'), body);
}
