import { retentionCutoff, type RetentionKind, type RetentionPolicy } from './retentionPolicy.js';

/** What keeps a borrower's records whatever their age: anything still owed or still being handled. */
export interface BorrowerHoldFacts {
  /** Credit lines active or frozen, or expired with principal still owed. */
  readonly openLines: number;
  /** Drawdowns requested, disbursing or active (neither settled nor failed). */
  readonly openDrawdowns: number;
  /** Work orders (hand-offs, complaints, reviews, collection) neither resolved nor closed. */
  readonly openWorkOrders: number;
}

export type RetentionHold = 'open_line' | 'open_drawdown' | 'open_work_order' | 'handoff' | 'undelivered' | 'not_final' | 'records_remain' | 'consents_remain';

/** due: past its period and nothing holds it; otherwise why it stays (no hold: simply not old enough; a hold is named only past the period). */
export type RetentionVerdict = { readonly due: true } | { readonly due: false; readonly hold?: RetentionHold };

const DUE: RetentionVerdict = { due: true };
const RECENT: RetentionVerdict = { due: false };
const held = (hold: RetentionHold): RetentionVerdict => ({ due: false, hold });

/** Whether `at` lies before the kind's cut-off (`now` minus its period). */
export function pastPeriod(policy: RetentionPolicy, kind: RetentionKind, at: Date, now: Date): boolean {
  return at.getTime() < retentionCutoff(policy.periods[kind], now).getTime();
}

/** Nothing of a borrower with a line or drawdown not settled or closed, or an open work order, is deleted. */
export function borrowerHold(facts: BorrowerHoldFacts | undefined): RetentionHold | undefined {
  if (!facts) return undefined;
  if (facts.openLines > 0) return 'open_line';
  if (facts.openDrawdowns > 0) return 'open_drawdown';
  if (facts.openWorkOrders > 0) return 'open_work_order';
  return undefined;
}

export interface ConversationFacts {
  /** The conversation's last change (a turn, a hand-off). */
  readonly lastActivityAt: Date;
  /** The borrower's holds; undefined for a conversation nobody identified in. */
  readonly borrower: BorrowerHoldFacts | undefined;
  /** Open work orders naming this conversation (also for an anonymous one). */
  readonly openWorkOrders: number;
  /** A person asked for or talking (handoffStatus not `bot`). */
  readonly handoff: boolean;
  /** Replies still waiting in the outbox. */
  readonly undelivered: number;
}

/** A conversation (its messages, console rows and staff notes) goes when idle past its period and nothing holds it. */
export function conversationDue(f: ConversationFacts, policy: RetentionPolicy, now: Date): RetentionVerdict {
  if (!pastPeriod(policy, 'conversations', f.lastActivityAt, now)) return RECENT;
  const hold = borrowerHold(f.borrower) ?? (f.openWorkOrders > 0 ? 'open_work_order' : f.handoff ? 'handoff' : f.undelivered > 0 ? 'undelivered' : undefined);
  return hold ? held(hold) : DUE;
}

export interface ContactLogFacts {
  readonly createdAt: Date;
  /** sent, failed or suppressed: nothing more will happen to it. */
  readonly final: boolean;
  readonly borrower: BorrowerHoldFacts;
}

/** A contact log row goes after its period (at least 2 years), once final, and when its borrower holds nothing. */
export function contactLogDue(f: ContactLogFacts, policy: RetentionPolicy, now: Date): RetentionVerdict {
  if (!pastPeriod(policy, 'contactLogs', f.createdAt, now)) return RECENT;
  if (!f.final) return held('not_final');
  const hold = borrowerHold(f.borrower);
  return hold ? held(hold) : DUE;
}

export interface LoanRecordFacts {
  /**
   * The last moment anything in the borrower's loan file changed: applications, decisions, lines,
   * drawdowns, repayments. With nothing open, that is when the last line was settled or closed.
   * Null: the borrower has no loan records.
   */
  readonly lastActivityAt: Date | null;
  readonly borrower: BorrowerHoldFacts;
}

/**
 * A borrower's loan file (applications, decisions, lines, drawdowns, instalments, repayments, their
 * ledger entries, classifications, signals, reviews) goes as one, the configured years (at least 5)
 * after the last line was settled or closed, and never while anything is open.
 */
export function loanRecordsDue(f: LoanRecordFacts, policy: RetentionPolicy, now: Date): RetentionVerdict {
  if (f.lastActivityAt === null || !pastPeriod(policy, 'loanRecords', f.lastActivityAt, now)) return RECENT;
  const hold = borrowerHold(f.borrower);
  return hold ? held(hold) : DUE;
}

export interface ConsentFacts {
  readonly grantedAt: Date;
  readonly revokedAt: Date | null;
  /** Whether any record it authorised (the borrower's loan file) is still kept. */
  readonly authorisedRecordsRemain: boolean;
  /** When the retention job first found nothing it authorised left; null: not yet found. */
  readonly recordsGoneAt: Date | null;
  readonly borrower: BorrowerHoldFacts;
}

/**
 * A consent (with the hash and version of the text shown) stays as long as any record it authorised
 * stays; its period counts from the later of its revocation and the moment those records were gone.
 */
export function consentDue(f: ConsentFacts, policy: RetentionPolicy, now: Date): RetentionVerdict {
  const own = Math.max(f.grantedAt.getTime(), f.revokedAt?.getTime() ?? 0);
  if (!pastPeriod(policy, 'consents', new Date(own), now)) return RECENT;
  const hold = borrowerHold(f.borrower) ?? (f.authorisedRecordsRemain || f.recordsGoneAt === null ? 'records_remain' : undefined);
  if (hold) return held(hold);
  return pastPeriod(policy, 'consents', new Date(Math.max(own, f.recordsGoneAt!.getTime())), now) ? DUE : RECENT;
}

export interface AuditFacts {
  readonly at: Date;
  /** The row records when a borrower's authorised records were gone, and their consents are still kept. */
  readonly marksKeptConsents: boolean;
}

/** An audit row goes after its period (at least 6 months), unless a kept consent still counts from it. */
export function auditDue(f: AuditFacts, policy: RetentionPolicy, now: Date): RetentionVerdict {
  if (!pastPeriod(policy, 'audit', f.at, now)) return RECENT;
  return f.marksKeptConsents ? held('consents_remain') : DUE;
}

export interface JobRowFacts {
  /** pending | running | done | failed | cancelled */
  readonly status: string;
  /** When it finished (done, failed, cancelled), else when it was written. */
  readonly finishedAt: Date;
}

/** A row of our Job table goes once finished (done, failed, cancelled) and older than its period; pending and running rows stay. */
export function jobRowDue(f: JobRowFacts, policy: RetentionPolicy, now: Date): RetentionVerdict {
  if (!pastPeriod(policy, 'jobs', f.finishedAt, now)) return RECENT;
  return f.status === 'pending' || f.status === 'running' ? held('not_final') : DUE;
}
