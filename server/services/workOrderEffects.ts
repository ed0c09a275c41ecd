import type { FlowEffects, WorkOrderStatus } from '../../flows/host.js';
import type { BorrowerWorkOrder } from '../workOrders/index.js';
import { idempotencyRow, inTransaction, isUniqueViolation, recalled, uuidOrNull } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

/** A work order as its borrower may follow it: by when they hear back while nobody has answered, by when it is resolved while open. */
export function workOrderStatus(o: BorrowerWorkOrder): WorkOrderStatus {
  const open = o.status !== 'resolved' && o.status !== 'closed';
  return {
    number: o.number,
    kind: o.kind,
    status: o.status,
    createdAt: o.createdAt,
    ...(open && o.firstRespondedAt === null && o.firstResponseDueAt !== null ? { respondBy: o.firstResponseDueAt } : {}),
    ...(open ? { resolveBy: o.dueAt } : {}),
    ...(!open && o.resolvedAt !== null ? { resolvedAt: o.resolvedAt } : {}),
  };
}

/**
 * Complaints (投诉), requests for the collection staff (转人工 answering a reminder) and the
 * borrower's questions about their work orders. A complaint or collection request opens its work
 * order (deadlines in working hours) once per message: the answer is stored under the message's key
 * in the same transaction, so a redelivered message gets the same number and opens nothing.
 */
export function workOrderEffects(ctx: ServiceContext): Pick<FlowEffects, 'openComplaint' | 'openCollectionOrder' | 'workOrderStatus'> {
  const { db, workOrders } = ctx;
  /** Opens a work order of `kind` once per request key (the scope keeps complaints and collection requests apart). */
  async function openOnce(kind: 'complaint' | 'collection', fallbackTitle: string, { conversationId, borrowerId, text, requestKey, at }: { conversationId: string; borrowerId?: string; text: string; requestKey: string; at: number }): Promise<WorkOrderStatus> {
    const scope = kind;
    try {
      const opened = await inTransaction(db.prisma, async (tx): Promise<{ status: WorkOrderStatus; id?: string }> => {
        const before = await recalled<WorkOrderStatus>(tx, scope, requestKey);
        if (before) return { status: before };
        const words = text.trim() || fallbackTitle;
        const item = await workOrders.openIn(tx, { kind, conversationId, borrowerId, title: words.slice(0, 40), reason: words }, at, { type: 'borrower', borrowerId: uuidOrNull(borrowerId) });
        const status = workOrderStatus({ number: item.number!, kind: item.kind, status: item.status, createdAt: at, firstResponseDueAt: item.firstResponseDueAt?.getTime() ?? null, firstRespondedAt: null, dueAt: item.dueAt.getTime(), resolvedAt: null });
        await tx.idempotencyRecord.create({ data: { ...idempotencyRow(scope, requestKey, status, new Date(at)), result: status as object } });
        return { status, id: item.id };
      });
      if (opened.id) workOrders.announce(opened.id);
      return opened.status;
    } catch (e) {
      // The same message handled twice at once: the other one opened it.
      const other = isUniqueViolation(e) ? await recalled<WorkOrderStatus>(db.raw, scope, requestKey) : null;
      if (other) return other;
      throw e;
    }
  }
  return {
    openComplaint: (input) => openOnce('complaint', '投诉', input),
    openCollectionOrder: (input) => openOnce('collection', '还款咨询（回复提醒转人工）', input),

    async workOrderStatus({ conversationId, borrowerId, number }) {
      const who = { conversationId, ...(borrowerId ? { borrowerId } : {}) };
      if (number !== undefined) {
        const one = await workOrders.borrowerOrderByNumber(number, who);
        return { orders: one ? [workOrderStatus(one)] : [] };
      }
      return { orders: (await workOrders.forBorrower(who)).map(workOrderStatus) };
    },
  };
}
