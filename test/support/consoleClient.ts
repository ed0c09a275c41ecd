import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { DEMO_STAFF } from '../../server/staff/demoStaff.js';

/** A person logged in to the console: the session cookie and its CSRF token. */
export interface ConsoleSession {
  readonly cookie: string;
  readonly csrf: string;
  readonly staffId: string;
}

export const demoPassword = (username: string): string => DEMO_STAFF.find((s) => s.username === username)!.password;

/** Logs a demo staff member in (each from its own address, so the login limits do not meet). */
export async function consoleLogin(app: FastifyInstance, username: string): Promise<ConsoleSession> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/staff/login', remoteAddress: `10.77.0.${DEMO_STAFF.findIndex((s) => s.username === username) + 1}`, payload: { username, password: demoPassword(username) } });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { csrfToken: string; staff: { id: string } };
  return { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: body.csrfToken, staffId: body.staff.id };
}

/** Calls a staff route as `as` (null: no session); POSTs carry the CSRF token unless `csrf: false`. */
export function consoleCall(app: FastifyInstance, method: 'GET' | 'POST', url: string, as: ConsoleSession | null, options: { csrf?: boolean; payload?: object } = {}) {
  return app.inject({
    method,
    url,
    headers: { ...(as ? { cookie: as.cookie } : {}), ...(as && options.csrf !== false && method === 'POST' ? { 'x-csrf-token': as.csrf } : {}) },
    ...(method === 'POST' ? { payload: options.payload ?? {} } : {}),
  });
}

/** An open server-sent-events stream: every event received so far, and a wait for one. */
export interface EventStream {
  readonly status: number;
  readonly events: { event: string; data: unknown }[];
  readonly comments: string[];
  next(predicate: (e: { event: string; data: unknown }) => boolean, timeoutMs?: number): Promise<{ event: string; data: unknown }>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens `url` on a listening server with `cookie` and parses the event stream as it arrives. */
export async function openEventStream(baseUrl: string, url: string, cookie: string | undefined): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}${url}`, { headers: cookie ? { cookie } : {}, signal: abort.signal });
  const events: { event: string; data: unknown }[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let endResolve!: () => void;
  const ended = new Promise<void>((resolve) => (endResolve = resolve));
  if (res.ok && res.body) {
    void (async () => {
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) as unknown });
            for (const w of waiters) w();
          }
        }
      } catch {
        // Aborted by close().
      }
      endResolve();
    })();
  } else endResolve();
  return {
    status: res.status,
    events,
    comments,
    ended,
    close: () => abort.abort(),
    next(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such event within ${timeoutMs} ms; got ${JSON.stringify(events).slice(0, 2000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
