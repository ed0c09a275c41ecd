import { z } from 'zod';
import { h, type Child } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { currentLang } from '../i18n.js';
import { type PageContext, type PageDef, newestOnly } from '../page.js';
import { fenOf, inLang, percent, rateOf, rt, shanghaiTime, yuan, type ReviewTextKey } from './reviewTexts.js';

const pair = z.object({ zh: z.string(), en: z.string() });
const staffRef = z.object({ staffId: z.string(), name: z.string().nullable(), employeeNo: z.string().nullable() });
const detailSchema = z.object({
  application: z.object({
    id: z.string(),
    productName: pair,
    purpose: z.string().nullable(),
    purposeDetail: z.string().nullable(),
    requestedAmountFen: z.number().nullable(),
    termMonths: z.number().nullable(),
    repaymentMethod: z.string().nullable(),
    submittedAt: z.string(),
  }),
  applicant: z.object({ name: z.string().nullable(), idNumber: z.string().nullable(), phone: z.string().nullable(), enterprise: z.object({ name: z.string(), uscc: z.string().nullable() }).nullable() }),
  consents: z.array(z.object({ id: z.string(), source: z.string(), sourceName: pair, textVersion: z.string(), channel: z.string(), grantedAt: z.string(), revokedAt: z.string().nullable() })),
  data: z
    .object({
      pulledAt: z.string(),
      synthetic: z.boolean(),
      sources: z.array(z.object({ source: z.string(), sourceName: pair, consentId: z.string().nullable(), provider: z.string(), values: z.record(z.string(), z.unknown()) })),
      identity: z.object({ verification: z.record(z.string(), z.unknown()).nullable(), watchlist: z.record(z.string(), z.unknown()).nullable() }),
    })
    .nullable(),
  decision: z.object({
    modelVersion: z.string().nullable(),
    score: z.number().nullable(),
    grade: z.string().nullable(),
    pd: z.number().nullable(),
    scoreBreakdown: z.array(z.object({ variable: z.string(), value: z.unknown(), points: z.number() })),
    rules: z.array(z.object({ rule: z.string(), status: z.string(), hit: z.boolean(), code: z.string().nullable(), reason: pair.nullable(), observed: z.string() })),
    incomeBasis: z.string().nullable(),
    dti: z.number().nullable(),
  }),
  provisional: z.object({ limitFen: z.number().nullable(), annualRate: z.number().nullable(), apr: z.object({ simple: z.number(), compound: z.number() }).nullable() }),
  bounds: z.object({ minLimit: z.number(), maxLimit: z.number(), maxLimitBinding: z.string(), rateFloor: z.number(), rateCap: z.number(), fourEyesAbove: z.number() }),
  review: z.object({
    status: z.string().nullable(),
    dueAt: z.string().nullable(),
    overdue: z.boolean(),
    pendingApproval: z.object({ id: z.string(), by: staffRef, limitFen: z.number(), annualRate: z.number(), reason: z.string() }).nullable(),
    outcome: z.object({ outcome: z.string(), at: z.string() }).nullable(),
    acts: z.array(z.object({ id: z.string(), kind: z.string(), status: z.string(), by: staffRef, limitFen: z.number().nullable(), annualRate: z.number().nullable(), reasonCode: z.string().nullable(), text: z.string(), at: z.string() })),
  }),
  conversation: z.object({ id: z.string(), recentMessages: z.array(z.object({ direction: z.string(), author: z.string(), text: z.string(), at: z.string() })) }).nullable(),
  declineReasons: z.array(z.object({ code: z.string(), zh: z.string(), en: z.string() })),
});
type Detail = z.infer<typeof detailSchema>;
const actAnswer = z.object({ status: z.string(), borrowerNotified: z.boolean().optional() });

