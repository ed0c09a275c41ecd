import { createHash } from 'node:crypto';
import { scrubPii } from '../logging/index.js';
import type { InboundMessage } from '../../bots/index.js';
import type { ConversationEvent } from '../../flows/index.js';

/**
 * Longest text a machine is given. Longer input (a pasted document, garbage) is cut here rather than
 * refused: the flows answer with a re-prompt, and the borrower is never left without a reply.
 */
export const MAX_EVENT_TEXT = 2_000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// NUL cannot be stored in PostgreSQL text; other control characters are noise. Tab and newlines stay.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Well-formed, storable text of at most `max` code points (emoji are never cut in half). */
export function cleanText(text: string, max = MAX_EVENT_TEXT): string {
  const clean = text.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '');
  if (clean.length <= max) return clean;
  let out = '';
  let count = 0;
  for (const ch of clean) {
    if (count++ === max) break;
    out += ch;
  }
  return out;
}

/**
 * The event's `id`: a digest of the channel and the channel's message id, so it is the same for
 * every delivery of the message (and after a restart) and short enough for idempotency keys.
 */
export const inboundEventId = (message: Pick<InboundMessage, 'channel' | 'messageId'>): string =>
  createHash('sha256').update(`${message.channel}\u0000${message.messageId}`).digest('base64url').slice(0, 22);

/** The machine event for an inbound message: `user.text`, or `user.media` for non-text content. */
export function inboundEvent(message: InboundMessage, at: number): ConversationEvent {
  const id = inboundEventId(message);
  if (message.text !== undefined && message.media === undefined) return { type: 'user.text', text: cleanText(message.text), id, at, ...(message.greeted ? { greeted: true } : {}), ...(message.origin ? { origin: message.origin } : {}) };
  return { type: 'user.media', kind: message.media ?? 'other', id, at };
}

// Six digits standing alone, however typed (full-width, spaced): what the machine takes as an SMS code.
const SMS_CODE = /(?<![0-9\uFF10-\uFF19])[0-9\uFF10-\uFF19](?:[\s\u3000-]*[0-9\uFF10-\uFF19]){5}(?![\s\u3000-]*[0-9\uFF10-\uFF19])/u;

/** Whether the text holds something an SMS code could be (the transcript then asks whether one was expected). */
export const mayHoldSmsCode = (text: string): boolean => SMS_CODE.test(text);

/**
 * How the inbound message appears in the transcript. `expectsSmsCode`: the bot's last turn asked
 * for the SMS code, so a typed 6-digit code is masked too (other numbers, like amounts, stay).
 */
export function transcriptText(event: ConversationEvent, options: { readonly expectsSmsCode?: boolean } = {}): string {
  // The transcript staff read keeps ID, phone and card numbers masked; the clear value lives only
  // in the (encrypted) snapshot until the application stores it encrypted on the borrower.
  if (event.type !== 'user.text') return event.type === 'user.media' ? `[${event.kind}]` : '';
  const text = scrubPii(event.text);
  return options.expectsSmsCode ? text.replace(new RegExp(SMS_CODE.source, 'gu'), '******') : text;
}
