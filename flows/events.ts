import type { PendingOffer } from './host.js';

/**
 * Events a conversation machine receives. Every event carries `at` (epoch ms), the moment the host
 * observed it: machines never read the clock, so they replay and test deterministically. The
 * borrower's messages also carry `id`, the message's identity as the channel gave it (stable when
 * the channel redelivers it, and across restarts): every effect a message starts is keyed by it, so
 * a redelivered message resumes the same effect instead of starting a second one.
 */
export type MediaKind = 'image' | 'sticker' | 'voice' | 'video' | 'file' | 'location' | 'link' | 'other';

export type ConversationEvent =
  /** Anything the borrower typed, or the value of an option they tapped. */
  | {
      readonly type: 'user.text';
      readonly text: string;
      readonly id: string;
      readonly at: number;
      /** The channel showed the assistant's greeting before this message (the web chat's page does): don't greet again. */
      readonly greeted?: boolean;
      /** An opaque tag of the client's address (web, REST): what SMS budgets per address count by. */
      readonly origin?: string;
    }
  /** Non-text content; flows answer with a re-prompt. */
  | { readonly type: 'user.media'; readonly kind: MediaKind; readonly id: string; readonly at: number }
  /** A staff member takes the conversation over: the bot pauses. */
  | { readonly type: 'staff.takeover'; readonly staffId: string; readonly staffName: string; readonly at: number; /** 工号, shown to the borrower beside the name. */ readonly staffNo?: string }
  /** A staff message to relay to the borrower while taken over. */
  | { readonly type: 'staff.message'; readonly staffId: string; readonly text: string; readonly at: number; /** Shown with the words when the conversation was not taken over by name. */ readonly staffName?: string; readonly staffNo?: string }
  /** Staff hand the conversation back: the bot continues where the borrower was. */
  | { readonly type: 'staff.handback'; readonly staffId: string; readonly at: number }
  /**
   * The outcome of a money effect the borrower was told is "processing", settled later by the
   * payment recovery job from the gateway's record: told to them whatever they are doing now.
   */
  | { readonly type: 'system.notice'; readonly notice: PaymentNotice; readonly amount: number; readonly at: number }
  /**
   * A person decided the borrower's application in manual review (人工审批), or asks them a question
   * (the review stays open): told on their channel whatever they are doing. `reviewId` names the
   * reviewer's act, so the same act dispatched again (a retried request) is told once. An approval
   * carries the offer as the automatic approval would hold it.
   */
  | ({ readonly type: 'review.decided'; readonly reviewId: string; readonly applicationId: string; readonly at: number } & (
      | { readonly outcome: 'approved'; readonly offer: PendingOffer }
      /** declined: `text` is the reviewer's explanation for the borrower. */
      | { readonly outcome: 'declined'; readonly text: string }
      /** The reviewer's question, shown as their message (by name). */
      | { readonly outcome: 'info_requested'; readonly text: string; readonly staffId: string; readonly staffName: string }
    ))
  /**
   * A post-loan notice (a repayment reminder, an overdue notice, a warning, a renewal invitation)
   * the bank's contact component sends: told whatever the borrower is doing, in their language, from
   * the template's catalog entry (flows/notices/noticeCatalog.ts). `noticeId` is the contact's key:
   * the same notice dispatched again (a sweep rerun after a crash) is told once.
   */
  | { readonly type: 'postloan.notice'; readonly noticeId: string; readonly template: string; readonly params: Readonly<Record<string, string | number>>; readonly at: number }
  /** A deadline the machine scheduled has come (fired by the scheduler from a stored due-at row). */
  | { readonly type: 'deadline.due'; readonly key: string; readonly kind: string; readonly at: number };

/** completed: the money moved and the loan or payment is booked; undone/voided: no money moved, nothing held or charged. */
export type PaymentNotice = 'drawdown.completed' | 'drawdown.undone' | 'repayment.completed' | 'repayment.voided';

export type ConversationEventType = ConversationEvent['type'];
