import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Sql } from './sql.js';

/**
 * Tells the other server processes that a user of a push channel has new stored messages, so the
 * process that holds that user's open sockets catches them up at once. The messages themselves are
 * in the database already; a lost signal only delays them to the page's next reconnect.
 */
export interface PushSignal {
  /** Announces `userId` of `channel` to every other process. */
  notify(channel: string, userId: string): Promise<void>;
  /**
   * Calls `handler` for each announcement of `channel` from another process; with `null` after the
   * signal was down for a while (announcements may have been missed: catch up everyone).
   */
  listen(channel: string, handler: (userId: string | null) => void): void;
  close(): Promise<void>;
}

/** One process (embedded PGlite): nobody else to tell. */
export function localPushSignal(): PushSignal {
  return { notify: async () => {}, listen: () => {}, close: async () => {} };
}

const PG_CHANNEL = 'kuaidai_push';
const RECONNECT_MS = [250, 1_000, 5_000] as const;

/**
 * PostgreSQL LISTEN/NOTIFY: one dedicated listening connection per process (reconnected after a
 * drop); notifications go out through the runtime's statements. The payload names the sending
 * process, which ignores its own.
 */
export function postgresPushSignal(options: { url: string; sql: Sql; logger: Logger }): PushSignal & { ready: Promise<void> } {
  const self = randomUUID();
  const handlers = new Map<string, ((userId: string | null) => void)[]>();
  let client: pg.Client | undefined;
  let closed = false;
  let failures = 0;

  const onNotification = (n: pg.Notification) => {
    let message: { from?: unknown; channel?: unknown; userId?: unknown };
    try {
      message = JSON.parse(n.payload ?? '') as typeof message;
    } catch {
      return;
    }
    if (message.from === self || typeof message.channel !== 'string' || typeof message.userId !== 'string') return;
    for (const handler of handlers.get(message.channel) ?? []) handler(message.userId);
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: options.url, application_name: 'kuaidai-push-listen' });
    c.on('notification', onNotification);
    c.on('error', (e) => {
      options.logger.warn({ err: e.message }, 'push signal connection lost; reconnecting');
      void c.end().catch(() => {});
      if (client === c) client = undefined;
      schedule();
    });
    await c.connect();
    await c.query(`LISTEN ${PG_CHANNEL}`);
    if (closed) {
      await c.end();
      return;
    }
    const reconnected = failures > 0;
    client = c;
    failures = 0;
    // Whatever was announced while nobody listened is in the database: everyone catches up.
    if (reconnected) for (const list of handlers.values()) for (const handler of list) handler(null);
  };
  const schedule = () => {
    if (closed) return;
    const wait = RECONNECT_MS[Math.min(failures++, RECONNECT_MS.length - 1)];
    setTimeout(() => void connect().catch((e: unknown) => {
      options.logger.warn({ err: (e as Error).message }, 'push signal cannot listen; retrying');
      schedule();
    }), wait).unref();
  };

  return {
    ready: connect(),
    async notify(channel, userId) {
      await options.sql.query('SELECT pg_notify($1, $2)', [PG_CHANNEL, JSON.stringify({ from: self, channel, userId })]);
    },
    listen(channel, handler) {
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    async close() {
      closed = true;
      await client?.end().catch(() => {});
    },
  };
}
