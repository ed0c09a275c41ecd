import type { Logger } from 'pino';
import { customServiceMessage, renderForOfficialAccount, type OfficialAccountRenderOptions } from '../../../bots/officialAccount/index.js';
import type { Clock } from '../../clock.js';
import type { PrismaClient } from '../../db/index.js';
import { AppError } from '../../errors.js';
import type { ChannelSender, DeliveryTarget, StoredReply } from '../../runtime/index.js';
import type { OfficialAccountApi } from './officialAccountApi.js';
import type { PassiveReplies } from './passiveReplies.js';

/** WeChat lets an account send customer-service messages for 48 hours after the person's last action. */
export const CUSTOMER_SERVICE_WINDOW_MS = 48 * 3_600_000;

/** errcodes after which trying again cannot help: the message is marked failed at once. */
export const UNDELIVERABLE_ERRCODES: Readonly<Record<number, string>> = {
  40003: 'the openid is not a follower of this account',
  43004: 'the person does not follow the account',
  43019: 'the person has blocked the account',
  45015: 'outside the customer-service window, or the person unsubscribed',
  45047: 'the customer-service message allowance for this interaction is used up',
};

export interface OfficialAccountSenderOptions {
  readonly api: Pick<OfficialAccountApi, 'sendCustomMessage'>;
  readonly prisma: PrismaClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Shared with the callback route: replies it answered passively are not sent again. */
  readonly passive?: PassiveReplies;
  readonly render?: OfficialAccountRenderOptions;
  readonly windowMs?: number;
}

/**
 * Delivers the official account's outbox through the customer-service message API. Only inside
 * the 48-hour window after the person's last interaction (Conversation.lastInboundAt); outside it,
 * or when WeChat answers that the person can no longer be reached, the message is marked `failed`
 * with the reason and the sender resolves, so the outbox neither retries it nor holds back the
 * conversation's later messages (its `delivered` update only touches pending rows). Other failures
 * throw and are retried with backoff. A long reply is sent in several text messages; the pieces
 * already accepted are remembered, so a retry continues where it stopped.
 */
export function createOfficialAccountSender(options: OfficialAccountSenderOptions): ChannelSender {
  const windowMs = options.windowMs ?? CUSTOMER_SERVICE_WINDOW_MS;
  const { prisma, clock, logger } = options;
  /** Reply id → pieces already accepted by WeChat (bounded: entries go when the reply completes). */
  const progress = new Map<string, number>();

  async function undeliverable(target: DeliveryTarget, reply: StoredReply, reason: string, errcode?: number): Promise<void> {
    await prisma.message.updateMany({
      where: { id: reply.id, deliveryStatus: 'pending' },
      data: { deliveryStatus: 'failed', deliveryError: `undeliverable: ${reason}`.slice(0, 500), nextAttemptAt: null },
    });
    progress.delete(reply.id);
    logger.warn({ conversationId: target.conversationId, messageId: reply.id, reason, ...(errcode === undefined ? {} : { errcode }) }, 'official-account message undeliverable; not retried');
  }

  return {
    channel: 'official_account',
    async send(target, reply) {
      if (target.chatId) return undeliverable(target, reply, 'official accounts have no group chats');
      if (options.passive && (await options.passive.settle(target.userId, reply.id)) === 'passive') return;

      const conversation = await prisma.conversation.findUnique({ where: { id: target.conversationId }, select: { lastInboundAt: true } });
      const last = conversation?.lastInboundAt?.getTime();
      if (last === undefined || clock.now().getTime() - last > windowMs) {
        return undeliverable(target, reply, `outside the ${Math.round(windowMs / 3_600_000)}-hour customer-service window since the person's last message`);
      }

      const messages = renderForOfficialAccount(reply, options.render);
      for (let i = progress.get(reply.id) ?? 0; i < messages.length; i++) {
        const result = await options.api.sendCustomMessage(customServiceMessage(target.userId, messages[i]!));
        if (result.ok) {
          progress.set(reply.id, i + 1);
          // Replies the outbox gave up on mid-way are never completed: keep the memory bounded.
          if (progress.size > 10_000) progress.delete(progress.keys().next().value!);
          continue;
        }
        const permanent = UNDELIVERABLE_ERRCODES[result.errcode];
        if (permanent) return undeliverable(target, reply, permanent, result.errcode);
        throw new AppError('WECHAT_API_FAILED', { api: 'message/custom/send', reason: `errcode ${result.errcode} ${result.errmsg}`.trim() });
      }
      progress.delete(reply.id);
    },
  };
}
