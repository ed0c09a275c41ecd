import { h } from '../shared/dom.js';
import { api, errorWords, setCsrfToken, setUnauthorizedHandler } from './api.js';
import { Feed } from './feed.js';
import { currentLang, onLangChange, setLang, tr } from './i18n.js';
import { renderLogin } from './login.js';
import { canOpen, matchRoute, type PageDef, type Staff } from './page.js';
import { PAGES } from './pages/index.js';

/**
 * The console's shell: who is logged in (or the login form), the header (name, 工号, roles, language,
 * logout), the navigation of the pages the person's roles allow, the hash router (`#/queue`,
 * `#/conversations/<id>`) and the live feed every page shares.
 */
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const view = $<HTMLElement>('view');
const nav = $<HTMLElement>('nav');
const who = $<HTMLElement>('who');
const statusLine = $<HTMLElement>('status');
const langButton = $<HTMLButtonElement>('lang');
const logoutButton = $<HTMLButtonElement>('logout');
const title = $<HTMLElement>('title');

let staff: Staff | undefined;
let cleanup: (() => void) | undefined;
let statusTimer: ReturnType<typeof setTimeout> | undefined;
let feedOnline = true;
/** Unread notices (a deadline near, 超时督办, an order given to me): shown in the header on every page. */
let unreadNotices = 0;
let noticeTimer: ReturnType<typeof setInterval> | undefined;
const feed = new Feed(() => void feedEnded());
/** The roles the live feed serves (GET /api/v1/staff/feed); others' pages do without it. */
const FEED_ROLES: readonly string[] = ['agent', 'supervisor', 'reviewer', 'admin'];
feed.onStatus((online) => {
  feedOnline = online;
  renderStatus();
});

function say(text: string): void {
  statusLine.textContent = text;
  clearTimeout(statusTimer);
  if (text) statusTimer = setTimeout(renderStatus, 8_000);
}
function renderStatus(): void {
  statusLine.textContent = staff && !feedOnline ? tr('feed.offline') : '';
}

function renderChrome(): void {
  const lang = currentLang();
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  title.textContent = tr('title');
  langButton.textContent = tr('langButton');
  langButton.lang = lang === 'zh' ? 'en' : 'zh-CN';
  langButton.setAttribute('aria-label', tr('langButtonLabel'));
  logoutButton.textContent = tr('logout');
  logoutButton.setAttribute('aria-label', tr('logoutLabel'));
  logoutButton.hidden = !staff;
  nav.setAttribute('aria-label', tr('navLabel'));
  nav.replaceChildren();
  who.replaceChildren();
  if (!staff) return;
  const current = routePath();
  for (const page of PAGES) {
    if (!page.nav || !canOpen(page, staff)) continue;
    const active = matchRoute(page.path, current) !== undefined;
    nav.append(h('a', { href: `#${page.path}`, class: active ? 'nav-link active' : 'nav-link', 'aria-current': active ? 'page' : undefined }, page.title()));
  }
  who.append(h('span', { class: 'who-name' }, staff.displayName));
  if (staff.employeeNo) who.append(h('span', { class: 'who-no' }, tr('employeeNo', { no: staff.employeeNo })));
  who.append(h('span', { class: 'who-roles' }, staff.roles.map((r) => tr(`role.${r}`)).join(' · ')));
  who.append(
    h(
      'a',
      { href: '#/notices', class: unreadNotices ? 'pill notices unread' : 'pill notices', 'aria-label': tr('notices.label', { n: unreadNotices }) },
      unreadNotices ? tr('notices.unread', { n: unreadNotices }) : tr('notices'),
    ),
  );
}

/** Reads the unread count again (after a work-order change, a page that marked some read, or every minute). */
async function refreshNotices(): Promise<void> {
  if (!staff) return;
  const answer = await api<{ unread: number }>('GET', '/api/v1/staff/notices?unread=true&limit=1').catch(() => undefined);
  if (!answer || !staff || answer.unread === unreadNotices) return;
  unreadNotices = answer.unread;
  renderChrome();
}
feed.subscribe('workOrder', () => void refreshNotices());
window.addEventListener('kd:notices-read', () => void refreshNotices());

