import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import type { PrismaClient } from '../db/index.js';
import type { StaffAuth } from '../http/staffAuth.js';
import type { StaffRole } from '../db/generated/client.js';
import type { StaffPrincipal } from '../staff/index.js';
import type { ConsoleFeed, ConsoleFeedEvent, FeedKind } from './consoleFeed.js';
import type { ConversationQueue } from './conversationQueue.js';
import type { Presence } from './presence.js';
import { STAFF_SECURITY, doc } from '../http/apiSchemas.js';

export const FEED_PATH = '/api/v1/staff/feed';
/** Who may connect, and which kinds each role hears. */
export const FEED_ROLES: readonly StaffRole[] = ['agent', 'supervisor', 'reviewer', 'admin'];
const HEARS: Readonly<Record<Exclude<FeedKind, 'resync'>, readonly StaffRole[]>> = {
  // Reviewers too: the applicant's answer to a reviewer's question is news on the review page.
  conversation: ['agent', 'supervisor', 'reviewer', 'admin'],
  presence: ['agent', 'supervisor', 'admin'],
  workOrder: ['agent', 'supervisor', 'reviewer', 'admin'],
  review: ['reviewer', 'supervisor', 'admin'],
};

export interface FeedRoutesDeps {
  readonly feed: ConsoleFeed;
  readonly queue: ConversationQueue;
  readonly presence: Presence;
  readonly auth: StaffAuth;
  readonly prisma: PrismaClient;
  readonly clock: Clock;
  /** How often a comment line keeps proxies from closing the stream, and the session is checked again. */
  readonly heartbeatMs?: number;
}

interface Listener {
  readonly staff: StaffPrincipal;
  readonly raw: ServerResponse;
  end(reason: string): void;
}

/**
 * GET /api/v1/staff/feed: a server-sent-events stream of what changed, for the console. Each event
 * is one `data:` line of JSON `{ kind, id, ... }` — a conversation event carries the conversation's
 * new queue row (`row`, read once per change for every listener), a presence event the staff viewing
 * it (`viewers`). A `: heartbeat` comment every 15 s; the stream ends with an `end` event when the
 * session does: at once on logout, logout everywhere, a disabled account or a reset password in this
 * process, else at the next heartbeat's check (expiry, idle timeout, another process's logout).
 */
export function feedRoutes(app: FastifyInstance, deps: FeedRoutesDeps): { readonly listeners: number } {
  const listeners = new Set<Listener>();
  const heartbeatMs = deps.heartbeatMs ?? 15_000;

  const send = (l: Listener, event: ConsoleFeedEvent & Record<string, unknown>) => {
    const kind = event.kind;
    if (kind !== 'resync' && !HEARS[kind].some((r) => l.staff.roles.includes(r))) return;
    l.raw.write(`data: ${JSON.stringify(event)}\n\n`);
  };

  // One read per change, however many consoles listen. A change arriving while its conversation's row
  // is being read is read again after (the read under way may predate it); more changes meanwhile share that read.
  const reading = new Map<string, { again: boolean }>();
  const sendRow = (id: string): void => {
    const under = reading.get(id);
    if (under) {
      under.again = true;
      return;
    }
    const state = { again: false };
    reading.set(id, state);
    void (async () => {
      try {
        do {
          state.again = false;
          const row = await deps.queue.row(id, deps.clock.now());
          for (const l of listeners) send(l, { kind: 'conversation', id, row: row ?? null });
        } while (state.again && listeners.size > 0);
      } catch (e) {
        app.log.warn({ err: e, conversationId: id }, 'console feed: the queue row could not be read');
      } finally {
        reading.delete(id);
      }
    })();
  };

  const unsubscribe = deps.feed.subscribe((event) => {
    if (listeners.size === 0) return;
    if (event.kind === 'conversation') sendRow(event.id);
    else if (event.kind === 'presence') {
      void deps.presence.viewers(event.id).then(
        (viewers) => {
          for (const l of listeners) send(l, { ...event, viewers });
        },
        (e: unknown) => app.log.warn({ err: e, conversationId: event.id }, 'console feed: the viewers could not be read'),
      );
    } else {
      for (const l of listeners) send(l, event);
    }
  });

  /** Whether the session behind the stream still holds, without counting the check as the person's activity. */
  const sessionHolds = async (staff: StaffPrincipal, idleMs: number, now: number): Promise<boolean> => {
    if (!staff.sessionId) return true;
    const row = await deps.prisma.staffSession.findUnique({ where: { id: staff.sessionId }, select: { revokedAt: true, expiresAt: true, lastSeenAt: true } });
    if (!row || row.revokedAt !== null || row.expiresAt.getTime() <= now || now - row.lastSeenAt.getTime() >= idleMs) return false;
    const account = await deps.prisma.staffUser.findUnique({ where: { id: staff.staffId }, select: { active: true } });
    return account?.active === true;
  };

  app.get(FEED_PATH, { onRequest: deps.auth.require(...FEED_ROLES), schema: { ...doc('console', 'The consoles’ live feed (text/event-stream): what changed, and heartbeats · 实时推送', STAFF_SECURITY, `Roles: ${FEED_ROLES.join(', ')}.`) } }, async (request: FastifyRequest, reply) => {
    const staff = request.staff!;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Proxies (nginx) must pass each event on at once.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    let ended = false;
    const listener: Listener = {
      staff,
      raw,
      end(reason) {
        if (ended) return;
        ended = true;
        clearInterval(timer);
        listeners.delete(listener);
        raw.end(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
      },
    };
    const idleMs = app.deps.config.staffSessions.idleMs;
    const timer = setInterval(() => {
      raw.write(': heartbeat\n\n');
      void sessionHolds(staff, idleMs, deps.clock.now().getTime()).then(
        (holds) => {
          if (!holds) listener.end('session ended');
        },
        () => undefined,
      );
    }, heartbeatMs);
    timer.unref();
    raw.on('close', () => {
      ended = true;
      clearInterval(timer);
      listeners.delete(listener);
    });
    listeners.add(listener);
    // Tells the browser to retry after 3 s, and the page that it is connected.
    raw.write(`retry: 3000\n: connected\n\n`);
  });

  // Logout, logout everywhere, disabling an account or resetting its password end the streams they end at once
  // (the heartbeat's check catches the rest: expiry, idle timeout, another server process).
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 300 || request.method !== 'POST' || listeners.size === 0) return;
    const url = request.routeOptions.url;
    const staff = request.staff;
    let ends: ((l: Listener) => boolean) | undefined;
    if (url === '/api/v1/staff/logout' && staff?.sessionId) ends = (l) => l.staff.sessionId === staff.sessionId;
    else if (url === '/api/v1/staff/logout-everywhere' && staff) ends = (l) => l.staff.staffId === staff.staffId;
    else if (url === '/api/v1/staff/accounts/:id/disable' || url === '/api/v1/staff/accounts/:id/reset-password') {
      const id = (request.params as { id?: unknown }).id;
      ends = (l) => l.staff.staffId === id;
    }
    if (!ends) return;
    for (const l of [...listeners]) if (ends(l)) l.end('session ended');
  });

  app.addHook('preClose', async () => {
    unsubscribe();
    for (const l of [...listeners]) l.end('server restarting');
  });

  return {
    get listeners() {
      return listeners.size;
    },
  };
}
