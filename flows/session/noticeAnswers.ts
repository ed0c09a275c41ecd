import { shanghaiDateOf } from '../../core/index.js';
import type { AccountView, WorkOrderStatus } from '../host.js';
import { NOTICE_ANSWERS } from '../notices/noticeCatalog.js';
import type { Reply } from '../reply.js';
import { yuan } from '../shared/cards.js';
import { t, type Locale } from '../text/translate.js';
import { normalizeText } from '../understanding/normalizeText.js';

/** What the borrower may answer a reminder with, besides 还款 (which opens the repayment). */
export type NoticeAnswer = 'paid' | 'human';

const PAID_WORDS = /^(已还|已还款|已经还了|已经还款|我已还款|我已经还了|我已经还款了|还了|paid|ipaid|ihavepaid|alreadypaid)$/;

/** 已还 (its option, or in words) or 转人工 tapped on a notice; undefined for anything else. */
export function noticeAnswerOf(said: string): NoticeAnswer | undefined {
  if (said === NOTICE_ANSWERS.paid || PAID_WORDS.test(normalizeText(said).replace(/[\s']/g, ''))) return 'paid';
  if (said === NOTICE_ANSWERS.human) return 'human';
  return undefined;
}

/**
 * 已还: the instalment the notice was about is paid when its drawdown is settled, or owes nothing
 * now and its next due date is past the noticed one. Else it has not arrived (yet): how long
 * transfers take, and what is owed now.
 */
export function paidReply(view: AccountView, notice: { readonly drawdownId?: string; readonly dueDate?: string } | undefined, locale: Locale, atMenu = false): Reply {
  const drawdowns = view.lines.flatMap((l) => l.drawdowns);
  const noticed = notice?.drawdownId ? drawdowns.find((d) => d.drawdownId === notice.drawdownId) : undefined;
  const owedNow = noticed ? noticed.dueNow : view.lines.reduce((s, l) => s + l.dueNow, 0);
  const stillNext = noticed?.nextDue && notice?.dueDate !== undefined && noticed.nextDue.date <= notice.dueDate;
  const paid = noticed ? noticed.status === 'settled' || (noticed.dueNow === 0 && !stillNext) : owedNow === 0;
  if (paid) {
    const next = noticed?.status === 'active' && noticed.nextDue ? t(locale, 'notice.paid.next', { date: noticed.nextDue.date, amount: yuan(noticed.nextDue.amount) }) : '';
    return { text: t(locale, 'notice.paid.received', { next }).trim(), sensitive: true };
  }
  const amount = owedNow > 0 ? owedNow : (noticed?.nextDue?.amount ?? 0);
  // Where the borrower's next words reach the menu, 还款 and 转人工 stay one tap away.
  const options = atMenu ? [{ label: t(locale, 'menu.repay'), value: NOTICE_ANSWERS.repay }, { label: t(locale, 'menu.human'), value: NOTICE_ANSWERS.human }] : [];
  return { text: t(locale, 'notice.paid.notYet', { amount: yuan(amount) }), ...(options.length ? { options } : {}), sensitive: true };
}

const HOUR = 3_600_000;
const shanghaiDateTime = (at: number): string => `${shanghaiDateOf(at)} ${new Date(at + 8 * HOUR).toISOString().slice(11, 16)}`;

/** The collection work order's number and by when a person gets in touch. */
export const collectionOpenedReply = (order: WorkOrderStatus, locale: Locale): Reply => ({
  text: t(locale, 'notice.collection.opened', { number: order.number, respondBy: shanghaiDateTime(order.respondBy ?? order.createdAt) }),
});