/** A card: an article with a heading, so screen readers and role-based tests find it by name. */
const card = (title: string, ...children: Child[]) => h('article', { class: 'card review-card', 'aria-label': title }, h('h3', {}, title), ...children);
/** Label/value rows. */
const facts = (rows: readonly (readonly [string, Child])[]) => h('dl', { class: 'facts' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
const text = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'boolean' ? rt(v ? 'yes' : 'no') : typeof v === 'object' ? JSON.stringify(v) : String(v));
const table = (label: string, head: readonly string[], rows: readonly (readonly Child[])[]) =>
  h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'aria-label': label }, h('thead', {}, h('tr', {}, ...head.map((x) => h('th', {}, x)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c)))))));

/**
 * One application in manual review (GET /api/v1/staff/reviews/:id; opening it is audited): the
 * applicant masked, the application, score and every rule hit in words, consents and data with their
 * sources, the suggestion and the product's bounds, and — for reviewers — approve (limit and rate
 * within the bounds shown, a reason), decline (a reason code and the borrower's explanation), ask
 * for information, and the four-eyes confirmation of another reviewer's approval.
 */
/** A purpose code as words (an unknown one as it is). */
const purposeWords = (code: string | null): string | null => {
  if (!code) return null;
  const words = rt(`purpose.${code}` as ReviewTextKey);
  return words.startsWith('purpose.') ? code : words;
};

export const reviewPage: PageDef = {
  path: '/reviews/:applicationId',
  title: () => rt('pageTitle'),
  roles: ['reviewer', 'supervisor'],
  nav: false,
  render(ctx) {
    const id = ctx.params.applicationId ?? '';
    let stale = false;
    let conversationId: string | undefined;
    let told = false;
    const load = newestOnly(async (current) => {
      try {
        const detail = await api('GET', `/api/v1/staff/reviews/${encodeURIComponent(id)}`, { schema: detailSchema });
        if (stale || !current()) return;
        conversationId = detail.conversation?.id;
        told = false;
        ctx.root.replaceChildren(...view(ctx, detail, load));
      } catch (e) {
        ctx.say(errorWords(e));
      }
    });
    ctx.root.append(h('p', { class: 'loading' }, '…'));
    void load();
    // Another reviewer's act on this application (a confirmation, a decline): show it.
    const off = ctx.feed.subscribe('review', (e) => {
      if (e.id === id) void load();
    });
    // The applicant wrote (an answer to a question): offered, not forced, so a half-typed decision is kept.
    const offConversation = ctx.feed.subscribe('conversation', (e) => {
      if (told || !conversationId || e.id !== conversationId) return;
      told = true;
      const refresh = h('button', { class: 'secondary', type: 'button' }, rt('refresh'));
      refresh.addEventListener('click', () => void load());
      ctx.root.prepend(h('p', { class: 'notice', role: 'status' }, rt('newMessages'), ' ', refresh));
    });
    return () => {
      stale = true;
      off();
      offConversation();
    };
  },
};

