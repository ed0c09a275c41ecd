import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { PrismaClient } from '../db/index.js';
import { AppError } from '../errors.js';
import type { StaffAuth } from '../http/staffAuth.js';
import type { ConsoleFeed } from './consoleFeed.js';
import { queueQuery, type ConversationQueue } from './conversationQueue.js';
import { PRESENCE_RENEW_MS, type Presence } from './presence.js';
import { STAFF_SECURITY, doc } from '../http/apiSchemas.js';

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
  const api = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = deps.auth.require('agent', 'supervisor');

  api.get('/api/v1/staff/queue', { onRequest, schema: { ...doc('console', 'The console’s queue: conversations waiting and who holds them · 待办队列', STAFF_SECURITY, 'Roles: agent, supervisor.'), querystring: queueQuery } }, async (request) => {
    const q = request.query;
    const now = deps.clock.now();
    const [{ rows, counts }, steps] = await Promise.all([deps.queue.list(q, request.staff!.staffId, now), deps.queue.steps()]);
    return { view: q.view, rows, counts, steps, now: now.toISOString() };
  });

  api.post('/api/v1/staff/conversations/:id/presence', { onRequest, schema: { ...doc('console', 'Tell others this agent is looking at a conversation · 在线状态', STAFF_SECURITY, 'Roles: agent, supervisor.'), params: conversationParams, body: presenceBody } }, async (request) => {
    const { id } = request.params;
    const { viewing } = request.body;
    const found = await deps.prisma.conversation.findUnique({ where: { id }, select: { id: true } });
    if (!found) throw new AppError('CONVERSATION_NOT_FOUND', { conversationId: id });
    await deps.presence.viewing(id, request.staff!, viewing);
    deps.feed.publish({ kind: 'presence', id });
    return { viewers: await deps.presence.viewers(id), renewEveryMs: PRESENCE_RENEW_MS };
  });
}
