import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { currentLang } from '../i18n.js';
import { newestOnly, type PageContext, type PageDef } from '../page.js';
import { shanghaiTime, yuan } from './reviewTexts.js';
import { classWords, levelTag } from './riskSignalsPage.js';
import { judgedSchema, signalSchema, type Signal } from './riskSignalSchemas.js';
import { kt, type RiskTextKey } from './riskTexts.js';

const card = (title: string, ...children: (Node | null)[]) => h('section', { class: 'card', 'aria-label': title }, h('h3', {}, title), ...children);
const facts = (...pairs: [string, string][]) => h('dl', { class: 'facts' }, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));

/** One signal: its reasons (Chinese with the English detail), the score, the line, and confirm or clear with a note. */
export const riskSignalPage: PageDef = {
  path: '/risk/:id',
  title: () => kt('detailTitle'),
  roles: ['reviewer', 'supervisor', 'admin'],
  nav: false,
  render(ctx) {
    const main = h('div', { class: 'risk-detail' });
    ctx.root.append(h('p', {}, h('a', { href: '#/risk' }, kt('back'))), h('h2', {}, kt('detailTitle')), main);
    let stale = false;
    const load = newestOnly(async (current) => {
      try {
        const s = await api('GET', `/api/v1/staff/risk-signals/${encodeURIComponent(ctx.params.id!)}`, { schema: signalSchema });
        if (stale || !current()) return;
        main.replaceChildren(...view(ctx, s, () => load()));
      } catch (e) {
        main.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errorWords(e)));
      }
    });
    void load();
    return () => {
      stale = true;
    };
  },
};

function view(ctx: PageContext, s: Signal, reload: () => Promise<void>): Node[] {
  const en = currentLang() === 'en';
  const freeze = s.line.freezeReason ? kt(`freeze.${s.line.freezeReason}` as RiskTextKey) : '';
  return [
    card(kt('signalCard'), h('p', {}, levelTag(s.level), ' ', s.businessDate, ' · ', kt(`status.${s.status}`)), facts([kt('score'), s.behaviourScore === null ? '—' : String(s.behaviourScore)], [kt('branch'), s.branch ?? '—'], [kt('manager'), s.manager?.name ?? '—'])),
    card(kt('borrowerCard'), facts([kt('borrower'), s.borrower.name ?? '—'], [kt('phone'), s.borrower.phone ?? '—'], [kt('enterprise'), s.borrower.enterpriseName ?? '—'])),
    card(
      kt('lineCard'),
      facts(
        [kt('lineStatus'), `${kt(`line.${s.line.status}` as RiskTextKey)}${freeze}`],
        [kt('limit'), `¥${yuan(s.line.limitFen)}`],
        [kt('outstanding'), `¥${yuan(s.line.outstandingFen)}`],
        [kt('delinquency'), classWords(s)],
      ),
    ),
    card(
      kt('reasonsCard'),
      h(
        'ul',
        { class: 'risk-reasons' },
        ...s.reasons.map((r) => h('li', {}, levelTag(r.level as 'red'), ' ', en ? r.en : r.zh, h('div', { class: 'muted' }, `${en ? '' : `${r.en} — `}${r.detail} (${r.code})`))),
      ),
    ),
    judgement(ctx, s, reload),
  ];
}

function judgement(ctx: PageContext, s: Signal, reload: () => Promise<void>): Node {
  const done = s.reviewedBy ? facts([kt('reviewedBy'), s.reviewedBy], [kt('reviewedAt'), s.reviewedAt ? shanghaiTime(s.reviewedAt) : '—'], [kt('note'), s.reviewNote ?? '']) : null;
  if (s.status === 'cleared') return card(kt('reviewCard'), done, h('p', { class: 'muted' }, kt('final')));
  if (!ctx.staff.roles.some((r) => r === 'reviewer' || r === 'supervisor')) return card(kt('reviewCard'), done, h('p', { class: 'muted' }, kt('readOnly')));
  const note = h('textarea', { id: 'risk-note', maxlength: '500', rows: '3', 'aria-describedby': 'risk-note-hint' });
  const confirm = h('button', { class: 'primary', type: 'button' }, kt('confirmButton'));
  const clear = h('button', { class: 'secondary', type: 'button' }, kt('clearButton'));
  const act = async (button: HTMLButtonElement, path: 'confirm' | 'clear') => {
    if (!note.value.trim()) return ctx.say(kt('noteRequired'));
    confirm.disabled = clear.disabled = true;
    try {
      const a = await api('POST', `/api/v1/staff/risk-signals/${encodeURIComponent(s.id)}/${path}`, { body: { note: note.value.trim() }, schema: judgedSchema });
      const said = a.status === 'confirmed' ? kt('confirmed') : a.line.unfrozen ? kt('clearedUnfrozen') : a.line.keptFrozenBecause ? kt('clearedKept', { why: kt(`kept.${a.line.keptFrozenBecause}` as RiskTextKey) }) : kt('cleared');
      ctx.say(a.alsoReviewed.length ? `${said} ${kt('alsoReviewed', { n: a.alsoReviewed.length })}` : said);
      await reload();
    } catch (e) {
      ctx.say(errorWords(e));
    } finally {
      if (button.isConnected) confirm.disabled = clear.disabled = false;
    }
  };
  confirm.addEventListener('click', () => void act(confirm, 'confirm'));
  clear.addEventListener('click', () => void act(clear, 'clear'));
  return card(
    kt('reviewCard'),
    done,
    h('label', { class: 'filter', for: 'risk-note' }, h('span', {}, kt('note')), note, h('small', { class: 'muted', id: 'risk-note-hint' }, kt('noteHint'))),
    h('div', { class: 'risk-actions' }, s.status === 'open' ? confirm : null, clear),
  );
}
