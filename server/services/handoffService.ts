import type { FlowEffects } from '../../flows/host.js';
import { audit, inTransaction, uuidOrNull } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

/**
 * A borrower asking for a person opens a hand-off work order (numbered, with first-response and
 * resolution deadlines in working hours). While one is open or being worked on for the
 * conversation, asking again returns it rather than queueing a second.
 */
export function handoffEffects(ctx: ServiceContext): Pick<FlowEffects, 'requestHandoff'> {
  const { db, workOrders } = ctx;
  return {
    async requestHandoff({ conversationId, borrowerId, reason, at }) {
      const opened = await inTransaction(db.prisma, async (tx) => {
        const open = await tx.workItem.findFirst({ where: { kind: 'handoff', conversationId, status: { in: ['open', 'assigned', 'in_progress'] } }, select: { id: true } });
        if (open) return { workItemId: open.id, isNew: false };
        const item = await workOrders.openIn(tx, { kind: 'handoff', conversationId, borrowerId, reason }, at, { type: 'borrower', borrowerId: uuidOrNull(borrowerId) });
        await audit(tx, { actorType: 'borrower', actorId: borrowerId ?? null, action: 'handoff.requested', subjectType: 'WorkItem', subjectId: item.id, at, detail: { conversationId, reason, number: item.number } });
        return { workItemId: item.id, isNew: true };
      });
      if (opened.isNew) workOrders.announce(opened.workItemId);
      return { workItemId: opened.workItemId };
    },
  };
}
