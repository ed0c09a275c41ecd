import type { Message } from 'wechaty';
import type { InboundMessage } from '../inbound.js';
import { addressingOf, type AddressedBy } from './addressing.js';
import { messageKindOf, WECHATY_CONTACT_TYPE_OFFICIAL } from './messageKinds.js';

export interface InboundContext {
  /** Names the bot answers to in groups besides an @-mention: configured keywords and its WeChat name. */
  readonly names: readonly string[];
  /** Now, in epoch ms: older messages (a puppet replaying history after a login) are skipped. */
  readonly now: number;
  /** How old a message may be and still be answered. */
  readonly maxAgeMs: number;
}

/** Why a message produces no inbound message at all. */
export type SkipReason = 'self' | 'official_account' | 'not_conversational' | 'stale';

export type Translation =
  | { readonly kind: 'inbound'; readonly message: InboundMessage; readonly addressedBy?: AddressedBy }
  | { readonly kind: 'skip'; readonly reason: SkipReason };

/**
 * A wechaty message as the neutral inbound message: a contact's private message, or a room message
 * with `chatId` the room and `addressed` telling whether it was meant for the bot. The bot's own
 * messages, official-account pushes, recalls, system notices and stale replays are skipped.
 */
export async function toInboundMessage(message: Message, ctx: InboundContext): Promise<Translation> {
  if (message.self()) return { kind: 'skip', reason: 'self' };
  const talker = message.talker();
  if (talker.type() === WECHATY_CONTACT_TYPE_OFFICIAL) return { kind: 'skip', reason: 'official_account' };
  if (ctx.now - message.date().getTime() > ctx.maxAgeMs) return { kind: 'skip', reason: 'stale' };
  const kind = messageKindOf(message.type());
  if (kind.kind === 'none') return { kind: 'skip', reason: 'not_conversational' };

  const room = message.room();
  const base = { channel: 'wechat' as const, userId: talker.id, messageId: message.id };
  if (!room) {
    const inbound: InboundMessage = kind.kind === 'text' ? { ...base, text: message.text() } : { ...base, media: kind.media };
    return { kind: 'inbound', message: inbound };
  }
  // In a room only text can address the bot; media is passed on unaddressed (the runtime ignores it).
  if (kind.kind === 'media') return { kind: 'inbound', message: { ...base, chatId: room.id, media: kind.media, addressed: false } };
  const mentioned = await message.mentionSelf();
  const text = mentioned ? await message.mentionText() : message.text();
  const addressing = addressingOf(text, { mentioned, names: ctx.names });
  return {
    kind: 'inbound',
    message: { ...base, chatId: room.id, text: addressing.text, addressed: addressing.addressed },
    ...(addressing.by ? { addressedBy: addressing.by } : {}),
  };
}
