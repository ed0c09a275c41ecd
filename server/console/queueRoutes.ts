import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { PrismaClient } from '../db/index.js';
import { AppError } from '../errors.js';
import { parseInput } from '../http/parseInput.js';
import type { StaffAuth } from '../http/staffAuth.js';
import type { ConsoleFeed } from './consoleFeed.js';
import { queueQuery, type ConversationQueue } from './conversationQueue.js';
import { PRESENCE_RENEW_MS, type Presence } from './presence.js';

const conversationParams = z.object({ id: z.uuid({ error: 'must be a conversation id (UUID)' }) });
const presenceBody = z.object({ viewing: z.boolean() });

export interface QueueRoutesDeps {
  readonly queue: ConversationQueue;
  readonly presence: Presence;
  readonly feed: ConsoleFeed;
  readonly auth: StaffAuth;
  readonly prisma: PrismaClient;
  readonly clock: Clock;
}

/**
 * The live queue (GET /api/v1/staff/queue: a view's rows, every view's count, the steps to filter
 * by) and presence (POST …/conversations/:id/presence: "I am viewing this", renewed by the page
 * every 20 s; everyone watching hears who views it through the feed). Agents and supervisors.
 */
export function queueRoutes(app: FastifyInstance, deps: QueueRoutesDeps): void {
  const onRequest = deps.auth.require('agent', 'supervisor');

  app.get('/api/v1/staff/queue', { onRequest }, async (request) => {
    const q = parseInput(queueQuery, request.query);
    const now = deps.clock.now();
    const [{ rows, counts }, steps] = await Promise.all([deps.queue.list(q, request.staff!.staffId, now), deps.queue.steps()]);
    return { view: q.view, rows, counts, steps, now: now.toISOString() };
  });

  app.post('/api/v1/staff/conversations/:id/presence', { onRequest }, async (request) => {
    const { id } = parseInput(conversationParams, request.params);
    const { viewing } = parseInput(presenceBody, request.body);
    const found = await deps.prisma.conversation.findUnique({ where: { id }, select: { id: true } });
    if (!found) throw new AppError('CONVERSATION_NOT_FOUND', { conversationId: id });
    await deps.presence.viewing(id, request.staff!, viewing);
    deps.feed.publish({ kind: 'presence', id });
    return { viewers: await deps.presence.viewers(id), renewEveryMs: PRESENCE_RENEW_MS };
  });
}
