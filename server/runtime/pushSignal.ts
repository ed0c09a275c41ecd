import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { OutageBackoff } from './poller.js';
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

/**
 * PostgreSQL LISTEN/NOTIFY: one dedicated listening connection per process, reconnected after a drop
 * with backoff (from 250 ms up to `maxReconnectMs`; the outage and the recovery logged once each);
 * notifications go out through the runtime's statements. The payload names the sending process,
 * which ignores its own.
 */
export function postgresPushSignal(options: { url: string; sql: Sql; logger: Logger; maxReconnectMs?: number; connectTimeoutMs?: number }): PushSignal & { ready: Promise<void> } {
  const self = randomUUID();
  const handlers = new Map<string, ((userId: string | null) => void)[]>();
  let client: pg.Client | undefined;
  let closed = false;
  const backoff = new OutageBackoff({ what: 'push signal (LISTEN connection)', logger: options.logger, baseMs: 250, maxMs: options.maxReconnectMs ?? 10_000 });

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
    const c = new pg.Client({ connectionString: options.url, application_name: 'kuaidai-push-listen', connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000 });
    let lost = false;
    // A dropped connection reports an error and then ends (or only ends): reconnect once either way.
    const onLost = (e?: Error) => {
      if (lost) return;
      lost = true;
      void c.end().catch(() => {});
      if (client !== c) return;
      client = undefined;
      schedule(e ?? new Error('Connection terminated'));
    };
    c.on('notification', onNotification);
    c.on('error', onLost);
    c.on('end', () => onLost());
    try {
      await c.connect();
      await c.query(`LISTEN ${PG_CHANNEL}`);
    } catch (e) {
      lost = true;
      void c.end().catch(() => {});
      throw e;
    }
    if (closed || lost) {
      await c.end().catch(() => {});
      if (lost && !closed) throw new Error('Connection terminated');
      return;
    }
    const reconnected = backoff.failing > 0;
    client = c;
    backoff.succeeded();
    // Whatever was announced while nobody listened is in the database: everyone catches up.
    if (reconnected) for (const list of handlers.values()) for (const handler of list) handler(null);
  };
  const schedule = (error: unknown) => {
    if (closed) return;
    setTimeout(() => {
      if (!closed) void connect().catch(schedule);
    }, backoff.failed(error)).unref();
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
