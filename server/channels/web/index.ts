/** server/channels/web: the web chat — page, server-side sessions and their cookie, websocket, and the 'web' ChannelSender. */
export { webChatPlugin, WEB_SESSION_PATH, WEB_SOCKET_PATH, type WebChatDeps } from './webChatPlugin.js';
export { WebChannel, WebConnection, DEFAULT_LIMITS, normalizeCommand, type WebChannelLimits, type WebSessionGuard } from './webChannel.js';
export { WebSessions, readCookie, sessionCookie, TICKET_TTL_MS, TOUCH_EVERY_MS, type IssuedSession, type WebSession, type WebSessionSettings } from './webSessions.js';
