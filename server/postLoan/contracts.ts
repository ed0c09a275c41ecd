import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { PrismaClient } from '../db/generated/client.js';
import type { Sql } from '../runtime/index.js';

/**
 * What the post-loan jobs share: the end-of-day batch, early warning, renewal screening and yearly
 * review are functions of (context, business date) that the job runner (pg-boss) calls on a cron
 * and `demo:advance` calls for each date it passes. Each is idempotent per business date.
 */
export interface PostLoanContext {
  readonly prisma: PrismaClient;
  readonly sql: Sql;
  readonly clock: Clock;
  readonly config: Config;
  readonly logger: Logger;
  /** Every borrower contact goes through it (contact window, caps, channel, log). */
  readonly contacts: Contacts;
}

/** Why a message is sent: reminders and overdue notices are collection; none of these is marketing. */
export type ContactPurpose = 'reminder' | 'collection' | 'warning' | 'renewal' | 'review';

export interface ContactRequest {
  /** Stable across reruns and restarts (the ContactLog's unique key), e.g. `reminder:<drawdownId>:<period>:<kind>`. */
  readonly key: string;
  readonly borrowerId: string;
  readonly creditLineId?: string;
  readonly purpose: ContactPurpose;
  /** Text key of the message template; its words are rendered in the borrower's language at sending. */
  readonly template: string;
  readonly params: Readonly<Record<string, string | number>>;
}

/**
 * sent: delivered to the borrower's channel now (or before, for a key already sent: `duplicate`);
 * deferred: outside the contact window or over a cap, kept and sent at `notBefore` by the contact sweep;
 * suppressed: never sent (no private channel, opted out where the rules allow it), with the reason logged;
 * failed: the channel refused after retries, logged.
 */
export interface ContactOutcome {
  readonly status: 'sent' | 'duplicate' | 'deferred' | 'suppressed' | 'failed';
  readonly channel?: string;
  readonly notBefore?: Date;
  readonly reason?: string;
}

/** The one contact-policy component every post-loan job and channel calls. */
export interface Contacts {
  contact(request: ContactRequest): Promise<ContactOutcome>;
  /**
   * The same for many requests at once (a sweep's chunk), in order, with the same rules and the same
   * outcomes as one `contact` each; a component may read and write their log rows in a few statements.
   */
  contactMany?(requests: readonly ContactRequest[]): Promise<ContactOutcome[]>;
  /** Sends deferred contacts whose moment has come (inside the window and caps). */
  sendDeferred(): Promise<{ readonly sent: number; readonly deferred: number; readonly failed: number }>;
}

/** Progress of a long batch: counts and an ETA, logged (and printed by the benchmarks). */
export interface BatchProgress {
  readonly kind: string;
  readonly businessDate: string;
  readonly processed: number;
  readonly total: number;
  readonly changed: number;
  readonly ratePerSecond: number;
  readonly etaSeconds: number | null;
}

/** Names of the job runner's queues (pg-boss), one per job. */
export const POST_LOAN_JOBS = {
  endOfDay: 'postloan.eod',
  earlyWarning: 'postloan.warning',
  renewal: 'postloan.renewal',
  yearlyReview: 'postloan.review',
  reminders: 'postloan.reminders',
  contactSweep: 'contact.sweep',
} as const;
