import type { ApplicantProfile, CreditDecision, DataSource, EnterpriseRole, Fen, IsoDate, LoanPurpose, RepaymentMethod, EarlyRepaymentMode } from '../core/index.js';

/**
 * The effects a conversation needs, implemented by the host (server/services) and injected with
 * `.provide()`. Each is a promise actor: input in, output out. Inputs carry an idempotency key
 * wherever repeating the effect would matter, because XState re-runs a promise that was in flight
 * when a snapshot was taken. Expected failures are returned as `{ ok: false, reason }`; a thrown
 * error means infrastructure trouble and the machine apologises and lets the borrower retry.
 */
export interface FlowEffects {
  /** `rate_limited`: too soon or too many codes (wait); `locked`: too many wrong codes for this mobile today (a person can help). */
  /** `requestKey` identifies the message that asked for the code: its redelivery gets the first answer and sends no second SMS. */
  /**
   * With `identity` (the name and ID number typed before the mobile), the mobile must belong to that
   * person (the verifier's operator three-factor check) before any SMS is sent: `identity_mismatch`
   * otherwise, and nothing is sent.
   */
  sendOtp: Effect<{ conversationId: string; mobile: string; identity?: { name: string; idNumber: string }; /** The asking message's origin tag (per-address budget). */ origin?: string; requestKey: string; at: number }, { ok: true; expiresAt: number } | { ok: false; reason: 'rate_limited' | 'locked' | 'identity_mismatch' }>;
  /** `attemptKey` identifies the message that typed the code: the same attempt redelivered gets the same result. */
  verifyOtp: Effect<{ conversationId: string; mobile: string; code: string; attemptKey: string; at: number }, { result: 'ok' | 'wrong' | 'expired' | 'too_many_attempts' }>;
  /**
   * The step-up before money moves: an SMS code to the borrower's mobile on file, valid once for the
   * act `bindTo` names (see drawdownBinding), within the same budgets as sendOtp. `no_mobile`: the
   * borrower has no verified mobile on file.
   */
  sendStepUp: Effect<{ conversationId: string; borrowerId: string; bindTo: string; origin?: string; requestKey: string; at: number }, { ok: true; expiresAt: number; mobileMasked: string } | { ok: false; reason: 'rate_limited' | 'locked' | 'no_mobile' }>;
  /** Checks a step-up code for the act `bindTo` names; `ok` uses it up. Idempotent per `attemptKey`, as verifyOtp. */
  verifyStepUp: Effect<{ conversationId: string; borrowerId: string; bindTo: string; code: string; attemptKey: string; at: number }, { result: 'ok' | 'wrong' | 'expired' | 'too_many_attempts' }>;
  /**
   * Verifies that name, ID number and mobile belong together (the identity verifier) before anything
   * is written; then registers (or finds) the borrower by ID number and creates the application —
   * unless the person already has an open line or an application in progress for the product, which
   * is answered as `existing` (nothing new opened). Only these two outcomes link the conversation.
   */
  submitApplication: Effect<SubmitApplicationInput, SubmitApplicationOutput>;
  /**
   * 一键激活: the pre-approved limit of a whitelisted, unexpired, not yet activated pre-credit entry
   * (a batch for this product) matching the ID number, and the mobile when the entry has one. Asked
   * only after the SMS code verified the mobile, whose sending checked name, ID and mobile together.
   */
  findPrecreditOffer: Effect<{ productId: string; idNumber: string; mobile: string; at: number }, PrecreditOffer | { found: false }>;
  /** Records consent per source (text version + hash, time, channel) before any pull. */
  recordConsent: Effect<RecordConsentInput, { consentIds: string[] }>;
  revokeConsent: Effect<{ borrowerId: string; sources: DataSource[]; channel: string; at: number }, { revoked: DataSource[] }>;
  /** Pulls authorised data; the host refuses any source without a recorded, unrevoked consent. */
  pullData: Effect<{ borrowerId: string; applicationId: string; sources: DataSource[]; idempotencyKey: string; at: number }, PullDataOutput>;
  /** Stores the decision; opens a work item for manual review. */
  recordDecision: Effect<{ applicationId: string; decision: CreditDecision; offerExpiresAt: number | null; at: number }, { decisionId: string }>;
  /** Opens the credit line for an accepted offer, recording the key-terms text the borrower agreed to. */
  /** `has_line`: the person already has an open line for the product (opened elsewhere): one person, one line per product. */
  acceptOffer: Effect<AcceptOfferInput, { ok: true; line: LineView } | { ok: false; reason: 'expired' | 'already_accepted' | 'not_found' | 'has_line' }>;
  /** Marks an offer declined by the borrower or expired. */
  closeOffer: Effect<{ applicationId: string; status: 'declined_by_borrower' | 'expired'; at: number }, { ok: true }>;
  loadAccount: Effect<{ borrowerId: string; at: number }, AccountView>;
  /**
   * `payment_failed`: no money went out and no limit is held. `processing`: the payout's outcome is
   * not known yet (gateway unreachable, or the attempt is still running elsewhere); the reservation
   * is kept and the recovery job settles it with the gateway's record, so the borrower is told
   * "processing", never "failed". `busy`: nothing was done, because a repayment on the line is
   * being collected (a payout and a collection are never in flight on one line together).
   */
  disburse: Effect<DisburseInput, { ok: true; receipt: DrawdownReceipt } | { ok: false; reason: 'limit_exceeded' | 'line_inactive' | 'payment_failed' | 'processing' | 'busy' | 'invalid'; detail: string; /** line_inactive on a line paused since the preview: why, so the borrower is told it politely. */ freezeReason?: LineView['freezeReason'] }>;
  /** `processing` as for disburse: money may have been collected; the recovery job applies or voids it. `busy`: nothing was done, a payout on the line is in flight. */
  repay: Effect<RepayInput, { ok: true; receipt: RepaymentReceipt } | { ok: false; reason: 'insufficient_funds' | 'nothing_due' | 'invalid' | 'payment_failed' | 'processing' | 'busy'; detail: string }>;
  requestHandoff: Effect<{ conversationId: string; borrowerId?: string; reason: string; at: number }, { workItemId: string }>;
  /**
   * A complaint (投诉) in the borrower's words: opens a complaint work order and answers its number and
   * deadlines. `requestKey` is the message's effect key: a redelivered message opens no second order.
   */
  openComplaint: Effect<{ conversationId: string; borrowerId?: string; text: string; requestKey: string; at: number }, WorkOrderStatus>;
  /**
   * 转人工 in answer to a repayment reminder or overdue notice: a collection work order in the
   * collection staff's queue (催收坐席), once per message (`requestKey`, as openComplaint).
   */
  openCollectionOrder: Effect<{ conversationId: string; borrowerId?: string; text: string; requestKey: string; at: number }, WorkOrderStatus>;
  /** The borrower's work orders (by borrower, or by conversation before they are known), newest first; with `number`, only that one, if it is theirs. */
  workOrderStatus: Effect<{ conversationId: string; borrowerId?: string; number?: string; at: number }, { orders: WorkOrderStatus[] }>;
  setMarketingOptOut: Effect<{ conversationId: string; borrowerId?: string; optOut: boolean; at: number }, { ok: true }>;
  /** The borrower's open renewal invitation (无还本续贷: screened eligible and invited, not yet answered, line not yet past its last day), if any. */
  loadRenewal: Effect<{ borrowerId: string; at: number }, { status: 'open'; renewal: RenewalView } | { status: 'none' }>;
  /**
   * Stores the fresh decision of a renewal on the line's application (as a Decision, audited) and
   * notes it on the invitation; a decline or a manual review closes the invitation (LineReview
   * `declined`). Idempotent by `requestKey` (the message that asked).
   */
  recordRenewalDecision: Effect<{ lineId: string; borrowerId: string; validUntil: IsoDate; decision: CreditDecision; requestKey: string; at: number }, { ok: true; decisionId: string } | { ok: false; reason: 'not_invited' }>;
  /**
   * Renews the line without repaying first: the same line runs on to `newValidUntil` with the
   * decision's limit and rate, its drawdowns untouched; the invitation becomes `accepted` (audited,
   * with the terms text's version and hash). Idempotent by `requestKey`: a redelivered confirmation
   * answers what the first one did. `not_invited`: no open invitation for this line and period (or
   * renewed already by another message); `line_inactive`: the line is frozen, expired or closed.
   */
  renewLine: Effect<RenewLineInput, { ok: true; line: LineView } | { ok: false; reason: 'not_invited' | 'line_inactive' }>;
  /** The borrower said no to the invitation (不需要): it is closed as `declined`. */
  closeRenewal: Effect<{ lineId: string; borrowerId: string; validUntil: IsoDate; at: number }, { ok: true }>;
}