function view(ctx: PageContext, d: Detail, reload: () => Promise<void>): Node[] {
  const lang = currentLang();
  const decided = d.review.outcome;
  const binding = d.bounds.maxLimitBinding === 'decision' ? rt('bindingDecision') : d.bounds.maxLimitBinding === 'consumer_cap' ? rt('bindingConsumer') : rt('bindingProduct');
  const hits = d.decision.rules.filter((r) => r.hit);
  const nodes: Node[] = [
    h('p', {}, h('a', { href: '#/reviews' }, `← ${rt('back')}`)),
    h('h2', {}, `${rt('pageTitle')} · ${d.applicant.name ?? ''}`),
  ];
  if (decided) nodes.push(h('p', { class: 'notice', role: 'status' }, `${rt('outcome')}：${rt(`outcome.${decided.outcome}` as ReviewTextKey)}（${shanghaiTime(decided.at)}）`));
  else if (d.review.overdue) nodes.push(h('p', { class: 'tag warn' }, rt('overdue')));

  nodes.push(
    h(
      'div',
      { class: 'review-grid' },
      card(
        rt('applicantCard'),
        facts([
          [rt('name'), d.applicant.name],
          [rt('idNumber'), d.applicant.idNumber],
          [rt('phone'), d.applicant.phone],
          ...(d.applicant.enterprise ? [[rt('enterprise'), `${d.applicant.enterprise.name} ${d.applicant.enterprise.uscc ?? ''}`] as const] : []),
        ]),
      ),
      card(
        rt('applicationCard'),
        facts([
          [rt('product'), inLang(d.application.productName)],
          [rt('requested'), d.application.requestedAmountFen === null ? null : `¥${yuan(d.application.requestedAmountFen)}`],
          [rt('purpose'), [d.application.purpose === 'consumer' ? rt('consumer') : d.application.purpose === 'business' ? rt('business') : d.application.purpose, purposeWords(d.application.purposeDetail)].filter(Boolean).join(' · ')],
          [rt('term'), `${d.application.termMonths ? rt('months', { n: d.application.termMonths }) : '—'} / ${d.application.repaymentMethod ? rt(`method.${d.application.repaymentMethod}` as ReviewTextKey) : '—'}`],
          [rt('submittedAt'), shanghaiTime(d.application.submittedAt)],
          [rt('due'), d.review.dueAt ? shanghaiTime(d.review.dueAt) : null],
        ]),
      ),
      card(
        rt('offerCard'),
        facts([
          [rt('provisionalLimit'), d.provisional.limitFen === null ? null : `¥${yuan(d.provisional.limitFen)}`],
          [rt('provisionalRate'), d.provisional.annualRate === null ? null : percent(d.provisional.annualRate)],
          [rt('apr'), d.provisional.apr ? `${percent(d.provisional.apr.compound)}（${percent(d.provisional.apr.simple)}）` : null],
          [rt('limitRange'), `¥${yuan(d.bounds.minLimit)} – ¥${yuan(d.bounds.maxLimit)} ${binding}`],
          [rt('rateRange'), `${percent(d.bounds.rateFloor)} – ${percent(d.bounds.rateCap)}`],
          [rt('fourEyes'), rt('fourEyesHint', { limit: yuan(d.bounds.fourEyesAbove) })],
        ]),
      ),
    ),
    card(
      rt('decisionCard'),
      facts([
        [rt('score'), `${d.decision.score ?? '—'} / ${d.decision.grade ?? '—'}`],
        [rt('pd'), d.decision.pd === null ? null : percent(d.decision.pd)],
        [rt('incomeBasis'), d.decision.incomeBasis ? rt(`income.${d.decision.incomeBasis}` as ReviewTextKey) : null],
        [rt('dti'), d.decision.dti === null ? null : percent(d.decision.dti)],
        [rt('model'), d.decision.modelVersion],
      ]),
      h('h4', {}, rt('hits')),
      hits.length
        ? h('ul', { class: 'hits' }, ...hits.map((r) => h('li', {}, h('code', { class: 'code-chip' }, r.code ?? r.rule), ' ', r.reason ? r.reason[lang] : '', h('span', { class: 'muted' }, ` — ${r.observed}`))))
        : h('p', { class: 'muted' }, rt('noHits')),
      h(
        'details',
        {},
        h('summary', {}, rt('allRules')),
        table(rt('allRules'), [rt('rule'), rt('result'), rt('observed')], d.decision.rules.map((r) => [r.rule, rt(`rule.${r.status}` as ReviewTextKey), r.observed])),
        table(rt('breakdown'), [rt('variable'), rt('value'), rt('points')], d.decision.scoreBreakdown.map((v) => [v.variable, text(v.value), String(v.points)])),
      ),
    ),
    card(
      rt('dataCard'),
      table(
        rt('consent'),
        [rt('source'), rt('textVersion'), rt('grantedAt'), rt('revokedAt')],
        d.consents.map((c) => [inLang(c.sourceName), c.textVersion, shanghaiTime(c.grantedAt), c.revokedAt ? shanghaiTime(c.revokedAt) : '—']),
      ),
      ...(d.data
        ? [
            ...d.data.sources.map((s) =>
              h(
                'section',
                { 'aria-label': inLang(s.sourceName) },
                h('h4', {}, `${inLang(s.sourceName)} · ${rt('source')}：${s.provider === 'sandbox' ? rt('sandbox') : rt('bankData')}${d.data!.synthetic ? rt('synthetic') : ''}${s.consentId ? ` · ${rt('consent')} ${s.consentId.slice(0, 8)}` : ''}`),
                facts(Object.entries(s.values).map(([k, v]) => [k, text(v)] as const)),
              ),
            ),
            h(
              'section',
              { 'aria-label': rt('identityCheck') },
              h('h4', {}, rt('identityCheck')),
              facts([
                [rt('verification'), text(d.data.identity.verification)],
                [rt('watchlist'), text(d.data.identity.watchlist)],
              ]),
            ),
          ]
        : [h('p', { class: 'muted' }, rt('noData'))]),
    ),
  );
  if (!decided) nodes.push(actions(ctx, d, reload));
  if (d.review.acts.length)
    nodes.push(
      card(
        rt('historyCard'),
        h(
          'ul',
          {},
          ...d.review.acts.map((a) =>
            h(
              'li',
              {},
              `${shanghaiTime(a.at)} ${a.by.name ?? ''}${a.by.employeeNo ? `（${a.by.employeeNo}）` : ''} ${rt(`act.${a.kind}` as ReviewTextKey)}`,
              a.limitFen !== null ? ` ¥${yuan(a.limitFen)} ${a.annualRate === null ? '' : percent(a.annualRate)}` : '',
              a.reasonCode ? ` [${a.reasonCode}]` : '',
              a.text ? `：${a.text}` : '',
              a.kind === 'approve' ? h('span', { class: 'tag' }, rt(`actStatus.${a.status}` as ReviewTextKey)) : null,
            ),
          ),
        ),
      ),
    );
  if (d.conversation?.recentMessages.length)
    nodes.push(
      card(
        rt('chatCard'),
        h(
          'ul',
          { class: 'chat-lines' },
          ...d.conversation.recentMessages.map((m) =>
            // As stored (ID and phone numbers masked), set as text: what a borrower typed stays inert.
            h('li', {}, h('span', { class: 'muted' }, `${shanghaiTime(m.at)} ${m.direction === 'inbound' ? rt('borrowerSays') : m.author.startsWith('staff:') ? rt('staffSays') : rt('botSays')}：`), m.text),
          ),
        ),
      ),
    );
  return nodes;
}

