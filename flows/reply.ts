/**
 * The neutral outbound message every channel renders: text, optional quick-reply options, an
 * optional card. Flows produce Replies; channel adapters turn them into web bubbles, numbered
 * WeChat text, official-account XML and so on. Amounts in cards are pre-formatted yuan strings
 * (the flows format them with core/), so no channel does money arithmetic.
 */
export interface ReplyOption {
  /** What the borrower sees (a button label, or "1. 申请贷款" on text channels). */
  readonly label: string;
  /** What comes back as the borrower's text when the option is chosen. */
  readonly value: string;
}

export interface Reply {
  readonly text: string;
  readonly options?: readonly ReplyOption[];
  readonly card?: Card;
  /**
   * Carries personal or financial data (masked ID, limit, balance): channels must not show it in a
   * group chat. Flows never produce such replies for a group conversation; channels double-check.
   */
  readonly sensitive?: boolean;
  /** Show a masked input for the next answer (the web chat masks ID numbers as typed). */
  readonly expects?: 'id_number' | 'mobile' | 'otp' | 'amount' | 'text';
  /**
   * Who wrote it, when it is not the assistant: a staff member's words relayed as written. Channels
   * show them as that person's (name, their own bubble or a name line), never as the assistant's.
   */
  readonly sender?: ReplySender;
}

export interface ReplySender {
  readonly kind: 'staff';
  /** The staff member's display name ('' when not known: channels then say 客服 / Agent). */
  readonly name: string;
}

export type Card = OfferCard | ScheduleCard | ReceiptCard | AccountCard | ConsentCard | LinkCard;

export interface OfferCard {
  readonly type: 'offer';
  readonly productName: string;
  /** Yuan string, e.g. "50,000.00". */
  readonly limit: string;
  /**
   * The annualised rate (年化利率, APR by IRR, compound) shown first and largest: the range over the
   * product's repayment methods and terms at the offered rate, e.g. "6.57%–6.73%" (one figure when
   * they all agree). `aprBasis` says so in words.
   */
  readonly apr: string;
  /** The same range annualised simply (12 × monthly IRR), labelled as such. */
  readonly aprSimple: string;
  /** What the APR figure assumes, in the borrower's language (e.g. "随还款方式和期限而定：…"). */
  readonly aprBasis: string;
  /** Nominal annual interest rate, e.g. "6.48%". */
  readonly annualRate: string;
  /** Daily rate, shown smaller than the APR, e.g. "0.018%". */
  readonly dailyRate: string;
  /** The line's validity if opened today (the line runs for the product's validity from its opening). */
  readonly validUntil: string;
  /** The last day to accept this offer; after it the offer lapses. */
  readonly offerExpiresAt: string;
  readonly methods: readonly string[];
  readonly terms: readonly number[];
}

export interface ScheduleCard {
  readonly type: 'schedule';
  readonly principal: string;
  readonly termMonths: number;
  readonly method: string;
  readonly apr: string;
  readonly aprSimple: string;
  readonly annualRate: string;
  readonly totalInterest: string;
  readonly totalRepayment: string;
  /** Every instalment (up to 60; longer schedules list the first 60). Channels may show a few and let the rest be opened. */
  readonly rows: readonly { period: number; dueDate: string; principal: string; interest: string; total: string; remaining: string }[];
  /** Number of instalments not listed in rows (only schedules longer than 60). */
  readonly moreRows: number;
}

export interface ReceiptCard {
  readonly type: 'receipt';
  readonly kind: 'drawdown' | 'repayment';
  readonly reference: string;
  readonly amount: string;
  readonly at: string;
  readonly lines: readonly { label: string; value: string }[];
}

export interface AccountCard {
  readonly type: 'account';
  readonly limit: string;
  readonly available: string;
  readonly outstanding: string;
  readonly nextDue?: { date: string; amount: string };
  readonly overdue?: { amount: string; days: number };
  readonly validUntil: string;
}

export interface ConsentCard {
  readonly type: 'consent';
  readonly title: string;
  readonly textVersion: string;
  readonly sources: readonly { id: string; name: string; purpose: string; required: boolean }[];
  readonly text: string;
}

export interface LinkCard {
  readonly type: 'link';
  readonly title: string;
  readonly description: string;
  /** Absolute URL or a path the channel resolves against the public base URL. */
  readonly url: string;
}
