/** bots/web: the web chat's websocket protocol (frames, validation) and the page's form of a message. */
export { CLOSE, FINAL_CLOSE_CODES, MAX_MESSAGE_TEXT, PROTOCOL_VERSION, closeReason } from './frames.js';
export type { ErrorCode, ErrorFrame, ReadyFrame, ServerFrame, WebMessage, WelcomeMessage } from './frames.js';
export { clientFrameSchema, clientMessageIdSchema, parseClientFrame, referralSchema } from './protocol.js';
export type { AckFrame, ClientFrame, HelloFrame, MessageFrame, ParsedFrame } from './protocol.js';
export { clientMessageIdOf, isShownToBorrower, toWebMessage, webMessageId, type StoredWebMessage } from './webMessage.js';