/** The reviewer's forms; a supervisor reads only. */
function actions(ctx: PageContext, d: Detail, reload: () => Promise<void>): Node {
  if (!ctx.staff.roles.includes('reviewer')) return card(rt('actCard'), h('p', { class: 'muted' }, rt('readOnly')));
  const base = `/api/v1/staff/reviews/${encodeURIComponent(d.application.id)}`;
  const run = async (button: HTMLButtonElement, path: string, body: object, done: (a: z.infer<typeof actAnswer>) => string) => {
    button.disabled = true;
    try {
      const answer = await api('POST', `${base}/${path}`, { body, schema: actAnswer });
      ctx.say(answer.borrowerNotified === false ? rt('notTold') : done(answer));
      await reload();
    } catch (e) {
      ctx.say(errorWords(e));
    } finally {
      button.disabled = false;
    }
  };
  const field = (id: string, label: string, input: HTMLElement, hint?: string) =>
    h('label', { class: 'filter', for: id }, h('span', {}, label), input, hint ? h('small', { class: 'muted', id: `${id}-hint` }, hint) : null);
  const parts: Node[] = [];
  const pending = d.review.pendingApproval;
  if (pending) {
    const by = `${pending.by.name ?? ''}${pending.by.employeeNo ? `（${pending.by.employeeNo}）` : ''}`;
    const own = pending.by.staffId === ctx.staff.id;
    const note = h('input', { id: 'confirm-reason', maxlength: '500' });
    const confirm = h('button', { class: 'primary', type: 'submit' }, rt('confirmButton'));
    const form = h('form', { class: 'review-form', 'aria-label': rt('pendingCard') }, h('p', {}, rt('pendingText', { name: by, limit: yuan(pending.limitFen), rate: percent(pending.annualRate), reason: pending.reason })));
    if (own) form.append(h('p', { class: 'notice' }, rt('ownPending')));
    else form.append(field('confirm-reason', rt('confirmReason'), note), confirm);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void run(confirm, 'confirm', note.value.trim() ? { reason: note.value.trim() } : {}, () => rt('approved'));
    });
    parts.push(h('section', { 'aria-label': rt('pendingCard') }, h('h4', {}, rt('pendingCard')), form));
  } else {
    const limit = h('input', { id: 'approve-limit', inputmode: 'decimal', required: true, 'aria-describedby': 'approve-limit-hint', value: d.provisional.limitFen === null ? '' : String(Math.min(d.provisional.limitFen, d.bounds.maxLimit) / 100) });
    const rate = h('input', { id: 'approve-rate', inputmode: 'decimal', required: true, 'aria-describedby': 'approve-rate-hint', value: d.provisional.annualRate === null ? '' : String(Math.round(d.provisional.annualRate * 1_000_000) / 10_000) });
    const reason = h('textarea', { id: 'approve-reason', required: true, maxlength: '500', rows: '2' });
    const approve = h('button', { class: 'primary', type: 'submit' }, rt('approveButton'));
    const form = h(
      'form',
      { class: 'review-form', 'aria-label': rt('approve') },
      field('approve-limit', rt('limitYuan'), limit, `¥${yuan(d.bounds.minLimit)} – ¥${yuan(d.bounds.maxLimit)} · ${rt('fourEyesHint', { limit: yuan(d.bounds.fourEyesAbove) })}`),
      field('approve-rate', rt('ratePercent'), rate, `${percent(d.bounds.rateFloor)} – ${percent(d.bounds.rateCap)}`),
      field('approve-reason', rt('reason'), reason),
      approve,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const limitFen = fenOf(limit.value);
      const annualRate = rateOf(rate.value);
      if (limitFen === undefined) return ctx.say(rt('badAmount'));
      if (annualRate === undefined) return ctx.say(rt('badRate'));
      void run(approve, 'approve', { limitFen, annualRate, reason: reason.value }, (a) => (a.status === 'pending_confirmation' ? rt('approvedPending') : rt('approved')));
    });
    parts.push(h('section', { 'aria-label': rt('approve') }, h('h4', {}, rt('approve')), form));
  }

  const code = h('select', { id: 'decline-code', required: true }, ...d.declineReasons.map((r) => h('option', { value: r.code }, `${inLang(r)} (${r.code})`)));
  const explanation = h('textarea', { id: 'decline-explanation', required: true, maxlength: '500', rows: '3' });
  const decline = h('button', { class: 'secondary', type: 'submit' }, rt('declineButton'));
  const declineForm = h('form', { class: 'review-form', 'aria-label': rt('decline') }, field('decline-code', rt('reasonCode'), code), field('decline-explanation', rt('explanation'), explanation), decline);
  declineForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void run(decline, 'decline', { reasonCode: code.value, explanation: explanation.value }, () => rt('declined'));
  });
  parts.push(h('section', { 'aria-label': rt('decline') }, h('h4', {}, rt('decline')), declineForm));

  const question = h('textarea', { id: 'ask-question', required: true, maxlength: '500', rows: '2' });
  const ask = h('button', { class: 'secondary', type: 'submit' }, rt('askButton'));
  const askForm = h('form', { class: 'review-form', 'aria-label': rt('ask') }, field('ask-question', rt('question'), question), ask);
  askForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void run(ask, 'ask-info', { question: question.value }, () => rt('asked'));
  });
  parts.push(h('section', { 'aria-label': rt('ask') }, h('h4', {}, rt('ask')), askForm));
  return card(rt('actCard'), ...parts);
}
