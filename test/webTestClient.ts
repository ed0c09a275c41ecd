import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type WebSocket from 'ws';
import type { ErrorFrame, ReadyFrame, ServerFrame, WebMessage } from '../bots/web/frames.js';
import type { PrismaClient } from '../server/db/index.js';

/**
 * A session cookie as the page would get it: `GET /`, then the `name=value` of Set-Cookie; the
 * cookie sent when the page kept it (no Set-Cookie: the session is still valid).
 */
export async function sessionCookieOf(app: FastifyInstance, cookie?: string): Promise<string> {
  const res = await app.inject({ url: '/', headers: cookie ? { cookie } : {} });
  const header = res.headers['set-cookie'];
  if (header === undefined && cookie) return cookie;
  const line = Array.isArray(header) ? header[0]! : String(header);
  return line.split(';')[0]!;
}

/** The `name=value` a response sets (its Set-Cookie), or undefined. */
export function setCookieOf(headers: Record<string, unknown>): string | undefined {
  const header = headers['set-cookie'];
  if (header === undefined) return undefined;
  return (Array.isArray(header) ? String(header[0]) : String(header)).split(';')[0];
}

/** The server's row of a session cookie (`name=s1.<secret>.<hmac>`): its id is SHA-256 of the secret. */
export async function sessionRowOf(prisma: PrismaClient, cookie: string) {
  const secret = cookie.split('=')[1]!.split('.')[1]!;
  return prisma.webSession.findUniqueOrThrow({ where: { id: createHash('sha256').update(secret).digest('base64url') } });
}

/** The web chat user (the conversation's externalUserId) of a session cookie. */
export async function userIdOf(prisma: PrismaClient, cookie: string): Promise<string> {
  return (await sessionRowOf(prisma, cookie)).userId;
}

/** A websocket client over `app.injectWS` that records frames and how it closed. */
export class TestSocket {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame);
      for (const w of this.waiters) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(app: FastifyInstance, cookie: string | undefined, headers: Record<string, string> = {}): Promise<TestSocket> {
    const ws = await app.injectWS('/ws/chat', { headers: { ...(cookie ? { cookie } : {}), ...headers } });
    return new TestSocket(ws);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  hello(lastSeq = 0, extra: Record<string, unknown> = {}): Promise<ReadyFrame> {
    this.send({ type: 'hello', v: 1, lastSeq, ...extra });
    return this.waitFor((f): f is ReadyFrame => f.type === 'ready');
  }

  say(id: string, text: string): void {
    this.send({ type: 'message', id, text });
  }

  get messages(): WebMessage[] {
    return this.frames.filter((f): f is WebMessage => f.type === 'message');
  }

  get errors(): ErrorFrame[] {
    return this.frames.filter((f): f is ErrorFrame => f.type === 'error');
  }

  get lastSeq(): number {
    return this.messages.at(-1)?.seq ?? 0;
  }

  /** Resolves with the first frame (recorded or to come) that matches. */
  waitFor<T extends ServerFrame>(match: (f: ServerFrame) => f is T, timeoutMs?: number): Promise<T>;
  waitFor(match: (f: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
  waitFor(match: (f: ServerFrame) => boolean, timeoutMs = 10_000): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.frames.find(match);
        if (!found) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(found);
        return true;
      };
      const waiter = () => void check();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 2000)}`));
      }, timeoutMs);
      if (!check()) this.waiters.push(waiter);
    });
  }

  /** Waits until `count` messages have arrived. */
  async messagesUntil(count: number, timeoutMs = 10_000): Promise<WebMessage[]> {
    await this.waitFor(() => this.messages.length >= count, timeoutMs);
    return this.messages;
  }

  close(): void {
    this.ws.close();
  }
}
