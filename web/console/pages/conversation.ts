import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api, ApiError, errorWords } from '../api.js';
import type { FeedEvent } from '../feed.js';
import { defineTexts, tr } from '../i18n.js';
import { fillVariables, staffLabel, stepWords, when, words } from '../format.js';
import type { PageContext, PageDef } from '../page.js';
import { EXPORT_ROLES, exportTexts } from './borrowerExportPage.js';
import { conversationEventSchema, presenceEventSchema, transcriptSchema, viewerSchema, type Line, type QueueRow, type Viewer } from './conversationSchemas.js';

interface Note {
  id: string;
  text: string;
  createdAt: string;
  author: { displayName: string; employeeNo: string | null } | null;
}
interface Canned {
  id: string;
  shortcut: string;
  locale: string;
  title: string;
  text: string;
}
interface Context {
  borrower: { id: string; name: string | null; kind: string; idNumber: string | null; phone: string | null; enterpriseName: string | null } | null;
  application: { productId: string; status: string; requestedAmount: string | null; requestedTerm: number | null; purpose: string | null; createdAt: string } | null;
  decision: { outcome: string; score: number | null; grade: string | null; reasons: { code: string; zh: string; en: string }[]; limit: string | null; annualRate: string | null; apr: string | null; decidedAt: string } | null;
  consents: { source: string; textVersion: string; grantedAt: string; revokedAt: string | null }[];
  creditLine: { status: string; limit: string; available: string; annualRate: string | null; validUntil: string | null } | null;
  drawdowns: { amount: string; termMonths: number; method: string; status: string; startDate: string | null }[];
  nextInstalment: { dueDate: string; period: number; amountDue: string } | null;
  overdue: { instalments: number; amount: string; days: number } | null;
  variables: Record<'name' | 'nextDueDate' | 'amountDue', string>;
}

const PRESENCE_RENEW_MS = 20_000;

