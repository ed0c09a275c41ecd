import type { z } from 'zod';
import { tr, type ShellKey } from './i18n.js';

/** A refused or failed request, with the server's code and words a person can act on. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    readonly status: number,
    /** The server's (English, technical) message; shown only inside the plain words where useful. */
    readonly detail: string,
    readonly params: Readonly<Record<string, string>> = {},
  ) {
    super(`${code}: ${detail}`);
  }

  /** What to show: the code's words in the current language, or a generic sentence naming the code. */
  get words(): string {
    const key = `error.${this.code}` as ShellKey;
    const text = tr(key, { detail: this.detail, ...this.params });
    return text === undefined || text.startsWith('error.') ? tr('error.generic', { code: this.code }) : text;
  }
}

let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** The session's CSRF token (from login or GET /me): sent on every state-changing request. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the server says the session is gone (401), so the shell can show the login page. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; holder?: unknown };
}

/**
 * Calls the staff API with the session cookie (same origin) and, on POST/PUT/PATCH/DELETE, the CSRF
 * token; parses the answer with `schema` when given; `keepalive` lets it finish while the page
 * closes. Failures throw {@link ApiError}.
 */
export async function api<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: { body?: unknown; schema?: z.ZodType<T>; keepalive?: boolean; /** A body sent as it is (a file upload) instead of JSON. */ raw?: { readonly body: Blob; readonly type: string } } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.raw) headers['content-type'] = options.raw.type;
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(options.keepalive ? { keepalive: true } : {}), ...(options.raw ? { body: options.raw.body } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  } catch {
    throw new ApiError('NETWORK', 0, tr('error.network'));
  }
  const json = await bodyOf(res);
  if (!res.ok) throw refused(res, json, path);
  return options.schema ? options.schema.parse(json) : (json as T);
}

/** The answer's JSON body; undefined when it is empty or not JSON (a proxy's HTML error page). */
async function bodyOf(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The ApiError of a refused answer (a 401 also tells the shell the session is gone). */
function refused(res: Response, json: unknown, path: string): ApiError {
  const e = (json as ErrorBody | undefined)?.error;
  const code = typeof e?.code === 'string' ? e.code : `HTTP_${res.status}`;
  const holder: Record<string, string> = typeof e?.holder === 'string' ? { name: e.holder } : {};
  const error = new ApiError(code, res.status, typeof e?.message === 'string' ? e.message : res.statusText, holder);
  if (res.status === 401 && path !== '/api/v1/staff/login') onUnauthorized?.();
  return error;
}

/**
 * POSTs `body` (with the CSRF token) to a route that answers a file, and returns the file with the
 * name the server gave it (Content-Disposition's filename*); failures throw {@link ApiError}.
 */
export async function postForFile(path: string, body: unknown): Promise<{ readonly blob: Blob; readonly fileName: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body: JSON.stringify(body) });
  } catch {
    throw new ApiError('NETWORK', 0, tr('error.network'));
  }
  if (!res.ok) throw refused(res, await bodyOf(res), path);
  const disposition = res.headers.get('content-disposition') ?? '';
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  const plain = /filename="([^"]+)"/i.exec(disposition)?.[1];
  return { blob: await res.blob(), fileName: encoded ? decodeURIComponent(encoded) : (plain ?? 'download') };
}

/** The words for any error a page caught (an ApiError's, else the generic sentence). */
export const errorWords = (e: unknown): string => (e instanceof ApiError ? e.words : tr('error.generic', { code: e instanceof Error ? e.name : 'ERROR' }));