/** An open renewal invitation, as the renewal flow needs it. */
export interface RenewalView {
  lineId: string;
  productId: string;
  /** The line's current last valid day: the invitation is for it. */
  validUntil: IsoDate;
  /** The application the line came from: its purpose, and the consents the fresh pull relies on. */
  applicationId: string;
  limit: Fen;
  outstanding: Fen;
  annualRate: number;
  /** The latest unrevoked consent per data source and the text version the borrower agreed to. */
  consents: { source: DataSource; textVersion: string }[];
}

export interface RenewLineInput {
  lineId: string;
  borrowerId: string;
  /** The invitation's period (the line's last valid day when invited). */
  validUntil: IsoDate;
  newValidUntil: IsoDate;
  decisionId: string;
  termsVersion: string;
  /** The exact renewal terms shown; the host stores its SHA-256. */
  termsText: string;
  requestKey: string;
  at: number;
}

/** A pre-approved limit from a pre-credit batch (无感授信), offered for one-tap activation. */
export interface PrecreditOffer {
  found: true;
  entryId: string;
  limit: Fen;
  annualRate: number;
  /** The batch's offers lapse at this moment. */
  expiresAt: number;
}

/** A promise actor's signature: what `fromPromise` receives and resolves with. */
export type Effect<I, O> = (input: I) => Promise<O>;

