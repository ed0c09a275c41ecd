import { z } from 'zod';
import { CLOSE, closeReason, MAX_MESSAGE_TEXT, PROTOCOL_VERSION } from './frames.js';

/**
 * The web chat's websocket protocol (docs/websocket-protocol.md): JSON text frames. The client says
 * `hello` with the last sequence number it has shown, sends `message`s with its own ids and `ack`s
 * what it has shown; the server answers with every message of the conversation after that sequence
 * number, in order, then `ready`, and pushes later messages as they are stored. The server's frames
 * and the constants are in frames.ts, free of zod, so the page can import them.
 */
const locale = z.enum(['zh', 'en']);
const seq = z.number().int().min(0).max(2 ** 31 - 1);
/** Manager or campaign code from `/?ref=`: URL-safe, short. */
export const referralSchema = z.string().regex(/^[A-Za-z0-9_.~-]{1,64}$/, 'must be 1-64 URL-safe characters');
/** A client message id: unique per session; a resent message carries the same one. */
export const clientMessageIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');

const hello = z.strictObject({
  type: z.literal('hello'),
  v: z.literal(PROTOCOL_VERSION),
  /** The highest sequence number the client has shown; 0 for a fresh page. */
  lastSeq: seq,
  locale: locale.optional(),
  referral: referralSchema.optional(),
});

const message = z.strictObject({
  type: z.literal('message'),
  id: clientMessageIdSchema,
  text: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_MESSAGE_TEXT, `must be at most ${MAX_MESSAGE_TEXT} characters`)
    .refine((t) => t.trim().length > 0, 'must not be blank'),
  locale: locale.optional(),
});

const ack = z.strictObject({
  type: z.literal('ack'),
  /** Everything up to and including this sequence number has been shown. */
  seq,
});

/** The body of POST SESSION_RENEW_PATH: the ticket of a `session` frame (256 bits, base64url). */
export const sessionRenewSchema = z.strictObject({ ticket: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be the ticket of a session frame') });
export type SessionRenewRequest = z.infer<typeof sessionRenewSchema>;

export const clientFrameSchema = z.discriminatedUnion('type', [hello, message, ack]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type HelloFrame = z.infer<typeof hello>;
export type MessageFrame = z.infer<typeof message>;
export type AckFrame = z.infer<typeof ack>;

export type ParsedFrame = { readonly ok: true; readonly frame: ClientFrame } | { readonly ok: false; readonly code: number; readonly reason: string };

/** Parses one text frame; a failure names the close code and a reason for the client. */
export function parseClientFrame(data: string): ParsedFrame {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, code: CLOSE.INVALID_FRAME, reason: 'invalid frame: not JSON' };
  }
  const result = clientFrameSchema.safeParse(json);
  if (result.success) return { ok: true, frame: result.data };
  const issue = result.error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : 'frame';
  return { ok: false, code: CLOSE.INVALID_FRAME, reason: closeReason(`invalid frame: ${where}: ${issue.message}`) };
}
