import { shanghaiDateOf } from '../../core/index.js';
import type { AccountView, WorkOrderStatus } from '../host.js';
import type { Reply } from '../reply.js';
import { yuan } from '../shared/cards.js';
import { t, type Locale } from '../text/translate.js';

const HOUR = 3_600_000;

/** "2026-11-23 10:00", Shanghai time. */
const shanghaiDateTime = (at: number): string => `${shanghaiDateOf(at)} ${new Date(at + 8 * HOUR).toISOString().slice(11, 16)}`;

/**
 * "进度": where the borrower's application stands and what happens next, from the host's account
 * view. Empty when there is none to tell (the caller shows the lines, or says there is nothing).
 */
export function statusReplies(view: AccountView, locale: Locale): Reply[] {
  const replies: Reply[] = [];
  const app = view.application;
  if (!app) return replies;
  const date = shanghaiDateOf(app.submittedAt);
  switch (app.status) {
    case 'under_review': {
      const when = app.reviewDueAt !== undefined ? t(locale, 'status.reviewBy', { at: shanghaiDateTime(app.reviewDueAt) }) : t(locale, 'status.reviewSoon');
      replies.push({ text: t(locale, 'status.underReview', { date, when }), sensitive: true });
      break;
    }
    case 'offer_pending':
      if (view.pendingOffer)
        replies.push({
          text: t(locale, 'status.offerPending', { limit: yuan(view.pendingOffer.limit), expires: shanghaiDateOf(view.pendingOffer.offerExpiresAt) }),
          options: [{ label: t(locale, 'status.confirmOffer'), value: 'apply' }],
          sensitive: true,
        });
      break;
    case 'submitted':
      replies.push({ text: t(locale, 'status.submitted', { date }), options: [{ label: t(locale, 'common.continue'), value: 'apply' }], sensitive: true });
      break;
    case 'declined':
      replies.push({ text: t(locale, 'status.declined', { date }), options: [{ label: t(locale, 'menu.human'), value: '转人工' }], sensitive: true });
      break;
  }
  return replies;
}

/** "我的工单" (and "进度" when some are open): one line per work order, its number, what it is, where it stands and by when. */
export function workOrderReply(orders: readonly WorkOrderStatus[], locale: Locale): Reply {
  if (!orders.length) return { text: t(locale, 'workOrder.none') };
  const lines = orders.map((o) => {
    const when =
      o.resolvedAt !== undefined
        ? t(locale, 'workOrder.resolvedAt', { at: shanghaiDateTime(o.resolvedAt) })
        : o.respondBy !== undefined
          ? t(locale, 'workOrder.respondBy', { at: shanghaiDateTime(o.respondBy) })
          : o.resolveBy !== undefined
            ? t(locale, 'workOrder.resolveBy', { at: shanghaiDateTime(o.resolveBy) })
            : '';
    return t(locale, 'workOrder.item', { number: o.number, kind: t(locale, `workOrder.kind.${o.kind}`), status: t(locale, `workOrder.status.${o.status}`), when });
  });
  return { text: [t(locale, 'workOrder.header'), ...lines].join('\n') };
}

/** A complaint just opened: its number, and by when the borrower hears back and has the outcome. */
export const complaintOpenedReply = (order: WorkOrderStatus, locale: Locale): Reply => ({
  text: t(locale, 'complaint.opened', { number: order.number, respondBy: shanghaiDateTime(order.respondBy ?? order.createdAt), resolveBy: shanghaiDateTime(order.resolveBy ?? order.createdAt) }),
  options: [{ label: t(locale, 'complaint.check'), value: 'my work order' }],
});

/** "进度" from someone the conversation does not know yet: a saved draft, or nothing. */
export const statusBeforeApplying = (locale: Locale, hasDraft: boolean): Reply =>
  hasDraft ? { text: t(locale, 'status.draft'), options: [{ label: t(locale, 'common.continue'), value: 'apply' }] } : { text: t(locale, 'status.none'), options: [{ label: t(locale, 'menu.apply'), value: 'apply' }] };

/** "进度" asked in the middle of a sub-flow: where that stands (the sub-flow's question follows). */
export function statusInFlow(child: 'application' | 'consent' | 'offer' | 'drawdown' | 'repayment' | 'renewal', locale: Locale): string {
  switch (child) {
    case 'application':
      return t(locale, 'status.inApplication');
    case 'consent':
      return t(locale, 'status.inAuthorisation');
    case 'offer':
      return t(locale, 'status.inOffer');
    default:
      return t(locale, 'status.hasLine');
  }
}