export interface SubmitApplicationInput {
  conversationId: string;
  channel: string;
  productId: string;
  name: string;
  idNumber: string;
  mobile: string;
  enterprise?: { name: string; uscc: string; role: EnterpriseRole };
  purpose: LoanPurpose;
  purposeDetail: string;
  requestedAmount: Fen;
  referral?: string;
  /** 一键激活: the pre-credit entry this application activates; checked again at submission (ignored when no longer valid). */
  precreditEntryId?: string;
  /** Idempotency: the same key returns the same application. */
  idempotencyKey: string;
  at: number;
}

export type SubmitApplicationOutput =
  | { status: 'submitted'; borrowerId: string; applicationId: string; borrowerName: string; /** Set when the application activates this pre-credit entry (still valid at submission). */ precreditEntryId?: string }
  | {
      status: 'existing';
      borrowerId: string;
      borrowerName: string;
      /** has_line: an open line for the product; offer_pending: approved, not yet accepted; under_review: manual review; in_progress: submitted, not decided. */
      situation: 'has_line' | 'offer_pending' | 'under_review' | 'in_progress';
      applicationId?: string;
      productId: string;
      pendingOffer?: PendingOffer;
    }
  /** The verifier (or the bank's verified record) says name, ID number and mobile do not belong together: nothing was written or pulled. */
  | { status: 'identity_mismatch' };

export interface RecordConsentInput {
  borrowerId: string;
  applicationId: string;
  conversationId: string;
  channel: string;
  granted: DataSource[];
  refused: DataSource[];
  textVersion: string;
  /** The exact text shown; the host stores its SHA-256. */
  text: string;
  idempotencyKey: string;
  at: number;
}

export type PullDataOutput =
  | { ok: true; profile: ApplicantProfile }
  | { ok: false; reason: 'consent_missing'; sources: DataSource[] }
  | { ok: false; reason: 'provider_unavailable'; detail: string };

export interface AcceptOfferInput {
  applicationId: string;
  borrowerId: string;
  decisionId: string;
  termsVersion: string;
  termsText: string;
  idempotencyKey: string;
  at: number;
}

export interface DisburseInput {
  lineId: string;
  borrowerId: string;
  amount: Fen;
  termMonths: number;
  method: RepaymentMethod;
  /** One disbursement per confirmation, whatever retries happen. */
  idempotencyKey: string;
  at: number;
}

