/** server/channels/web: the web chat — page, session cookie, websocket, and the 'web' ChannelSender. */
export { webChatPlugin, WEB_SESSION_PATH, WEB_SOCKET_PATH, type WebChatDeps } from './webChatPlugin.js';
export { WebChannel, WebConnection, DEFAULT_LIMITS, type WebChannelLimits } from './webChannel.js';
export { SessionTokens, readCookie, sessionCookie, type WebSession } from './sessionToken.js';
export { buildWebAssets, sharedWebAssets, WEB_CHAT_DIR, type WebAssets } from './webAssets.js';
