import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { newestOnly, type PageDef } from '../page.js';
import { kt, type RiskTextKey } from './riskTexts.js';
import { listSchema, type Signal } from './riskSignalSchemas.js';

const LEVELS = ['red', 'orange', 'yellow'] as const;
type Level = (typeof LEVELS)[number];

/** A level as a tag people can tell apart without colour (the word is in it). */
export const levelTag = (level: Level): HTMLElement => h('span', { class: `tag risk-${level}` }, kt(`level.${level}`));
export const classWords = (s: Signal): string => `${kt('dpd', { n: s.line.dpd })} · ${s.line.bucket} · ${kt(`class.${s.line.loanClass}` as RiskTextKey)}`;

/**
 * 风险预警: the early-warning signals by level (counts that filter), status (open by default),
 * branch and manager; red first, newest first. Reviewers, supervisors and admins.
 */
export const riskSignalsPage: PageDef = {
  path: '/risk',
  title: () => kt('title'),
  roles: ['reviewer', 'supervisor', 'admin'],
  nav: true,
  render(ctx) {
    const filter: { level: Level | ''; status: string; branch: string; managerId: string } = { level: '', status: 'open', branch: '', managerId: '' };
    const counts = h('div', { class: 'risk-counts', role: 'group', 'aria-label': kt('levelFilter') });
    const status = h('select', { id: 'risk-status' }, h('option', { value: '' }, kt('allStatuses')), ...(['open', 'confirmed', 'cleared'] as const).map((s) => h('option', { value: s }, kt(`status.${s}`))));
    status.value = filter.status;
    const branch = h('select', { id: 'risk-branch' });
    const manager = h('select', { id: 'risk-manager' });
    const body = h('tbody');
    const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
    const label = (id: string, text: string, input: HTMLElement) => h('label', { class: 'filter', for: id }, h('span', {}, text), input);
    const options = (select: HTMLSelectElement, items: { value: string; text: string }[], current: string) => {
      select.replaceChildren(h('option', { value: '' }, kt('all')), ...items.map((i) => h('option', { value: i.value }, i.text)));
      select.value = current;
    };
    const row = (s: Signal) => {
      const name = s.borrower.name ?? '—';
      return h(
        'tr',
        {},
        h('td', {}, levelTag(s.level)),
        h('td', { class: 'nowrap' }, s.businessDate),
        h('td', {}, h('div', {}, name), h('div', { class: 'muted' }, [s.borrower.phone, s.borrower.enterpriseName].filter(Boolean).join(' · '))),
        h('td', {}, s.branch ?? '—'),
        h('td', {}, s.manager?.name ?? '—'),
        h('td', {}, s.behaviourScore === null ? '—' : String(s.behaviourScore)),
        h('td', { class: 'nowrap' }, classWords(s)),
        h('td', {}, s.reasons.map((r) => r.zh).join('；')),
        h('td', {}, kt(`status.${s.status}`)),
        h('td', {}, h('a', { class: 'row-link', href: `#/risk/${s.id}`, 'aria-label': kt('openOf', { name }) }, kt('open'))),
      );
    };
    let stale = false;
    const load = newestOnly(async (current) => {
      const q = new URLSearchParams();
      if (filter.level) q.set('level', filter.level);
      if (filter.status) q.set('status', filter.status);
      if (filter.branch) q.set('branch', filter.branch);
      if (filter.managerId) q.set('managerId', filter.managerId);
      try {
        const list = await api('GET', `/api/v1/staff/risk-signals?${q}`, { schema: listSchema });
        if (stale || !current()) return;
        counts.replaceChildren(
          h('button', { type: 'button', class: 'risk-level', 'aria-pressed': String(filter.level === '') }, kt('allLevels')),
          ...LEVELS.map((l) => h('button', { type: 'button', class: `risk-level risk-${l}`, 'aria-pressed': String(filter.level === l) }, kt('levelCount', { level: kt(`level.${l}`), n: list.counts[l] }))),
        );
        counts.querySelectorAll('button').forEach((b, i) =>
          b.addEventListener('click', () => {
            filter.level = i === 0 ? '' : LEVELS[i - 1]!;
            void load();
          }),
        );
        options(branch, list.branches.map((b) => ({ value: b, text: b })), filter.branch);
        options(manager, list.managers.map((m) => ({ value: m.id, text: m.name })), filter.managerId);
        body.replaceChildren(...list.signals.map(row));
        summary.textContent = list.signals.length ? '' : kt('none');
      } catch (e) {
        ctx.say(errorWords(e));
      }
    });
    status.addEventListener('change', () => {
      filter.status = status.value;
      void load();
    });
    branch.addEventListener('change', () => {
      filter.branch = branch.value;
      void load();
    });
    manager.addEventListener('change', () => {
      filter.managerId = manager.value;
      void load();
    });
    const headers: RiskTextKey[] = ['level', 'date', 'borrower', 'branch', 'manager', 'score', 'overdue', 'reasons', 'state', 'open'];
    ctx.root.append(
      h('h2', {}, kt('title')),
      h('p', { class: 'hint' }, kt('intro')),
      counts,
      h('div', { class: 'filters' }, label('risk-status', kt('statusFilter'), status), label('risk-branch', kt('branchFilter'), branch), label('risk-manager', kt('managerFilter'), manager)),
      summary,
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'aria-label': kt('title') }, h('thead', {}, h('tr', {}, ...headers.map((k) => h('th', {}, kt(k))))), body)),
    );
    void load();
    return () => {
      stale = true;
    };
  },
};