export interface RepayInput {
  lineId: string;
  borrowerId: string;
  /** due: everything due now; partial: an amount (overdue and due first, then early repayment); payoff: settle. */
  kind: 'due' | 'partial' | 'payoff';
  /** Required for partial; for due/payoff the host charges the amount it computes as of `at`. */
  amount?: Fen;
  drawdownId?: string;
  earlyRepaymentMode?: EarlyRepaymentMode;
  idempotencyKey: string;
  at: number;
}

/** What the borrower's account looks like today, for display and choices. */
export interface AccountView {
  borrowerId: string;
  lines: LineView[];
  /** An approved offer waiting for acceptance. */
  pendingOffer?: PendingOffer;
  /** Where the borrower's latest application stands, while it is open or was declined (absent once a line is opened from it, or it lapsed). */
  application?: ApplicationStatusView;
  /** Work orders still open (a complaint, a request for a person), newest first. */
  workOrders?: WorkOrderStatus[];
}

/** A work order (工单) as its borrower may follow it. Times are epoch ms. */
export interface WorkOrderStatus {
  /** GD20261205-0007. */
  number: string;
  kind: 'handoff' | 'complaint' | 'manual_review' | 'manual' | 'collection';
  status: 'open' | 'assigned' | 'in_progress' | 'resolved' | 'closed';
  createdAt: number;
  /** By when a person will be in touch, while nobody has been. */
  respondBy?: number;
  /** By when it is to be resolved, while it is open. */
  resolveBy?: number;
  resolvedAt?: number;
}

/**
 * An application as its borrower may follow it: `submitted` (authorisation or assessment not
 * finished), `under_review` (a person decides), `offer_pending` (approved, not yet accepted),
 * `declined`.
 */
export interface ApplicationStatusView {
  applicationId: string;
  productId: string;
  status: 'submitted' | 'under_review' | 'offer_pending' | 'declined';
  submittedAt: number;
  /** Under review: when the reviewer is due to have decided (the work item's deadline). */
  reviewDueAt?: number;
}

export interface PendingOffer {
  applicationId: string;
  decisionId: string;
  productId: string;
  limit: Fen;
  annualRate: number;
  aprSimple: number;
  aprCompound: number;
  offerExpiresAt: number;
}

export interface LineView {
  lineId: string;
  productId: string;
  productNameZh: string;
  productNameEn: string;
  status: 'active' | 'frozen' | 'expired' | 'closed';
  /** Why a frozen line is paused (overdue: repay first; warning, review: under review; staff): what the borrower is told when asking to draw. */
  freezeReason?: 'overdue' | 'warning' | 'review' | 'staff' | null;
  limit: Fen;
  available: Fen;
  outstanding: Fen;
  annualRate: number;
  validUntil: IsoDate;
  methods: RepaymentMethod[];
  terms: number[];
  minDraw: Fen;
  /** Due today or overdue across drawdowns, penalty included. */
  dueNow: Fen;
  overdue: Fen;
  daysPastDue: number;
  nextDue: { date: IsoDate; amount: Fen } | null;
  /** Settling everything today. */
  payoffToday: Fen;
  drawdowns: DrawdownView[];
}

export interface DrawdownView {
  drawdownId: string;
  reference: string;
  drawnOn: IsoDate;
  principal: Fen;
  outstanding: Fen;
  method: RepaymentMethod;
  termMonths: number;
  annualRate: number;
  dueNow: Fen;
  nextDue: { date: IsoDate; amount: Fen } | null;
  payoffToday: Fen;
  status: 'active' | 'settled';
}

export interface DrawdownReceipt {
  drawdownId: string;
  reference: string;
  amount: Fen;
  termMonths: number;
  method: RepaymentMethod;
  annualRate: number;
  /** Masked card the money went to. */
  card: string;
  disbursedAt: number;
  firstDue: { date: IsoDate; amount: Fen };
  availableAfter: Fen;
}

export interface RepaymentReceipt {
  repaymentId: string;
  reference: string;
  amount: Fen;
  penalty: Fen;
  interest: Fen;
  principal: Fen;
  /** Returned to the payer (surplus or too small to apply). */
  unapplied: Fen;
  card: string;
  paidAt: number;
  availableAfter: Fen;
  settledDrawdowns: string[];
  outstandingAfter: Fen;
}