const t = defineTexts({
  zh: {
    title: '会话详情',
    back: '← 返回队列',
    transcript: '对话记录',
    takeover: '接管对话',
    handback: '交还机器人',
    handbackDone: '已交还，快贷助手将从客户中断处继续。',
    takenOver: '您已接管此对话，客户会看到您的姓名和工号。',
    heldByYou: '您正在接待',
    heldBy: '{name} 正在接待',
    viewing: '{names} 也在查看此对话',
    reply: '回复客户',
    replyPlaceholder: '输入回复，输入 / 使用快捷回复',
    send: '发送',
    sent: '已发送',
    cannedLabel: '快捷回复',
    cannedNone: '没有匹配的快捷回复',
    tapped: '点选',
    optionsShown: '选项：{options}',
    card: '[卡片：{card}]',
    notes: '内部备注',
    notesHint: '仅同事可见，不会发送给客户。',
    notePlaceholder: '写一条内部备注',
    addNote: '添加备注',
    noNotes: '暂无备注。',
    context: '客户详情',
    openContext: '查看客户详情',
    contextHint: '打开客户详情会记录在审计日志中。',
    noBorrower: '客户尚未实名，暂无借款信息。',
    'ctx.name': '姓名',
    'ctx.idNumber': '身份证号',
    'ctx.phone': '手机号',
    'ctx.enterprise': '企业',
    'ctx.application': '申请',
    'ctx.requested': '申请金额',
    'ctx.term': '期限',
    'ctx.purpose': '用途',
    'ctx.status': '状态',
    'ctx.decision': '审批结果',
    'ctx.score': '评分',
    'ctx.grade': '等级',
    'ctx.reasons': '原因',
    'ctx.limit': '额度',
    'ctx.rate': '年利率',
    'ctx.apr': '年化利率（APR）',
    'ctx.consents': '数据授权',
    'ctx.revoked': '已撤回',
    'ctx.creditLine': '授信额度',
    'ctx.available': '可用额度',
    'ctx.validUntil': '有效期至',
    'ctx.drawdowns': '借款记录',
    'ctx.next': '下期还款',
    'ctx.overdue': '逾期',
    'ctx.overdueText': '{n} 期，¥{amount}，已逾期 {days} 天',
    'ctx.months': '{n} 期',
    'outcome.approved': '通过',
    'outcome.declined': '拒绝',
    'outcome.manual_review': '人工审批',
    none: '无',
  },
  en: {
    title: 'Conversation',
    back: '← Back to the queue',
    transcript: 'Transcript',
    takeover: 'Take over',
    handback: 'Hand back to the assistant',
    handbackDone: 'Handed back: the assistant continues where the borrower was.',
    takenOver: 'You have taken over; the borrower sees your name and staff number.',
    heldByYou: 'You are serving',
    heldBy: '{name} is serving',
    viewing: '{names} also viewing',
    reply: 'Reply to the borrower',
    replyPlaceholder: 'Type a reply; / for canned replies',
    send: 'Send',
    sent: 'Sent',
    cannedLabel: 'Canned replies',
    cannedNone: 'No matching canned reply',
    tapped: 'tapped',
    optionsShown: 'Options: {options}',
    card: '[card: {card}]',
    notes: 'Private notes',
    notesHint: 'Seen by staff only; never sent to the borrower.',
    notePlaceholder: 'Write a private note',
    addNote: 'Add note',
    noNotes: 'No notes yet.',
    context: 'Borrower details',
    openContext: 'Open borrower details',
    contextHint: 'Opening the borrower’s details is recorded in the audit log.',
    noBorrower: 'The borrower has not identified themselves yet: no lending records.',
    'ctx.name': 'Name',
    'ctx.idNumber': 'ID number',
    'ctx.phone': 'Mobile',
    'ctx.enterprise': 'Enterprise',
    'ctx.application': 'Application',
    'ctx.requested': 'Amount asked',
    'ctx.term': 'Term',
    'ctx.purpose': 'Purpose',
    'ctx.status': 'Status',
    'ctx.decision': 'Decision',
    'ctx.score': 'Score',
    'ctx.grade': 'Grade',
    'ctx.reasons': 'Reasons',
    'ctx.limit': 'Limit',
    'ctx.rate': 'Annual rate',
    'ctx.apr': 'APR',
    'ctx.consents': 'Consents',
    'ctx.revoked': 'revoked',
    'ctx.creditLine': 'Credit line',
    'ctx.available': 'Available',
    'ctx.validUntil': 'Valid until',
    'ctx.drawdowns': 'Drawdowns',
    'ctx.next': 'Next instalment',
    'ctx.overdue': 'Overdue',
    'ctx.overdueText': '{n} instalments, ¥{amount}, {days} days overdue',
    'ctx.months': '{n} months',
    'outcome.approved': 'Approved',
    'outcome.declined': 'Declined',
    'outcome.manual_review': 'Manual review',
    none: 'None',
  },
});


function facts(rows: readonly (readonly [string, string | number | null | undefined])[]): HTMLElement {
  const dl = h('dl', { class: 'kv' });
  for (const [label, value] of rows) if (value !== null && value !== undefined && value !== '') dl.append(h('div', { class: 'kv-row' }, h('dt', {}, label), h('dd', {}, String(value))));
  return dl;
}

