import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import type { PageContext, PageDef } from '../page.js';
import { CHANNELS, LOAN_STATES, campaignSchema, countSchema, ct, listSchema, type CampaignData } from './campaignTexts.js';

const BASE = '/api/v1/staff/studio/campaigns';
const list = (s: string): string[] => s.split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean);
const field = (id: string, label: string, input: HTMLElement, hint?: string) =>
  h('label', { class: 'filter campaign-field', for: id }, h('span', {}, label), input, hint ? h('small', { class: 'muted' }, hint) : null);

/** The editor's form state as the API's campaign input (only what was filled in). */
interface Form {
  readonly body: Record<string, unknown>;
  readonly channels: string[];
  readonly audience: Record<string, unknown>;
}

/**
 * The campaign editor (new, or a draft): name, text, link card, QR, channels, group targets
 * (configured WeCom robots; wechaty rooms known from group chats, or typed), the audience with a live
 * count. Managers and admins; the server checks every field again and names the one it refuses.
 */
function editor(mode: 'new' | 'edit'): PageDef {
  return {
    path: mode === 'new' ? '/campaigns/new' : '/campaigns/:id/edit',
    title: () => (mode === 'new' ? ct('newTitle') : ct('editTitle')),
    roles: ['manager', 'admin'],
    nav: false,
    async render(ctx) {
      ctx.root.append(h('p', {}, h('a', { href: mode === 'new' ? '#/campaigns' : `#/campaigns/${ctx.params.id}` }, ct('back'))), h('h2', {}, mode === 'new' ? ct('newTitle') : ct('editTitle')));
      try {
        const options = await api('GET', `${BASE}?mine=true&status=draft`, { schema: listSchema });
        const existing = mode === 'edit' ? await api('GET', `${BASE}/${encodeURIComponent(ctx.params.id!)}`, { schema: campaignSchema }) : undefined;
        form(ctx, options.robots, options.rooms.map((r) => r.id), existing);
      } catch (e) {
        ctx.root.append(h('p', { class: 'form-error', role: 'alert' }, errorWords(e)));
      }
    },
  };
}

export const campaignNewPage = editor('new');
export const campaignEditPage = editor('edit');

