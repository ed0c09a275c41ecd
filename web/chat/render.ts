import type { AccountCard, Card, ConsentCard, LinkCard, OfferCard, ReceiptCard, ScheduleCard } from '../../flows/reply.js';
import { h, type Child } from '../shared/dom.js';
import { tr, type Lang, type TextKey } from './i18n.js';

export { h };

let ids = 0;
const nextId = (prefix: string) => `${prefix}-${++ids}`;
const yuan = (amount: string) => `¥${amount}`;

/** A card as an article with a heading, so a screen reader can jump to it and tests can find it by role. */
function article(kind: string, heading: string, ...children: Child[]): HTMLElement {
  const id = nextId('card');
  return h('article', { class: `card card-${kind}`, 'aria-labelledby': id }, h('h2', { id, class: 'card-title' }, heading), ...children);
}

/** Label/value pairs as a description list. */
function facts(lang: Lang, rows: readonly (readonly [TextKey | string, string | undefined, string?])[], raw = false): HTMLElement {
  const dl = h('dl', { class: 'facts' });
  for (const [label, value, cls] of rows) {
    if (value === undefined) continue;
    dl.append(h('div', { class: `fact ${cls ?? ''}`.trim() }, h('dt', {}, raw ? label : tr(lang, label as TextKey)), h('dd', {}, value)));
  }
  return dl;
}

function offerCard(lang: Lang, c: OfferCard): HTMLElement {
  return article(
    'offer',
    c.productName,
    // The APR is the figure a borrower must compare: first and largest on the card.
    h('p', { class: 'apr' }, h('span', { class: 'apr-label' }, tr(lang, 'offer.apr')), h('span', { class: c.apr.includes('–') ? 'apr-value apr-range' : 'apr-value' }, c.apr)),
    // What the APR figure assumes (older cards have no basis).
    c.aprBasis ? h('p', { class: 'apr-basis' }, c.aprBasis) : null,
    h('p', { class: 'limit' }, h('span', { class: 'limit-label' }, tr(lang, 'offer.limit')), h('span', { class: 'limit-value' }, yuan(c.limit))),
    facts(lang, [
      ['offer.aprSimple', c.aprSimple, 'small'],
      ['offer.annualRate', c.annualRate, 'small'],
      ['offer.dailyRate', c.dailyRate, 'small'],
      ['offer.methods', c.methods.join('、')],
      ['offer.terms', c.terms.map((n) => tr(lang, 'term', { n })).join(' / ')],
      ['offer.validUntil', c.validUntil],
    ]),
    h('p', { class: 'deadline' }, tr(lang, 'offer.acceptBy', { date: c.offerExpiresAt })),
  );
}

/** Instalments shown before the rest is opened. */
const PREVIEW_ROWS = 3;

function scheduleCard(lang: Lang, c: ScheduleCard): HTMLElement {
  // Principal and interest share a column, one above the other: six figures a row fit a 375 px phone.
  const split = (principal: string, interest: string) => [
    h('span', { class: 'split-principal' }, h('span', { class: 'sr-only' }, `${tr(lang, 'schedule.rowPrincipal')} `), principal),
    h('span', { class: 'split-interest' }, h('span', { class: 'sr-only' }, `${tr(lang, 'schedule.rowInterest')} `), interest),
  ];
  const head = h(
    'tr',
    {},
    ...(['schedule.period', 'schedule.dueDate', 'schedule.rowTotal'] as const).map((k) => h('th', { scope: 'col' }, tr(lang, k))),
    h('th', { scope: 'col', class: 'split' }, ...split(tr(lang, 'schedule.rowPrincipal'), tr(lang, 'schedule.rowInterest')).map((e) => (e.firstChild?.remove(), e))),
    h('th', { scope: 'col' }, tr(lang, 'schedule.remaining')),
  );
  const bodyId = nextId('schedule-rows');
  const rows = c.rows.map((r, i) =>
    h('tr', { hidden: i >= PREVIEW_ROWS }, h('th', { scope: 'row' }, String(r.period)), h('td', {}, r.dueDate), h('td', { class: 'due' }, r.total), h('td', { class: 'split' }, ...split(r.principal, r.interest)), h('td', {}, r.remaining)),
  );
  const body = h('tbody', { id: bodyId }, ...rows);
  // The whole schedule can be read before confirming: a few rows first, the rest one tap away.
  let toggle: HTMLButtonElement | null = null;
  if (c.rows.length > PREVIEW_ROWS) {
    const button = h('button', { type: 'button', class: 'schedule-toggle', 'aria-expanded': 'false', 'aria-controls': bodyId }, tr(lang, 'schedule.showAll', { n: c.rows.length }));
    button.addEventListener('click', () => {
      const open = button.getAttribute('aria-expanded') !== 'true';
      rows.forEach((row, i) => (row.hidden = !open && i >= PREVIEW_ROWS));
      button.setAttribute('aria-expanded', String(open));
      button.textContent = open ? tr(lang, 'schedule.showFewer') : tr(lang, 'schedule.showAll', { n: c.rows.length });
    });
    toggle = button;
  }
  return article(
    'schedule',
    tr(lang, 'schedule.title'),
    h('p', { class: 'apr apr-inline' }, h('span', { class: 'apr-label' }, tr(lang, 'offer.apr')), h('span', { class: 'apr-value' }, c.apr)),
    facts(lang, [
      ['schedule.principal', yuan(c.principal)],
      ['schedule.term', tr(lang, 'term', { n: c.termMonths })],
      ['schedule.method', c.method],
      ['offer.aprSimple', c.aprSimple, 'small'],
      ['offer.annualRate', c.annualRate, 'small'],
      ['schedule.totalInterest', yuan(c.totalInterest)],
      ['schedule.totalRepayment', yuan(c.totalRepayment)],
    ]),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': tr(lang, 'schedule.title') }, h('table', {}, h('thead', {}, head), body)),
    toggle,
    c.moreRows > 0 && h('p', { class: 'more' }, tr(lang, 'schedule.more', { n: c.moreRows })),
  );
}

