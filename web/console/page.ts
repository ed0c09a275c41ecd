import type { Feed } from './feed.js';

export type StaffRole = 'agent' | 'supervisor' | 'reviewer' | 'manager' | 'admin';

/** Who is logged in (GET /api/v1/staff/me). */
export interface Staff {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly employeeNo: string | null;
  readonly roles: readonly StaffRole[];
}

/** What a page is given when it is shown. */
export interface PageContext {
  /** The element the page fills; emptied before each page. */
  readonly root: HTMLElement;
  /** `:name` parts of the route (`/conversations/:id` → `{ id }`). */
  readonly params: Readonly<Record<string, string>>;
  /** The route's query (`#/queue?view=mine` → `view=mine`). */
  readonly query: URLSearchParams;
  readonly staff: Staff;
  /** The live feed (one server-sent-events stream shared by all pages). */
  readonly feed: Feed;
  /** Goes to another route, e.g. `navigate('/conversations/' + id)`. */
  navigate(path: string): void;
  /** Shows a short message in the status line (errors in plain words, "saved", …). */
  say(text: string): void;
}

/**
 * One page of the console. Register it with one line in pages/index.ts. `render` fills `ctx.root`
 * and returns what to undo when the page is left (unsubscribe from the feed, stop timers); it is
 * called again, after that cleanup, when the language changes.
 */
export interface PageDef {
  /** Route pattern under `#`: `/queue`, `/conversations/:id`. */
  readonly path: string;
  /** Its name in the navigation and the document title, in the current language. */
  title(): string;
  /** Who may open it (any one of these); the server checks again on every request. */
  readonly roles: readonly StaffRole[];
  /** Listed in the navigation (pages reached from another, like a conversation, are not). */
  readonly nav: boolean;
  render(ctx: PageContext): void | (() => void) | Promise<void | (() => void)>;
}

export const canOpen = (page: PageDef, staff: Staff): boolean => page.roles.some((r) => staff.roles.includes(r));

/** Matches `#/conversations/abc` against `/conversations/:id`. */
export function matchRoute(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return undefined;
  }
  return params;
}

/**
 * Replaces a page's content with what `build` makes, and gives the keyboard back to the field that
 * had it, with its caret or selection, when that field is part of the new content (a box made once
 * and kept across reloads). Putting such a box into the new content takes it out of the page, which
 * takes its focus, so the focus is read before `build` runs: what someone types during a live reload
 * must not go nowhere.
 */
export function replaceKeepingFocus(root: HTMLElement, build: () => Node[]): void {
  const active = document.activeElement;
  const field = (active instanceof HTMLTextAreaElement || active instanceof HTMLInputElement) && root.contains(active) ? active : undefined;
  const caret = field ? { start: field.selectionStart, end: field.selectionEnd, direction: field.selectionDirection } : undefined;
  root.replaceChildren(...build());
  if (!field || !field.isConnected || document.activeElement === field) return;
  field.focus({ preventScroll: true });
  // Fields without a caret (a checkbox, a number) have null here.
  if (caret?.start != null && caret.end != null) field.setSelectionRange(caret.start, caret.end, caret.direction ?? undefined);
}

/**
 * A page's loader that shows only its newest answer: loads started by the feed, a button and an act
 * can finish out of order, and an older answer must not overwrite a newer one (a note just added
 * would vanish). `run` receives `current()`, to check after each await before rendering.
 */
export function newestOnly(run: (current: () => boolean) => Promise<void>): () => Promise<void> {
  let generation = 0;
  return () => {
    const mine = ++generation;
    return run(() => mine === generation);
  };
}
