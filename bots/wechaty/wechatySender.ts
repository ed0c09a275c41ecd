import type { Logger } from 'pino';
import type { Wechaty } from 'wechaty';
import type { Reply } from '../../flows/index.js';
import { renderForWechat } from './renderForWechat.js';

/** Where a reply goes: the person, and the room for a group conversation ('' in a private chat). */
export interface WechatTarget {
  readonly conversationId: string;
  readonly userId: string;
  readonly chatId: string;
}

/** A stored reply: its id makes a repeated delivery recognisable. */
export type OutgoingReply = Reply & { readonly id: string };

/** The runtime's `ChannelSender` for channel 'wechat' (structurally; bots/ does not import server/). */
export interface WechatySender {
  readonly channel: 'wechat';
  send(target: WechatTarget, reply: OutgoingReply): Promise<void>;
}

export interface WechatySenderOptions {
  readonly bot: Pick<Wechaty, 'isLoggedIn' | 'Contact' | 'Room'>;
  /** Base of relative links and of the web chat the group notice points to. */
  readonly baseUrl: string;
  readonly logger: Pick<Logger, 'warn' | 'debug'>;
  /** How many delivered reply ids are remembered, so a retried delivery is not sent twice. */
  readonly remember?: number;
}

/** Thrown to have the outbox retry later: not logged in, or the contact or room cannot be found. */
export class WechatDeliveryError extends Error {
  override readonly name = 'WechatDeliveryError';
  readonly code = 'WECHAT_DELIVERY_FAILED';
}

/**
 * Sends replies as text through the logged-in account: to the contact in a private chat, into the
 * room (with an @-mention of the person) in a group. Resolves once the puppet accepted the message
 * and throws to be retried. WeChat cannot deduplicate, so delivered reply ids are remembered and a
 * retry of one (sent, but not marked delivered) is not sent again by this process.
 */
export function createWechatySender(options: WechatySenderOptions): WechatySender {
  const { bot, baseUrl, logger } = options;
  const limit = options.remember ?? 10_000;
  const delivered = new Set<string>();

  return {
    channel: 'wechat',
    async send(target, reply) {
      if (delivered.has(reply.id)) return;
      if (!bot.isLoggedIn) throw new WechatDeliveryError('the WeChat account is not logged in');
      const group = target.chatId !== '';
      const rendered = renderForWechat(reply, { group, baseUrl });
      if (rendered.withheld) {
        // Never the reply's text: it is what must not leak.
        logger.warn({ conversationId: target.conversationId, replyId: reply.id, reason: rendered.withheld }, 'a reply with personal data was withheld from a WeChat group; a notice was sent instead');
      }
      if (group) {
        const room = await bot.Room.find({ id: target.chatId });
        if (!room) throw new WechatDeliveryError('the WeChat group cannot be found (is the account still a member?)');
        const member = await bot.Contact.find({ id: target.userId });
        await (member ? room.say(rendered.text, member) : room.say(rendered.text));
      } else {
        const contact = await bot.Contact.find({ id: target.userId });
        if (!contact) throw new WechatDeliveryError('the WeChat contact cannot be found');
        await contact.say(rendered.text);
      }
      delivered.add(reply.id);
      if (delivered.size > limit) delivered.delete(delivered.values().next().value!);
      logger.debug({ conversationId: target.conversationId, replyId: reply.id, group }, 'WeChat message sent');
    },
  };
}