const routePath = (): string => (window.location.hash.replace(/^#/, '').split('?')[0] || '/');
const routeQuery = (): URLSearchParams => new URLSearchParams(window.location.hash.split('?')[1] ?? '');

function navigate(path: string): void {
  if (window.location.hash === `#${path}`) void route();
  else window.location.hash = path;
}

async function route(): Promise<void> {
  cleanup?.();
  cleanup = undefined;
  renderChrome();
  if (!staff) return;
  const me = staff;
  const path = routePath();
  const allowed = PAGES.filter((p) => canOpen(p, me));
  if (path === '/') {
    const start = allowed.find((p) => p.nav);
    if (start) return navigate(start.path);
    view.replaceChildren(h('section', { class: 'card' }, h('p', {}, tr('home', { name: me.displayName })), h('p', {}, tr('noPages'))));
    return;
  }
  let found: { page: PageDef; params: Record<string, string> } | undefined;
  for (const page of PAGES) {
    const params = matchRoute(page.path, path);
    if (params) {
      found = { page, params };
      break;
    }
  }
  if (!found) return void view.replaceChildren(h('p', { class: 'card' }, tr('notFound')));
  if (!canOpen(found.page, me)) return void view.replaceChildren(h('p', { class: 'card' }, tr('forbiddenPage')));
  document.title = `${found.page.title()} · ${tr('title')}`;
  const root = h('div', { class: 'page' });
  view.replaceChildren(root);
  try {
    const undo = await found.page.render({ root, params: found.params, query: routeQuery(), staff: me, feed, navigate, say });
    // Left meanwhile: undo at once.
    if (view.firstChild !== root) undo?.();
    else cleanup = undo ?? undefined;
  } catch (e) {
    root.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errorWords(e)));
  }
}

function showLogin(notice?: string): void {
  cleanup?.();
  cleanup = undefined;
  staff = undefined;
  unreadNotices = 0;
  clearInterval(noticeTimer);
  setCsrfToken(undefined);
  feed.close();
  renderChrome();
  renderStatus();
  document.title = tr('title');
  renderLogin(view, notice, ({ staff: who, csrfToken }) => {
    signedIn(who, csrfToken);
  });
}

function signedIn(who: Staff, csrfToken: string | undefined): void {
  staff = who;
  setCsrfToken(csrfToken);
  if (who.roles.some((r) => FEED_ROLES.includes(r))) feed.connect();
  void route();
  void refreshNotices();
  clearInterval(noticeTimer);
  noticeTimer = setInterval(() => void refreshNotices(), 60_000);
}

/** The feed stopped for good: the session ended, or the server refused the stream for another reason (then it stays off). */
async function feedEnded(): Promise<void> {
  if (!staff) return;
  // A 401 sends the person to the login page (the unauthorized handler); otherwise the session holds
  // and the console goes on without live updates, saying so.
  await api('GET', '/api/v1/staff/me').catch(() => undefined);
  if (!staff) return;
  feedOnline = false;
  renderStatus();
}

async function sessionEnded(): Promise<void> {
  if (!staff) return;
  // The feed closes on logout elsewhere, expiry or a disabled account; the login form says so.
  showLogin(tr('sessionEnded'));
}

async function boot(): Promise<void> {
  setUnauthorizedHandler(() => void sessionEnded());
  renderChrome();
  view.replaceChildren(h('p', { class: 'loading' }, tr('loading')));
  try {
    const me = await api<{ staff: Staff; csrfToken?: string }>('GET', '/api/v1/staff/me');
    signedIn(me.staff, me.csrfToken);
  } catch {
    showLogin();
  }
}

langButton.addEventListener('click', () => setLang(currentLang() === 'zh' ? 'en' : 'zh'));
onLangChange(() => {
  if (staff) void route();
  else showLogin();
});
logoutButton.addEventListener('click', () => {
  void api('POST', '/api/v1/staff/logout')
    .catch(() => undefined)
    .then(() => showLogin(tr('loggedOut')));
});
window.addEventListener('hashchange', () => void route());
void boot();
