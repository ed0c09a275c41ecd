/** server/console: the staff console — its page, the live feed, the queue and conversation workspace APIs. */
export { consolePlugin, CONSOLE_PATH } from './consolePlugin.js';
export { ConsoleFeed, CONSOLE_PUSH_CHANNEL, feedEventSchema, type ConsoleFeedEvent, type FeedKind } from './consoleFeed.js';
export { consoleTurnRecorder } from './conversationProjection.js';
export { installConsole, type ConsoleDeps } from './installConsole.js';
export { ConversationQueue, queueQuery, QUEUE_VIEWS, type QueueRow, type QueueCounts, type QueueQuery } from './conversationQueue.js';
export { Presence, PRESENCE_RENEW_MS, PRESENCE_TTL_MS, type Viewer } from './presence.js';
export { FEED_PATH, FEED_ROLES } from './feedRoutes.js';
export { ConversationOwnership, type Holder } from './ownership.js';
