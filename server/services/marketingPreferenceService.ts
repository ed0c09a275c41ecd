import type { FlowEffects } from '../../flows/host.js';
import { audit, inTransaction, uuidOrNull } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

/**
 * Marketing opt-out (退订) and back in (恢复推送), per channel user: keyed by the conversation's channel
 * and user when the conversation is stored, by conversation id otherwise. The row carries the
 * borrower when the conversation knows them, so one 退订 stops marketing on every channel of that
 * person (server/studio/marketingOptOut.ts reads it); opting back in clears every opted-out row of
 * the person. Rows are kept (optedOutAt, updatedAt) and every change is audited.
 */
export function marketingPreferenceEffects(ctx: ServiceContext): Pick<FlowEffects, 'setMarketingOptOut'> {
  const { db } = ctx;
  return {
    async setMarketingOptOut({ conversationId, borrowerId, optOut, at }) {
      await inTransaction(db.prisma, async (tx) => {
        const id = uuidOrNull(conversationId);
        const conversation = id ? await tx.conversation.findUnique({ where: { id }, select: { channel: true, externalUserId: true, borrowerId: true } }) : null;
        const where = conversation ? { channel: conversation.channel, externalUserId: conversation.externalUserId } : { conversationId };
        const person = uuidOrNull(borrowerId) ?? conversation?.borrowerId ?? null;
        const data = { marketingOptOut: optOut, optedOutAt: optOut ? new Date(at) : null, ...(person ? { borrowerId: person } : {}) };
        const existing = await tx.contactPreference.findFirst({ where, select: { id: true } });
        const row = existing
          ? await tx.contactPreference.update({ where: { id: existing.id }, data })
          : await tx.contactPreference.create({ data: { ...where, ...(conversation ? { conversationId } : {}), ...data } });
        const action = optOut ? 'marketing.opted_out' : 'marketing.opted_in';
        const detail = { conversationId, channel: conversation?.channel ?? null };
        await audit(tx, { actorType: 'borrower', actorId: person, action, subjectType: 'ContactPreference', subjectId: row.id, at, detail });
        if (optOut) return;
        // Back in: the person's opt-outs said elsewhere (their other channels, or this user's earlier rows) are lifted too, each audited.
        const sameUser = conversation ? [{ channel: conversation.channel, externalUserId: conversation.externalUserId }] : [];
        const users = await tx.conversation.findMany({ where: { OR: [...(person ? [{ borrowerId: person }] : []), ...sameUser] }, select: { id: true, channel: true, externalUserId: true } });
        if (!person && !users.length) return;
        const others = await tx.contactPreference.findMany({
          where: {
            marketingOptOut: true,
            id: { not: row.id },
            OR: [...(person ? [{ borrowerId: person }] : []), ...users.map((u) => ({ channel: u.channel, externalUserId: u.externalUserId })), { conversationId: { in: users.map((u) => u.id) } }],
          },
          select: { id: true },
        });
        for (const other of others) {
          await tx.contactPreference.update({ where: { id: other.id }, data: { marketingOptOut: false, optedOutAt: null } });
          await audit(tx, { actorType: 'borrower', actorId: person, action, subjectType: 'ContactPreference', subjectId: other.id, at, detail: { ...detail, via: row.id } });
        }
      });
      return { ok: true };
    },
  };
}
