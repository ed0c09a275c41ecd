import type { FlowEffects } from '../../flows/host.js';
import { audit, inTransaction, uuidOrNull } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

/**
 * Marketing opt-out (退订) per channel user: keyed by the conversation's channel and user when the
 * conversation is stored, by conversation id otherwise. Campaign sends read ContactPreference.
 */
export function marketingPreferenceEffects(ctx: ServiceContext): Pick<FlowEffects, 'setMarketingOptOut'> {
  const { db } = ctx;
  return {
    async setMarketingOptOut({ conversationId, borrowerId, optOut, at }) {
      await inTransaction(db.prisma, async (tx) => {
        const id = uuidOrNull(conversationId);
        const conversation = id ? await tx.conversation.findUnique({ where: { id }, select: { channel: true, externalUserId: true, borrowerId: true } }) : null;
        const where = conversation ? { channel: conversation.channel, externalUserId: conversation.externalUserId } : { conversationId };
        const data = {
          marketingOptOut: optOut,
          optedOutAt: optOut ? new Date(at) : null,
          borrowerId: uuidOrNull(borrowerId) ?? conversation?.borrowerId ?? null,
        };
        const existing = await tx.contactPreference.findFirst({ where, select: { id: true } });
        const row = existing
          ? await tx.contactPreference.update({ where: { id: existing.id }, data })
          : await tx.contactPreference.create({ data: { ...where, ...(conversation ? { conversationId } : {}), ...data } });
        await audit(tx, { actorType: 'borrower', actorId: borrowerId ?? null, action: optOut ? 'marketing.opted_out' : 'marketing.opted_in', subjectType: 'ContactPreference', subjectId: row.id, at, detail: { conversationId } });
      });
      return { ok: true };
    },
  };
}
