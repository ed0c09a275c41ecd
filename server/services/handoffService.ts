import type { FlowEffects } from '../../flows/host.js';
import { audit, inTransaction, uuidOrNull } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

/**
 * A borrower asking for a person opens a handoff work item, supervised by `dueAt`. While one is
 * open for the conversation, asking again returns it rather than queueing a second.
 */
export function handoffEffects(ctx: ServiceContext): Pick<FlowEffects, 'requestHandoff'> {
  const { db, options } = ctx;
  return {
    async requestHandoff({ conversationId, borrowerId, reason, at }) {
      return inTransaction(db.prisma, async (tx) => {
        const open = await tx.workItem.findFirst({ where: { kind: 'handoff', conversationId, status: { in: ['open', 'assigned'] } }, select: { id: true } });
        if (open) return { workItemId: open.id };
        const item = await tx.workItem.create({
          data: { kind: 'handoff', conversationId, borrowerId: uuidOrNull(borrowerId), reason, dueAt: new Date(at + options.handoffTimeoutMs) },
        });
        await audit(tx, { actorType: 'borrower', actorId: borrowerId ?? null, action: 'handoff.requested', subjectType: 'WorkItem', subjectId: item.id, at, detail: { conversationId, reason } });
        return { workItemId: item.id };
      });
    },
  };
}