function receiptCard(lang: Lang, c: ReceiptCard): HTMLElement {
  return article(
    'receipt',
    tr(lang, c.kind === 'drawdown' ? 'receipt.drawdown' : 'receipt.repayment'),
    h('p', { class: 'amount' }, yuan(c.amount)),
    facts(lang, [
      ['receipt.reference', c.reference],
      ['receipt.at', c.at],
    ]),
    facts(lang, c.lines.map((l) => [l.label, l.value] as const), true),
  );
}

function accountCard(lang: Lang, c: AccountCard): HTMLElement {
  return article(
    'account',
    tr(lang, 'account.title'),
    h('p', { class: 'amount' }, h('span', { class: 'amount-label' }, tr(lang, 'account.available')), ' ', yuan(c.available)),
    facts(lang, [
      ['account.limit', yuan(c.limit)],
      ['account.outstanding', yuan(c.outstanding)],
      ['account.nextDue', c.nextDue ? `${c.nextDue.date} ${yuan(c.nextDue.amount)}` : undefined],
      ['account.overdue', c.overdue ? tr(lang, 'account.overdueDays', { amount: yuan(c.overdue.amount), days: c.overdue.days }) : undefined, 'warning'],
      ['account.validUntil', c.validUntil],
    ]),
  );
}

function consentCard(lang: Lang, c: ConsentCard): HTMLElement {
  const textId = nextId('consent-text');
  return article(
    'consent',
    c.title,
    h('h3', { class: 'sub' }, tr(lang, 'consent.sources')),
    h(
      'ul',
      { class: 'sources' },
      ...c.sources.map((s) =>
        h('li', {}, h('span', { class: 'source-name' }, s.name), ' ', h('span', { class: s.required ? 'tag required' : 'tag' }, tr(lang, s.required ? 'consent.required' : 'consent.optional')), h('span', { class: 'source-purpose' }, s.purpose)),
      ),
    ),
    h('h3', { class: 'sub', id: textId }, tr(lang, 'consent.text')),
    // Scrollable and focusable, so it can be read to the end with the keyboard.
    h('div', { class: 'consent-text', role: 'region', 'aria-labelledby': textId, tabindex: '0' }, c.text),
    h('p', { class: 'version' }, `${tr(lang, 'consent.version')} ${c.textVersion}`),
  );
}

function linkCard(lang: Lang, c: LinkCard): HTMLElement {
  let href: string | undefined;
  try {
    const url = new URL(c.url, window.location.origin);
    if (url.protocol === 'https:' || url.protocol === 'http:') href = url.href;
  } catch {
    href = undefined;
  }
  return article('link', c.title, h('p', {}, c.description), href ? h('a', { href, rel: 'noopener', class: 'link-open' }, tr(lang, 'link.open')) : null);
}

export function renderCard(lang: Lang, card: Card): HTMLElement | null {
  switch (card.type) {
    case 'offer':
      return offerCard(lang, card);
    case 'schedule':
      return scheduleCard(lang, card);
    case 'receipt':
      return receiptCard(lang, card);
    case 'account':
      return accountCard(lang, card);
    case 'consent':
      return consentCard(lang, card);
    case 'link':
      return linkCard(lang, card);
    default:
      return null;
  }
}
