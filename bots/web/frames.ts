import type { Card, ReplyOption } from '../../flows/index.js';

/**
 * The frames of the web chat's websocket protocol and its constants, without validation code: the
 * page imports this file, the server validates client frames with protocol.ts.
 */
export const PROTOCOL_VERSION = 1;

/** Longest text of one borrower message (the runtime hands the machine at most this much). */
export const MAX_MESSAGE_TEXT = 2_000;

/** Close codes the server uses; the client reconnects after all but the ones marked final. */
export const CLOSE = {
  /** Server shutting down or restarting: reconnect. */
  GOING_AWAY: 1001,
  /** A binary frame. Final. */
  UNSUPPORTED_DATA: 1003,
  /** A text frame that is not JSON, or not a frame of this protocol. Final. */
  INVALID_FRAME: 1007,
  /** Rate limit exceeded after a warning, or frames out of order (a message before hello). Reconnect after a pause. */
  POLICY: 1008,
  /** A frame larger than the limit. Final. */
  TOO_BIG: 1009,
  /** An unexpected server error: reconnect. */
  INTERNAL: 1011,
  /** This session opened more sockets than allowed: the oldest is closed. Final for that tab. */
  SUPERSEDED: 4001,
  /** No hello within the allowed time. Reconnect. */
  HELLO_TIMEOUT: 4002,
  /** The borrower logged out (on this page, another tab, or by typing 退出). Final: the page says so and offers to start again. */
  LOGGED_OUT: 4003,
} as const;

/** Codes after which a client should not reconnect by itself (it would only repeat the fault). */
export const FINAL_CLOSE_CODES: readonly number[] = [CLOSE.UNSUPPORTED_DATA, CLOSE.INVALID_FRAME, CLOSE.TOO_BIG, CLOSE.SUPERSEDED, CLOSE.LOGGED_OUT];

/** Where the page exchanges a renewal ticket for its new session cookie (POST `{ ticket }`). */
export const SESSION_RENEW_PATH = '/api/web/session/renew';
/** Where the page logs out (POST, no body). */
export const LOGOUT_PATH = '/api/web/logout';

/** A message of the conversation as the page shows it. */
export interface WebMessage {
  readonly type: 'message';
  readonly seq: number;
  /** The stored message's id. */
  readonly id: string;
  readonly author: 'borrower' | 'bot' | 'staff';
  /** On a staff member's message: their display name ('' when not known). */
  readonly senderName?: string;
  readonly text: string;
  /** ISO time the message was stored. */
  readonly at: string;
  /** On the borrower's own messages: the id the client gave it. */
  readonly clientMessageId?: string;
  readonly options?: readonly ReplyOption[];
  readonly card?: Card;
  /** What the next answer is: the page masks an ID number as it is typed. */
  readonly expects?: 'id_number' | 'mobile' | 'otp' | 'amount' | 'text';
}

export interface ReadyFrame {
  readonly type: 'ready';
  readonly v: typeof PROTOCOL_VERSION;
  /** The conversation's last sequence number (0: nothing said yet). A client holding more is on another conversation. */
  readonly lastSeq: number;
  /**
   * The messages that follow are those after this sequence number: the hello's lastSeq, or 0 when the
   * client had more than the conversation holds (it was on another one: clear the page), or the start
   * of the latest history on a fresh page of a long conversation.
   */
  readonly resumeFrom: number;
  /** A short, stable tag of the session's user: a different one means a new session (the cookie expired). */
  readonly session: string;
  readonly limits: { readonly maxFrameBytes: number; readonly ratePerSec: number; readonly rateBurst: number; readonly maxText: number };
  /**
   * Only when the conversation has no message yet: the assistant's greeting with the main menu, in
   * both languages, for the page to show before the borrower writes. Messages this socket sends
   * afterwards count as greeted, so the assistant does not greet a second time.
   */
  readonly welcome?: Readonly<Record<'zh' | 'en', WelcomeMessage>>;
}

/** The greeting a page shows before the first message. */
export interface WelcomeMessage {
  readonly text: string;
  readonly options: readonly ReplyOption[];
}

export type ErrorCode = 'rate_limited' | 'busy' | 'turn_failed' | 'unavailable' | 'invalid';

export interface ErrorFrame {
  readonly type: 'error';
  readonly code: ErrorCode;
  /** English, for logs and developers; the page shows its own text per code. */
  readonly message: string;
  /** The message this error is about: it was not processed and may be sent again (same id). */
  readonly clientMessageId?: string;
  readonly retryAfterMs?: number;
}

/**
 * The session was renewed (the borrower verified an SMS code): the page POSTs the ticket to
 * SESSION_RENEW_PATH at once, which sets the new session cookie; the old cookie no longer works.
 * Single use, valid for a minute. The socket itself goes on.
 */
export interface SessionFrame {
  readonly type: 'session';
  readonly ticket: string;
}

/** The borrower logged out by typing 退出 / logout: what to show; the socket then closes with 4003. */
export interface LoggedOutFrame {
  readonly type: 'logged_out';
  readonly text: string;
}

export type ServerFrame = WebMessage | ReadyFrame | ErrorFrame | SessionFrame | LoggedOutFrame;

/** Close reasons must fit a control frame (123 bytes). */
export function closeReason(text: string): string {
  const encoder = new TextEncoder();
  let out = text;
  while (encoder.encode(out).length > 123) out = out.slice(0, -1);
  return out;
}

