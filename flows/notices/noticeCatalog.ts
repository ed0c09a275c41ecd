import type { Fen } from '../../core/index.js';
import type { Reply, ReplyOption } from '../reply.js';
import { yuan } from '../shared/cards.js';
import { t, type Locale, type MessageKey } from '../text/translate.js';

/**
 * Post-loan notices the bank sends into a borrower's conversation (reminders, overdue notices,
 * warnings, renewal invitations, review outcomes): one entry per template. Adding a template is one
 * entry here plus its words under `text` in flows/text/messages.zh.ts and messages.en.ts (a test
 * checks both have it):
 *
 *   'renewal.invite': { text: 'notice.renewal.invite', money: ['limit'], options: [{ label: 'renewal.start', value: '续贷' }] },
 *
 * Params are plain strings and numbers; names listed in `money` are fen and shown as yuan.
 * `answers: 'collection'` offers 还款 / 已还 / 转人工 (answered by the session, see sessionMachine);
 * `options` any other quick replies. `officialAccount` picks the configured template-message id used
 * outside WeChat's 48-hour customer-service window (reminder before the due date, overdue after).
 */
export interface NoticeTemplate {
  readonly text: MessageKey;
  readonly money?: readonly string[];
  readonly answers?: 'collection';
  readonly options?: readonly { readonly label: MessageKey; readonly value: string }[];
  readonly officialAccount?: 'reminder' | 'overdue';
  /** Carries the debt or the line: never shown in a group chat (nothing here ever is sent to one). */
  readonly sensitive: boolean;
}

const reminder = (text: MessageKey, officialAccount: 'reminder' | 'overdue'): NoticeTemplate => ({ text, money: ['amount', 'penalty'], answers: 'collection', officialAccount, sensitive: true });

export const NOTICE_TEMPLATES = {
  'reminder.T-3': reminder('notice.reminder.T-3', 'reminder'),
  'reminder.T-1': reminder('notice.reminder.T-1', 'reminder'),
  'reminder.DUE': reminder('notice.reminder.DUE', 'reminder'),
  'reminder.DPD1': reminder('notice.reminder.DPD1', 'overdue'),
  'reminder.DPD3': reminder('notice.reminder.DPD3', 'overdue'),
  'reminder.DPD7': reminder('notice.reminder.DPD7', 'overdue'),
  'reminder.DPD15': reminder('notice.reminder.DPD15', 'overdue'),
  'reminder.DPD30': reminder('notice.reminder.DPD30', 'overdue'),
  // Early warning and the yearly review (server/postLoan/earlyWarningJob.ts, yearlyReviewJob.ts): said without accusing, with a way to a person.
  'warning.frozen': { text: 'notice.warning.frozen', options: [{ label: 'menu.human', value: '转人工' }], sensitive: true },
  'review.changed': { text: 'notice.review.changed', money: ['oldLimit', 'newLimit'], options: [{ label: 'menu.human', value: '转人工' }], sensitive: true },
  'review.frozen': { text: 'notice.review.frozen', options: [{ label: 'menu.human', value: '转人工' }], sensitive: true },
  // Renewal screening's invitation (server/postLoan/renewalScreening.ts): 续贷 opens the renewal flow.
  'renewal.invite': { text: 'notice.renewal.invite', money: ['limit'], options: [{ label: 'renewal.start', value: '续贷' }], sensitive: true },
} as const satisfies Record<string, NoticeTemplate>;

export type NoticeTemplateName = keyof typeof NOTICE_TEMPLATES;
export type NoticeParams = Readonly<Record<string, string | number>>;

export const isNoticeTemplate = (name: string): name is NoticeTemplateName => Object.hasOwn(NOTICE_TEMPLATES, name);

/** Values the collection answers send back (what a tap on 还款 / 已还 / 转人工 types). */
export const NOTICE_ANSWERS = { repay: 'notice.repay', paid: 'notice.paid', human: 'notice.human' } as const;

/** The notice's words in the borrower's language (money as yuan). */
export function noticeText(template: NoticeTemplateName, params: NoticeParams, locale: Locale): string {
  const entry: NoticeTemplate = NOTICE_TEMPLATES[template];
  const shown: Record<string, string | number> = { ...params };
  for (const name of entry.money ?? []) if (typeof params[name] === 'number') shown[name] = yuan(params[name] as Fen);
  return t(locale, entry.text, shown);
}

/** The quick replies a notice offers. */
export function noticeOptions(template: NoticeTemplateName, locale: Locale): ReplyOption[] {
  const entry: NoticeTemplate = NOTICE_TEMPLATES[template];
  const answers: ReplyOption[] =
    entry.answers === 'collection'
      ? [
          { label: t(locale, 'menu.repay'), value: NOTICE_ANSWERS.repay },
          { label: t(locale, 'notice.answer.paid'), value: NOTICE_ANSWERS.paid },
          { label: t(locale, 'menu.human'), value: NOTICE_ANSWERS.human },
        ]
      : [];
  return [...answers, ...(entry.options ?? []).map((o) => ({ label: t(locale, o.label), value: o.value }))];
}

/** The notice as a reply: text, and its quick replies when `withOptions`. */
export function noticeReply(template: NoticeTemplateName, params: NoticeParams, locale: Locale, withOptions: boolean): Reply {
  const options = withOptions ? noticeOptions(template, locale) : [];
  const entry: NoticeTemplate = NOTICE_TEMPLATES[template];
  return { text: noticeText(template, params, locale), ...(options.length ? { options } : {}), ...(entry.sensitive ? { sensitive: true } : {}) };
}
