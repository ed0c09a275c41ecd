import type { FastifyInstance } from 'fastify';
import type WebSocket from 'ws';
import type { ErrorFrame, ReadyFrame, ServerFrame, WebMessage } from '../bots/web/frames.js';

/** A session cookie as the page would get it: `GET /`, then the `name=value` of Set-Cookie. */
export async function sessionCookieOf(app: FastifyInstance, cookie?: string): Promise<string> {
  const res = await app.inject({ url: '/', headers: cookie ? { cookie } : {} });
  const header = res.headers['set-cookie'];
  const line = Array.isArray(header) ? header[0]! : String(header);
  return line.split(';')[0]!;
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
