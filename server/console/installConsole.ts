import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { Database } from '../db/index.js';
import type { StaffAuth } from '../http/staffAuth.js';
import { consolePlugin } from './consolePlugin.js';
import { ConversationQueue } from './conversationQueue.js';
import { feedRoutes } from './feedRoutes.js';
import { Presence } from './presence.js';
import { ConversationOwnership } from './ownership.js';
import { queueRoutes } from './queueRoutes.js';
import { workspaceRoutes } from './workspaceRoutes.js';

export interface ConsoleDeps {
  readonly auth: StaffAuth;
  readonly db: Database;
  readonly clock: Clock;
  readonly heartbeatMs?: number | undefined;
}

/**
 * The staff console on the app: its page at /console, the live feed (`app.consoleFeed`, decorated
 * by buildApp), the queue and presence routes, and the conversation page's transcript, context,
 * notes and canned replies (take over, reply and hand back are the hand-off API's, staffRoutes).
 */
export async function installConsole(app: FastifyInstance, deps: ConsoleDeps) {
  const { prisma } = deps.db;
  const queue = new ConversationQueue(prisma);
  const presence = new Presence(prisma, deps.clock);
  await consolePlugin(app);
  const feed = feedRoutes(app, { feed: app.consoleFeed, queue, presence, auth: deps.auth, prisma, clock: deps.clock, ...(deps.heartbeatMs ? { heartbeatMs: deps.heartbeatMs } : {}) });
  queueRoutes(app, { queue, presence, feed: app.consoleFeed, auth: deps.auth, prisma, clock: deps.clock });
  workspaceRoutes(app, { prisma, clock: deps.clock, auth: deps.auth, queue, ownership: new ConversationOwnership(prisma) });
  return { queue, presence, feed };
}
