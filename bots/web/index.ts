/** bots/web: the web chat's websocket protocol (frames, validation) and the page's form of a message. */
export { CLOSE, FINAL_CLOSE_CODES, LOGOUT_PATH, MAX_MESSAGE_TEXT, PROTOCOL_VERSION, SESSION_RENEW_PATH, closeReason } from './frames.js';
export type { ErrorCode, ErrorFrame, LoggedOutFrame, ReadyFrame, ServerFrame, SessionFrame, WebMessage, WelcomeMessage } from './frames.js';
export { clientFrameSchema, clientMessageIdSchema, parseClientFrame, referralSchema, sessionRenewSchema } from './protocol.js';
export type { AckFrame, ClientFrame, HelloFrame, MessageFrame, ParsedFrame, SessionRenewRequest } from './protocol.js';
export { clientMessageIdOf, isShownToBorrower, toWebMessage, webMessageId, type StoredWebMessage } from './webMessage.js';