function render(ctx: PageContext): () => void {
  const id = ctx.params.id!;
  let row: QueueRow | undefined;
  let lastSeq = 0;
  let viewers: Viewer[] = [];
  let canned: Canned[] = [];
  let context: Context | undefined;
  let loadingTranscript: Promise<void> | undefined;
  let again = false;

  const header = h('div', { class: 'conv-header card' });
  const log = h('div', { class: 'transcript', role: 'log', 'aria-live': 'polite', 'aria-label': t('transcript'), tabindex: '0' });
  const input = h('textarea', { id: 'reply-input', rows: '3', maxlength: '2000', placeholder: t('replyPlaceholder'), role: 'combobox', 'aria-autocomplete': 'list', 'aria-controls': 'canned-list', 'aria-expanded': 'false' });
  const cannedList = h('ul', { id: 'canned-list', class: 'canned', role: 'listbox', 'aria-label': t('cannedLabel'), hidden: true });
  const sendButton = h('button', { class: 'primary', type: 'submit' }, t('send'));
  const composer = h('form', { class: 'composer-form', 'aria-label': t('reply') }, h('label', { for: 'reply-input', class: 'sr-only' }, t('reply')), input, cannedList, h('div', { class: 'composer-actions' }, sendButton));
  const notesList = h('ul', { class: 'notes' });
  const noteInput = h('textarea', { id: 'note-input', rows: '2', maxlength: '2000', placeholder: t('notePlaceholder') });
  const noteForm = h('form', { class: 'note-form', 'aria-label': t('notes') }, h('label', { for: 'note-input', class: 'sr-only' }, t('notePlaceholder')), noteInput, h('button', { class: 'secondary', type: 'submit' }, t('addNote')));
  const contextBody = h('div', { class: 'context-body' });
  const openContext = h('button', { class: 'secondary', type: 'button' }, t('openContext'));
  contextBody.append(h('p', { class: 'hint' }, t('contextHint')), openContext);

  ctx.root.append(
    h('p', { class: 'back' }, h('a', { href: '#/queue' }, t('back'))),
    header,
    h(
      'div',
      { class: 'conv-layout' },
      h('section', { class: 'conv-main card', 'aria-labelledby': 'transcript-title' }, h('h2', { id: 'transcript-title', class: 'section-title' }, t('transcript')), log, composer),
      h(
        'aside',
        { class: 'conv-side' },
        h('section', { class: 'card', 'aria-labelledby': 'context-title' }, h('h2', { id: 'context-title', class: 'section-title' }, t('context')), contextBody),
        h('section', { class: 'card', 'aria-labelledby': 'notes-title' }, h('h2', { id: 'notes-title', class: 'section-title' }, t('notes')), h('p', { class: 'hint' }, t('notesHint')), notesList, noteForm),
      ),
    ),
  );

  // ---- header: who the borrower is, where they are, who serves them, who else is looking ----
  function renderHeader(): void {
    if (!row) return;
    const name = row.borrower ? (row.borrower.name ?? words('unnamed')) : words('visitor');
    const step = stepWords(row.step);
    const mine = row.handoff === 'staff' && row.assignee?.id === ctx.staff.id;
    const other = row.handoff === 'staff' && row.assignee && !mine ? row.assignee : undefined;
    const takeover = h('button', { class: 'primary', type: 'button', disabled: mine || !!other }, t('takeover'));
    const handback = h('button', { class: 'secondary', type: 'button', disabled: !mine }, t('handback'));
    takeover.addEventListener('click', () => void act('takeover'));
    handback.addEventListener('click', () => void act('handback'));
    const others = viewers.filter((v) => v.staffId !== ctx.staff.id && Date.parse(v.until) > Date.now());
    header.replaceChildren(
      h('div', { class: 'conv-who' }, h('h2', { class: 'page-title' }, name), row.borrower?.phone ? h('span', { class: 'muted' }, row.borrower.phone) : null, h('span', { class: 'tag' }, tr(`channel.${row.channel}` as 'channel.web')), h('span', { class: 'tag' }, step.label)),
      h(
        'div',
        { class: 'conv-state' },
        h('span', { class: mine ? 'tag ok' : row.handoff === 'requested' ? 'tag warn' : 'tag', 'data-holder': row.assignee?.id ?? '' }, mine ? t('heldByYou') : other ? t('heldBy', { name: staffLabel(other) }) : words(`handoff.${row.handoff}`)),
        others.length ? h('span', { class: 'tag viewing', role: 'status' }, t('viewing', { names: others.map(staffLabel).join('、') })) : null,
        takeover,
        handback,
      ),
    );
    const canSend = !other;
    input.disabled = !canSend;
    sendButton.disabled = !canSend;
  }

  // ---- transcript ----
  function lineEl(m: Line): HTMLElement {
    const who = m.author === 'staff' && m.staff ? `${words('author.staff')} ${staffLabel(m.staff)}` : words(`author.${m.author}`);
    return h(
      'div',
      { class: `msg msg-${m.author}`, 'data-seq': String(m.seq) },
      h('p', { class: 'sender' }, who, h('span', { class: 'time' }, when(m.createdAt)), m.tapped ? h('span', { class: 'tag' }, t('tapped')) : null),
      h('p', { class: 'text' }, m.text),
      m.card ? h('p', { class: 'muted small' }, t('card', { card: m.card })) : null,
      m.options?.length ? h('p', { class: 'muted small' }, t('optionsShown', { options: m.options.join(' / ') })) : null,
    );
  }
  async function loadTranscript(): Promise<void> {
    if (loadingTranscript) {
      again = true;
      return loadingTranscript;
    }
    loadingTranscript = (async () => {
      do {
        again = false;
        const answer = await api('GET', `/api/v1/staff/conversations/${id}/transcript?afterSeq=${lastSeq}`, { schema: transcriptSchema });
        row = answer.conversation;
        const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
        for (const m of answer.messages) {
          if (m.seq <= lastSeq) continue;
          log.append(lineEl(m));
          lastSeq = m.seq;
        }
        if (atBottom || answer.messages.length) log.scrollTop = log.scrollHeight;
        renderHeader();
      } while (again);
    })().finally(() => (loadingTranscript = undefined));
    return loadingTranscript;
  }

  // ---- acts: take over, reply, hand back ----
  async function act(what: 'takeover' | 'handback'): Promise<void> {
    try {
      await api('POST', `/api/v1/staff/conversations/${id}/${what}`, { body: {} });
      ctx.say(what === 'takeover' ? t('takenOver') : t('handbackDone'));
    } catch (e) {
      ctx.say(errorWords(e));
    }
    await loadTranscript().catch(() => undefined);
  }
  composer.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    sendButton.disabled = true;
    api('POST', `/api/v1/staff/conversations/${id}/messages`, { body: { text } })
      .then(() => {
        input.value = '';
        closeCanned();
        ctx.say(t('sent'));
        return loadTranscript();
      })
      .catch((err: unknown) => ctx.say(errorWords(err)))
      .finally(() => renderHeader());
  });
  input.addEventListener('keydown', (e) => {
    const options = cannedList.hidden ? [] : Array.from(cannedList.querySelectorAll<HTMLElement>('[role="option"]'));
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && options.length) {
      e.preventDefault();
      const at = options.findIndex((o) => o.getAttribute('aria-selected') === 'true');
      select(options, (at + (e.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length);
    } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      const chosen = options.find((o) => o.getAttribute('aria-selected') === 'true');
      if (chosen) chosen.click();
      else composer.requestSubmit();
    } else if (e.key === 'Escape') closeCanned();
  });
  /** Marks one canned reply as the one Enter inserts (announced through aria-activedescendant). */
  function select(options: HTMLElement[], index: number): void {
    options.forEach((o, i) => o.setAttribute('aria-selected', String(i === index)));
    const chosen = options[index];
    if (chosen) input.setAttribute('aria-activedescendant', chosen.id);
    else input.removeAttribute('aria-activedescendant');
  }

  // ---- canned replies: "/" then the shortcut ----
  function closeCanned(): void {
    cannedList.hidden = true;
    cannedList.replaceChildren();
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }
  async function insertCanned(c: Canned): Promise<void> {
    let vars = context?.variables;
    // Variables come from the borrower's details: filling them opens (and audits) the details.
    if (!vars && /\{(name|nextDueDate|amountDue)\}/.test(c.text)) vars = (await loadContext())?.variables;
    input.value = fillVariables(c.text, vars ?? {});
    closeCanned();
    input.focus();
  }
  input.addEventListener('input', () => {
    const m = /^\/(\S*)$/.exec(input.value);
    if (!m) return closeCanned();
    const locale = row?.locale === 'en' ? 'en' : 'zh';
    const found = canned.filter((c) => c.locale === locale && c.shortcut.startsWith(m[1]!.toLowerCase()));
    cannedList.replaceChildren(
      ...(found.length
        ? found.map((c) => {
            const li = h('li', { id: `canned-${c.id}`, role: 'option', 'aria-selected': 'false', 'data-shortcut': c.shortcut }, h('strong', {}, `/${c.shortcut}`), ' ', c.title, h('span', { class: 'muted small canned-text' }, c.text));
            li.addEventListener('mousedown', (ev) => ev.preventDefault());
            li.addEventListener('click', () => void insertCanned(c));
            return li;
          })
        : [h('li', { class: 'muted' }, t('cannedNone'))]),
    );
    cannedList.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    select(Array.from(cannedList.querySelectorAll<HTMLElement>('[role="option"]')), 0);
  });

  // ---- context panel (audited when opened) ----
  async function loadContext(): Promise<Context | undefined> {
    try {
      context = await api<Context>('GET', `/api/v1/staff/conversations/${id}/context`);
      renderContext(context);
      return context;
    } catch (e) {
      ctx.say(errorWords(e));
      return undefined;
    }
  }
  function renderContext(c: Context): void {
    if (!c.borrower) return void contextBody.replaceChildren(h('p', { class: 'muted' }, t('noBorrower')));
    const sections: HTMLElement[] = [
      facts([
        [t('ctx.name'), c.borrower.name],
        [t('ctx.idNumber'), c.borrower.idNumber],
        [t('ctx.phone'), c.borrower.phone],
        [t('ctx.enterprise'), c.borrower.enterpriseName],
      ]),
    ];
    if (c.application)
      sections.push(
        h('h3', { class: 'sub' }, t('ctx.application')),
        facts([
          [t('ctx.requested'), c.application.requestedAmount ? `¥${c.application.requestedAmount}` : null],
          [t('ctx.term'), c.application.requestedTerm ? t('ctx.months', { n: c.application.requestedTerm }) : null],
          [t('ctx.purpose'), c.application.purpose],
          [t('ctx.status'), c.application.status],
        ]),
      );
    if (c.decision) {
      const lang = document.documentElement.lang.startsWith('zh') ? 'zh' : 'en';
      sections.push(
        h('h3', { class: 'sub' }, t('ctx.decision')),
        facts([
          [t('ctx.status'), t(`outcome.${c.decision.outcome}` as 'outcome.approved')],
          [t('ctx.score'), c.decision.score],
          [t('ctx.grade'), c.decision.grade],
          [t('ctx.limit'), c.decision.limit ? `¥${c.decision.limit}` : null],
          [t('ctx.apr'), c.decision.apr],
        ]),
      );
      if (c.decision.reasons.length) sections.push(h('ul', { class: 'reasons', 'aria-label': t('ctx.reasons') }, ...c.decision.reasons.map((r) => h('li', {}, lang === 'zh' ? r.zh : r.en, ' ', h('code', {}, r.code)))));
    }
    sections.push(h('h3', { class: 'sub' }, t('ctx.consents')), c.consents.length ? h('ul', { class: 'plain' }, ...c.consents.map((s) => h('li', {}, `${s.source} · ${when(s.grantedAt)}`, s.revokedAt ? h('span', { class: 'tag warn' }, t('ctx.revoked')) : null))) : h('p', { class: 'muted' }, t('none')));
    if (c.creditLine)
      sections.push(
        h('h3', { class: 'sub' }, t('ctx.creditLine')),
        facts([
          [t('ctx.limit'), `¥${c.creditLine.limit}`],
          [t('ctx.available'), `¥${c.creditLine.available}`],
          [t('ctx.rate'), c.creditLine.annualRate],
          [t('ctx.validUntil'), c.creditLine.validUntil],
        ]),
      );
    if (c.drawdowns.length) sections.push(h('h3', { class: 'sub' }, t('ctx.drawdowns')), h('ul', { class: 'plain' }, ...c.drawdowns.map((d) => h('li', {}, `¥${d.amount} · ${t('ctx.months', { n: d.termMonths })} · ${d.status}`))));
    sections.push(
      facts([
        [t('ctx.next'), c.nextInstalment ? `${c.nextInstalment.dueDate} · ¥${c.nextInstalment.amountDue}` : t('none')],
        [t('ctx.overdue'), c.overdue ? t('ctx.overdueText', { n: c.overdue.instalments, amount: c.overdue.amount, days: c.overdue.days }) : t('none')],
      ]),
    );
    // A supervisor can hand the borrower their data on request (PIPL art. 45); the server checks the role again.
    if (EXPORT_ROLES.some((r) => ctx.staff.roles.includes(r))) sections.push(h('p', {}, h('a', { href: `#/borrowers/${encodeURIComponent(c.borrower.id)}/export` }, exportTexts('link'))));
    contextBody.replaceChildren(...sections);
  }
  openContext.addEventListener('click', () => void loadContext());

  // ---- notes ----
  function renderNotes(notes: Note[]): void {
    notesList.replaceChildren(...(notes.length ? notes.map(noteEl) : [h('li', { class: 'muted' }, t('noNotes'))]));
  }
  const noteEl = (n: Note) => h('li', {}, h('p', { class: 'note-meta muted small' }, n.author ? staffLabel(n.author) : '—', ' · ', when(n.createdAt)), h('p', { class: 'text' }, n.text));
  // One note at a time (a second click while the first is sent would store it twice); the box
  // empties once the note is stored, and only if it still holds what was sent.
  let sendingNote = false;
  noteForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const typed = noteInput.value;
    const text = typed.trim();
    if (!text || sendingNote) return;
    sendingNote = true;
    api<{ note: Note }>('POST', `/api/v1/staff/conversations/${id}/notes`, { body: { text } })
      .then(({ note }) => {
        if (noteInput.value === typed) noteInput.value = '';
        if (notesList.querySelector('.muted:only-child')) notesList.replaceChildren();
        notesList.append(noteEl(note));
      })
      .catch((err: unknown) => ctx.say(errorWords(err)))
      .finally(() => (sendingNote = false));
  });

  // ---- presence ----
  const present = (viewing: boolean) =>
    api('POST', `/api/v1/staff/conversations/${id}/presence`, { body: { viewing }, keepalive: !viewing, schema: z.object({ viewers: z.array(viewerSchema) }) }).then(
      (a) => {
        viewers = a.viewers;
        renderHeader();
      },
      () => undefined,
    );

  const offs = [
    ctx.feed.subscribe('conversation', (e: FeedEvent) => {
      if (e.id !== id) return;
      const parsed = conversationEventSchema.safeParse(e);
      if (parsed.success && parsed.data.row) row = parsed.data.row;
      renderHeader();
      void loadTranscript().catch(() => undefined);
    }),
    ctx.feed.subscribe('presence', (e: FeedEvent) => {
      const parsed = presenceEventSchema.safeParse(e);
      if (e.id !== id || !parsed.success) return;
      viewers = parsed.data.viewers;
      renderHeader();
    }),
    ctx.feed.subscribe('resync', () => void loadTranscript().catch(() => undefined)),
  ];
  const renew = setInterval(() => void present(true), PRESENCE_RENEW_MS);
  // Closing the tab says goodbye too (otherwise the others see this viewer until it expires).
  const leave = () => void present(false);
  window.addEventListener('pagehide', leave);
  // Viewers whose page stopped renewing drop off.
  const expire = setInterval(renderHeader, 15_000);

  loadTranscript().catch((e: unknown) => {
    if (e instanceof ApiError && e.code === 'CONVERSATION_NOT_FOUND') ctx.root.replaceChildren(h('p', { class: 'card' }, errorWords(e)));
    else ctx.say(errorWords(e));
  });
  void present(true);
  void api<{ cannedReplies: Canned[] }>('GET', '/api/v1/staff/canned-replies').then((a) => (canned = a.cannedReplies), () => undefined);
  void api<{ notes: Note[] }>('GET', `/api/v1/staff/conversations/${id}/notes`).then((a) => renderNotes(a.notes), (e: unknown) => ctx.say(errorWords(e)));

  return () => {
    offs.forEach((off) => off());
    clearInterval(renew);
    clearInterval(expire);
    window.removeEventListener('pagehide', leave);
    void present(false);
  };
}

export const conversationPage: PageDef = {
  path: '/conversations/:id',
  title: () => t('title'),
  roles: ['agent', 'supervisor'],
  nav: false,
  render,
};