function form(ctx: PageContext, robots: readonly string[], rooms: readonly string[], c: CampaignData | undefined): void {
  const name = h('input', { id: 'campaign-name', maxlength: '60', value: c?.name ?? '' });
  const text = h('textarea', { id: 'campaign-text', maxlength: '500', rows: '4' });
  text.value = c?.content.text ?? '';
  const cardTitle = h('input', { id: 'campaign-card-title', maxlength: '64', value: c?.content.card?.title ?? '' });
  const cardDescription = h('input', { id: 'campaign-card-description', maxlength: '120', value: c?.content.card?.description ?? '' });
  const withQr = h('input', { type: 'checkbox', id: 'campaign-qr' });
  withQr.checked = c?.content.withQr ?? false;
  const channelBoxes = CHANNELS.map((ch) => {
    const box = h('input', { type: 'checkbox', id: `campaign-ch-${ch}`, value: ch });
    box.checked = c ? c.channels.includes(ch) : ch === 'web';
    return box;
  });
  const chosenRobots = new Set(c?.groupTargets.flatMap((t) => (t.kind === 'wecom_robot' ? [t.robot] : [])) ?? []);
  const robotBoxes = robots.map((r) => {
    const box = h('input', { type: 'checkbox', id: `campaign-robot-${r}`, value: r });
    box.checked = chosenRobots.has(r);
    return box;
  });
  const roomIds = h('textarea', { id: 'campaign-rooms', rows: '2' });
  roomIds.value = (c?.groupTargets.flatMap((t) => (t.kind === 'wechaty_room' ? [t.roomId] : [])) ?? []).join('\n');
  const a = c?.audience ?? {};
  const tags = h('input', { id: 'campaign-tags', value: (a.tags ?? []).join(', ') });
  const loanBoxes = LOAN_STATES.map((s) => {
    const box = h('input', { type: 'checkbox', id: `campaign-loan-${s}`, value: s });
    box.checked = (a.loanStates ?? []).includes(s);
    return box;
  });
  const batch = h('input', { id: 'campaign-batch', value: a.precreditBatchId ?? '' });
  const branches = h('input', { id: 'campaign-branches', value: (a.branches ?? []).join(', ') });
  const managers = h('input', { id: 'campaign-managers', value: (a.managerIds ?? []).join(', ') });
  const count = h('p', { class: 'muted', 'aria-live': 'polite', id: 'campaign-count' });
  const save = h('button', { type: 'submit', class: 'primary' }, ct('save'));
  const error = h('p', { class: 'form-error', role: 'alert' });

  const read = (): Form => {
    const channels = channelBoxes.filter((b) => b.checked).map((b) => b.value);
    const audience: Record<string, unknown> = {};
    if (list(tags.value).length) audience.tags = list(tags.value);
    const loans = loanBoxes.filter((b) => b.checked).map((b) => b.value);
    if (loans.length) audience.loanStates = loans;
    if (batch.value.trim()) audience.precreditBatchId = batch.value.trim();
    if (list(branches.value).length) audience.branches = list(branches.value);
    if (list(managers.value).length) audience.managerIds = list(managers.value);
    const groupTargets = [
      ...(channels.includes('wecom_robot') ? robotBoxes.filter((b) => b.checked).map((b) => ({ kind: 'wecom_robot', robot: b.value })) : []),
      ...(channels.includes('wechaty_room') ? list(roomIds.value).map((roomId) => ({ kind: 'wechaty_room', roomId })) : []),
    ];
    const content = {
      text: text.value,
      ...(cardTitle.value.trim() ? { card: { title: cardTitle.value, ...(cardDescription.value.trim() ? { description: cardDescription.value } : {}) } } : {}),
      withQr: withQr.checked,
    };
    return { body: { name: name.value, content, channels, groupTargets, audience }, channels, audience };
  };

  let countTimer: ReturnType<typeof setTimeout> | undefined;
  const recount = () => {
    clearTimeout(countTimer);
    countTimer = setTimeout(async () => {
      const f = read();
      const personal = f.channels.filter((ch) => ch === 'web' || ch === 'official_account');
      if (!personal.length) return void (count.textContent = ct('countNone'));
      try {
        const n = await api('GET', `${BASE}/audience-count?channels=${personal.join(',')}&audience=${encodeURIComponent(JSON.stringify(f.audience))}`, { schema: countSchema });
        count.textContent = [ct('count', n), n.precreditUnreachable ? ct('countUnreachable', { n: n.precreditUnreachable }) : ''].filter(Boolean).join('；');
      } catch (e) {
        count.textContent = errorWords(e);
      }
    }, 300);
  };

  const formEl = h(
    'form',
    { class: 'card campaign-form', 'aria-label': ct('editTitle') },
    field('campaign-name', ct('name'), name),
    field('campaign-text', ct('text'), text, ct('textHint')),
    field('campaign-card-title', ct('cardTitle'), cardTitle),
    field('campaign-card-description', ct('cardDescription'), cardDescription),
    h('label', { class: 'filter', for: 'campaign-qr' }, withQr, h('span', {}, ct('withQr'))),
    h('fieldset', {}, h('legend', {}, ct('channels')), ...channelBoxes.map((b) => h('label', { for: b.id, class: 'filter' }, b, h('span', {}, ct(`channel.${b.value as (typeof CHANNELS)[number]}`))))),
    h(
      'fieldset',
      {},
      h('legend', {}, ct('groups')),
      h('div', {}, h('strong', {}, ct('robots')), robots.length ? null : h('p', { class: 'muted' }, ct('noRobots')), ...robotBoxes.map((b) => h('label', { for: b.id, class: 'filter' }, b, h('span', {}, b.value)))),
      field('campaign-rooms', `${ct('rooms')} · ${ct('roomId')}`, roomIds, rooms.length ? ct('knownRooms', { ids: rooms.join('、') }) : undefined),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, ct('audience')),
      h('p', { class: 'hint' }, ct('audienceHint')),
      field('campaign-tags', ct('tags'), tags),
      h('div', { role: 'group', 'aria-label': ct('loanStates') }, h('strong', {}, ct('loanStates')), ...loanBoxes.map((b) => h('label', { for: b.id, class: 'filter' }, b, h('span', {}, ct(`loan.${b.value as (typeof LOAN_STATES)[number]}`))))),
      field('campaign-batch', ct('precreditBatchId'), batch),
      field('campaign-branches', ct('branches'), branches),
      field('campaign-managers', ct('managerIds'), managers),
      count,
    ),
    error,
    save,
  );
  formEl.addEventListener('input', recount);
  formEl.addEventListener('change', recount);
  formEl.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      save.disabled = true;
      error.textContent = '';
      try {
        const body = read().body;
        const saved = c
          ? await api('PUT', `${BASE}/${encodeURIComponent(c.id)}`, { body: { ...body, version: c.version }, schema: campaignSchema })
          : await api('POST', BASE, { body, schema: campaignSchema });
        ctx.say(c ? ct('saved') : ct('created', { code: saved.code }));
        ctx.navigate(`/campaigns/${saved.id}`);
      } catch (e) {
        error.textContent = errorWords(e);
      } finally {
        if (save.isConnected) save.disabled = false;
      }
    })();
  });
  ctx.root.append(formEl);
  recount();
}
