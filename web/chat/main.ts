import type { ErrorFrame, ReadyFrame, ServerFrame, WebMessage, WelcomeMessage } from '../../bots/web/frames.js';
import { ChatConnection, type ConnectionStatus } from './connection.js';
import { tr, type Lang, type TextKey } from './i18n.js';
import { deleteAt, maskIdNumber, maskSentText, reconcile, replaceRange } from './idMask.js';
import { h, renderCard } from './render.js';

type Expects = NonNullable<WebMessage['expects']>;
interface Pending {
  readonly id: string;
  readonly text: string;
  el: HTMLElement;
  failed: boolean;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const log = $<HTMLElement>('log');
const form = $<HTMLFormElement>('composer');
const input = $<HTMLInputElement>('input');
const inputLabel = $<HTMLLabelElement>('input-label');
const sendButton = $<HTMLButtonElement>('send');
const typing = $<HTMLElement>('typing');
const statusLine = $<HTMLElement>('status');
const langButton = $<HTMLButtonElement>('lang');
const logoutButton = $<HTMLButtonElement>('logout');
const loggedOut = $<HTMLElement>('logged-out');

const stored = (() => {
  try {
    return localStorage.getItem('kd.lang');
  } catch {
    return null;
  }
})();
let lang: Lang = stored === 'en' ? 'en' : 'zh';
const referral = (() => {
  const ref = new URLSearchParams(window.location.search).get('ref');
  return ref && /^[A-Za-z0-9_.~-]{1,64}$/.test(ref) ? ref : undefined;
})();

/** The highest sequence number shown: messages at or below it are never shown again. */
let lastSeq = 0;
let ackedSeq = 0;
let session: string | undefined;
let status: ConnectionStatus = 'connecting';
/** The messages shown, by sequence number, to re-render their cards when the language changes. */
const shown: { message: WebMessage; el: HTMLElement; text: string }[] = [];
/** Options offered since the borrower last spoke: a tapped option's value is shown as its label. */
let offered: readonly { label: string; value: string }[] = [];
/** The assistant's greeting for an empty conversation, from the server's ready frame (both languages). */
let welcomeFrom: ReadyFrame['welcome'];
/** The borrower's messages not yet stored (no echo yet), in the order typed. */
const pending = new Map<string, Pending>();
let expects: Expects = 'text';
/** In ID mode the input shows a mask; this is what will be sent. */
let realId = '';
let typingTimer: ReturnType<typeof setTimeout> | undefined;
let ackTimer: ReturnType<typeof setTimeout> | undefined;

const connection = new ChatConnection(`${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/ws/chat`, '/api/web/session', {
  hello: () => ({ lastSeq, locale: lang, ...(referral ? { referral } : {}) }),
  frame: onFrame,
  status: (s) => {
    status = s;
    renderStatus();
  },
});

function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---- rendering -------------------------------------------------------------------------------

function authorKey(author: WebMessage['author']): TextKey {
  return author === 'borrower' ? 'me' : author === 'staff' ? 'staff' : 'bot';
}

/** Who wrote a message, as the page names them: a staff member by name, visibly; the others for screen readers. */
function authorLine(author: WebMessage['author'], message?: WebMessage): HTMLElement {
  if (author !== 'staff') return h('span', { class: 'sr-only' }, `${tr(lang, authorKey(author))}${tr(lang, 'colon')}`);
  const name = message?.senderName ?? '';
  return h(
    'p',
    { class: 'sender' },
    h('span', { class: 'sender-badge', 'aria-hidden': 'true' }, (name || tr(lang, 'staff')).slice(0, 1)),
    h('span', { class: 'sender-name' }, name ? tr(lang, 'staffNamed', { name }) : tr(lang, 'staff')),
    h('span', { class: 'sr-only' }, tr(lang, 'colon')),
  );
}

function bubble(author: WebMessage['author'], text: string, message?: WebMessage): HTMLElement {
  const el = h('div', { class: `msg msg-${author}` }, authorLine(author, message), h('p', { class: 'text' }, text));
  if (message) {
    el.dataset.seq = String(message.seq);
    if (message.card) {
      const card = renderCard(lang, message.card);
      if (card) el.append(card);
    }
  }
  return el;
}

/** Where stored messages go: before the borrower's messages still on their way. */
function firstPending(): HTMLElement | null {
  for (const p of pending.values()) if (p.el.isConnected) return p.el;
  return null;
}

function scrollToEnd(): void {
  log.scrollTop = log.scrollHeight;
}

/** Quick replies belong to the latest message only: older ones are history. */
function refreshOptions(): void {
  log.querySelectorAll('.options').forEach((group) => group.remove());
  const last = shown.at(-1);
  const welcome = log.querySelector<HTMLElement>('.welcome');
  if (welcome) {
    welcome.append(optionGroup(welcomeOf().options));
    return;
  }
  if (!last || last.message.author === 'borrower' || !last.message.options?.length || pending.size) return;
  last.el.append(optionGroup(last.message.options));
}

function optionGroup(options: readonly { label: string; value: string }[]): HTMLElement {
  return h('div', { class: 'options', role: 'group', 'aria-label': tr(lang, 'quickReplies') }, ...options.map((o) => {
    const b = h('button', { type: 'button', class: 'option' }, o.label);
    b.addEventListener('click', () => sendText(o.value, o.label));
    return b;
  }));
}

/** The greeting of an empty conversation: the assistant's own (it then does not greet again), else the page's words. */
function welcomeOf(): WelcomeMessage {
  return (
    welcomeFrom?.[lang] ?? {
      text: tr(lang, 'welcome'),
      options: (['welcome.apply', 'welcome.draw', 'welcome.repay', 'welcome.limit', 'welcome.faq'] as const).map((k) => ({ label: tr(lang, k), value: tr(lang, k) })),
    }
  );
}

function showWelcome(): void {
  if (log.querySelector('.welcome') || shown.length || pending.size) return;
  const welcome = welcomeOf();
  const el = bubble('bot', welcome.text);
  el.classList.add('welcome');
  log.append(el);
  // A tapped welcome option echoes back as its value: show its label.
  offered = welcome.options;
  refreshOptions();
}

/** A reply is awaited: the borrower sent something not answered yet. */
let awaiting = false;

/** "Typing…" only while a reply is awaited and the connection is up: offline, nobody is typing. */
function setTyping(on: boolean): void {
  clearTimeout(typingTimer);
  awaiting = on;
  renderTyping();
}

function renderTyping(): void {
  const on = awaiting && status === 'online';
  typing.hidden = !on;
  if (on) scrollToEnd();
}

/** Logged out (here, in another tab, or by typing 退出): the conversation leaves the page; only "start again" remains. */
function showLoggedOut(): void {
  for (const s of shown) s.el.remove();
  shown.length = 0;
  for (const p of pending.values()) p.el.remove();
  pending.clear();
  log.replaceChildren();
  offered = [];
  setTyping(false);
  $('logged-out-text').textContent = tr(lang, 'loggedOut');
  $('start-again').textContent = tr(lang, 'startAgain');
  loggedOut.hidden = false;
  $<HTMLButtonElement>('start-again').focus();
}

function renderStatus(): void {
  statusLine.replaceChildren();
  const key = `status.${status}` as TextKey;
  statusLine.append(tr(lang, key));
  if (status === 'superseded') {
    const b = h('button', { type: 'button', class: 'link-button' }, tr(lang, 'continueHere'));
    b.addEventListener('click', () => connection.start());
    statusLine.append(' ', b);
  }
  document.body.dataset.connection = status;
  if (status === 'logged_out' && loggedOut.hidden) showLoggedOut();
  renderTyping();
}

// ---- the input: masks an ID number while it is typed ----------------------------------------

const INPUT_MODES: Record<Expects, { key: TextKey; placeholder: TextKey; inputMode: string; autocomplete: string; type: string; maxLength: number }> = {
  text: { key: 'input.text', placeholder: 'placeholder.text', inputMode: 'text', autocomplete: 'off', type: 'text', maxLength: 2000 },
  id_number: { key: 'input.id_number', placeholder: 'placeholder.id_number', inputMode: 'text', autocomplete: 'off', type: 'text', maxLength: 18 },
  // Room for `+86 132 3460 8845` and `0086 132-3460-8845`: the server reads the 11 digits out of them.
  mobile: { key: 'input.mobile', placeholder: 'placeholder.mobile', inputMode: 'numeric', autocomplete: 'tel-national', type: 'tel', maxLength: 20 },
  otp: { key: 'input.otp', placeholder: 'placeholder.otp', inputMode: 'numeric', autocomplete: 'one-time-code', type: 'text', maxLength: 6 },
  amount: { key: 'input.amount', placeholder: 'placeholder.amount', inputMode: 'text', autocomplete: 'off', type: 'text', maxLength: 20 },
};

function applyInputMode(): void {
  const mode = INPUT_MODES[expects];
  inputLabel.textContent = tr(lang, mode.key);
  input.placeholder = tr(lang, mode.placeholder);
  input.inputMode = mode.inputMode;
  input.autocomplete = mode.autocomplete as AutoFill;
  input.type = mode.type;
  input.maxLength = mode.maxLength;
  input.dataset.expects = expects;
  if (expects === 'id_number') {
    realId = reconcile('', input.value);
    input.value = maskIdNumber(realId);
  }
}

function setExpects(next: Expects): void {
  if (next === expects) return;
  expects = next;
  realId = '';
  applyInputMode();
}

function showId(caret: number): void {
  input.value = maskIdNumber(realId);
  input.setSelectionRange(caret, caret);
}

input.addEventListener('beforeinput', (event) => {
  if (expects !== 'id_number') return;
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? start;
  const type = event.inputType;
  if (type.startsWith('insert') && type !== 'insertCompositionText') {
    if (type === 'insertLineBreak') return;
    event.preventDefault();
    const edit = replaceRange(realId, start, end, event.data ?? event.dataTransfer?.getData('text/plain') ?? '');
    realId = edit.value;
    showId(edit.caret);
  } else if (type.startsWith('delete')) {
    event.preventDefault();
    const edit = deleteAt(realId, start, end, type.includes('Backward'));
    realId = edit.value;
    showId(edit.caret);
  }
});
// Anything beforeinput could not intercept (autofill, a composition, a script setting the value).
input.addEventListener('input', () => {
  if (expects !== 'id_number') return;
  const caret = input.selectionStart ?? input.value.length;
  realId = reconcile(realId, input.value);
  showId(Math.min(caret, realId.length));
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = expects === 'id_number' ? realId : input.value.trim();
  if (!text) return;
  sendText(text, expects === 'id_number' ? maskIdNumber(text) : maskSentText(text));
  input.value = '';
  realId = '';
  input.focus();
});

// ---- sending and receiving ------------------------------------------------------------------

/** Shows the borrower's message at once and sends it; it stays "sending" until the server's echo. */
function sendText(text: string, display: string = text): void {
  const id = newClientId();
  const el = bubble('borrower', display);
  el.classList.add('pending');
  el.setAttribute('aria-busy', 'true');
  log.querySelector('.welcome')?.remove();
  log.append(el);
  pending.set(id, { id, text, el, failed: false });
  refreshOptions();
  setTyping(true);
  connection.send({ type: 'message', id, text, locale: lang });
}

function resend(p: Pending): void {
  p.failed = false;
  p.el.classList.remove('failed');
  p.el.querySelector('.retry')?.remove();
  setTyping(true);
  connection.send({ type: 'message', id: p.id, text: p.text, locale: lang });
}

function onFrame(frame: ServerFrame): void {
  if (frame.type === 'ready') onReady(frame);
  else if (frame.type === 'message') onMessage(frame);
  else if (frame.type === 'error') onError(frame);
  else if (frame.type === 'logged_out') showLoggedOut();
  // Frames this page does not know are ignored.
}

function onReady(frame: ReadyFrame): void {
  // Another session (the cookie lapsed) or another conversation: what the page shows is not this one's.
  if ((session !== undefined && frame.session !== session) || frame.resumeFrom < lastSeq) {
    for (const s of shown) s.el.remove();
    shown.length = 0;
    offered = [];
    lastSeq = ackedSeq = frame.resumeFrom;
  }
  session = frame.session;
  if (frame.welcome) welcomeFrom = frame.welcome;
  lastSeq = Math.max(lastSeq, frame.resumeFrom);
  ackedSeq = Math.min(ackedSeq, lastSeq);
  // Messages typed while disconnected, or not confirmed before it: the same ids, so none is processed twice.
  for (const p of pending.values()) if (!p.failed) connection.send({ type: 'message', id: p.id, text: p.text, locale: lang });
  if ([...pending.values()].some((p) => !p.failed)) setTyping(true);
  if (frame.lastSeq === 0) showWelcome();
}

function onMessage(message: WebMessage): void {
  if (message.seq <= lastSeq) return;
  lastSeq = message.seq;
  log.querySelector('.welcome')?.remove();
  let text = message.text;
  if (message.author === 'borrower') {
    text = offered.find((o) => o.value === message.text)?.label ?? message.text;
    offered = [];
  } else if (message.options?.length) offered = message.options;
  const el = bubble(message.author, text, message);
  const mine = message.clientMessageId ? pending.get(message.clientMessageId) : undefined;
  if (mine) {
    pending.delete(mine.id);
    mine.el.remove();
  }
  log.insertBefore(el, firstPending());
  shown.push({ message, el, text });
  if (message.author === 'borrower') {
    // Some messages get no reply (a person is about to answer): do not spin for ever.
    if (!pending.size) typingTimer = setTimeout(() => setTyping(false), 3_000);
  } else {
    setExpects(message.expects ?? 'text');
    if (!pending.size) setTyping(false);
  }
  refreshOptions();
  scrollToEnd();
  clearTimeout(ackTimer);
  ackTimer = setTimeout(ack, 250);
}

function ack(): void {
  if (lastSeq > ackedSeq && connection.send({ type: 'ack', seq: lastSeq })) ackedSeq = lastSeq;
}

function onError(frame: ErrorFrame): void {
  const p = frame.clientMessageId ? pending.get(frame.clientMessageId) : undefined;
  if (p && frame.code === 'rate_limited') {
    setTimeout(() => pending.has(p.id) && resend(p), Math.max(500, frame.retryAfterMs ?? 1_000));
    return;
  }
  setTyping(false);
  const text = tr(lang, `error.${frame.code}` as TextKey);
  if (!p) {
    statusLine.textContent = text;
    return;
  }
  p.failed = true;
  p.el.classList.add('failed');
  p.el.removeAttribute('aria-busy');
  const retry = h('button', { type: 'button', class: 'retry' }, `${text} ${tr(lang, 'retry')}`);
  retry.addEventListener('click', () => resend(p));
  p.el.append(retry);
}

// ---- language -------------------------------------------------------------------------------

function applyLanguage(): void {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = tr(lang, 'title');
  $('title').textContent = tr(lang, 'title');
  $('subtitle').textContent = tr(lang, 'subtitle');
  log.setAttribute('aria-label', tr(lang, 'logLabel'));
  form.setAttribute('aria-label', tr(lang, 'composerLabel'));
  sendButton.textContent = tr(lang, 'send');
  typing.textContent = tr(lang, 'typing');
  langButton.textContent = tr(lang, 'langButton');
  langButton.setAttribute('aria-label', tr(lang, 'langButtonLabel'));
  langButton.lang = lang === 'zh' ? 'en' : 'zh-CN';
  logoutButton.textContent = tr(lang, 'logout');
  logoutButton.setAttribute('aria-label', tr(lang, 'logoutLabel'));
  if (!loggedOut.hidden) {
    $('logged-out-text').textContent = tr(lang, 'loggedOut');
    $('start-again').textContent = tr(lang, 'startAgain');
  }
  for (const s of shown) {
    const fresh = bubble(s.message.author, s.text, s.message);
    s.el.replaceWith(fresh);
    s.el = fresh;
  }
  const welcome = log.querySelector('.welcome');
  if (welcome) {
    welcome.remove();
    showWelcome();
  }
  applyInputMode();
  refreshOptions();
  renderStatus();
}

langButton.addEventListener('click', () => {
  const command = tr(lang, 'langCommand');
  lang = lang === 'zh' ? 'en' : 'zh';
  try {
    localStorage.setItem('kd.lang', lang);
  } catch {
    // Private mode: the choice lasts for this page.
  }
  applyLanguage();
  // The conversation switches too (a new one starts in the page's language anyway).
  if (shown.length) sendText(command);
});

logoutButton.addEventListener('click', () => void connection.logout());
$('start-again').addEventListener('click', () => window.location.reload());

// The keyboard opening (or a rotation) shrinks the log: a reader at the end stays at the end.
let atEnd = true;
log.addEventListener('scroll', () => (atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40), { passive: true });
window.addEventListener('resize', () => {
  if (atEnd) scrollToEnd();
});

applyLanguage();
connection.start();
