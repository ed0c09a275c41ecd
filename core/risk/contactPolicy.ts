import { coreError, err, ok, type Result } from '../result.js';
import { parseClockTime, shanghaiDayNumber, shanghaiMinuteOfDay, shanghaiMoment } from '../calendar/index.js';

/**
 * The contact rules every post-loan message obeys (reminders, overdue notices, warnings, renewal and
 * review notices): only inside a daily window (Shanghai time), at most N contacts a day and a week
 * per borrower, never in a group chat, never to anyone but the borrower. A message that may not go
 * now is deferred to the next allowed moment, never dropped. Pure: the moment and the history are inputs.
 */
export interface ContactPolicy {
  /** Window [start, end) in minutes after Shanghai midnight; always inside 08:00–22:00. */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Contacts per borrower per Shanghai calendar day. */
  readonly maxPerDay: number;
  /** Contacts per borrower in any rolling 7 days. */
  readonly maxPerWeek: number;
}

/** 08:00–21:00 (stricter than the 22:00 line), 3 a day (below the 6-attempt ceiling), 10 a week. */
export const DEFAULT_CONTACT_POLICY: ContactPolicy = Object.freeze({ windowStart: 8 * 60, windowEnd: 21 * 60, maxPerDay: 3, maxPerWeek: 10 });

/** No collection contact 22:00–08:00, whatever a bank configures. */
export const EARLIEST_CONTACT_MINUTE = 8 * 60;
export const LATEST_CONTACT_MINUTE = 22 * 60;

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/**
 * Reads `HH:MM-HH:MM` and the caps; CONTACT_POLICY_INVALID for a malformed window, one that reaches
 * into 22:00–08:00, or caps below 1 (or a weekly cap below the daily one).
 */
export function parseContactPolicy(window: string, maxPerDay: number, maxPerWeek: number): Result<ContactPolicy> {
  const m = /^(\d\d:\d\d)\s*[-–~]\s*(\d\d:\d\d)$/.exec(window.trim());
  const start = m ? parseClockTime(m[1]!) : null;
  const end = m ? (m[2] === '24:00' ? 1440 : parseClockTime(m[2]!)) : null;
  if (start === null || end === null || start >= end) return err(coreError('CONTACT_POLICY_INVALID', 'the contact window must be HH:MM-HH:MM, start before end, within one day', 'window'));
  if (start < EARLIEST_CONTACT_MINUTE || end > LATEST_CONTACT_MINUTE) return err(coreError('CONTACT_POLICY_INVALID', 'the contact window must stay inside 08:00-22:00 (no contact 22:00-08:00)', 'window'));
  if (!Number.isInteger(maxPerDay) || maxPerDay < 1) return err(coreError('CONTACT_POLICY_INVALID', 'must be a whole number ≥ 1', 'maxPerDay'));
  if (!Number.isInteger(maxPerWeek) || maxPerWeek < maxPerDay) return err(coreError('CONTACT_POLICY_INVALID', 'must be a whole number ≥ the daily cap', 'maxPerWeek'));
  return ok(Object.freeze({ windowStart: start, windowEnd: end, maxPerDay, maxPerWeek }));
}

export interface ContactAttempt {
  /** Epoch ms. */
  readonly now: number;
  /** A group chat is never a place for a borrower's debt. */
  readonly chatType: 'private' | 'group';
  /** Whom the channel reaches: only the borrower themself may hear about their debt. */
  readonly recipient: 'borrower' | 'third_party';
  /** Moments (epoch ms) of this borrower's earlier contacts, any purpose, sent or being sent. */
  readonly history: readonly number[];
}

export type ContactDecision =
  | { readonly kind: 'send' }
  | { readonly kind: 'defer'; readonly notBefore: number; readonly reason: 'outside_window' | 'daily_cap' | 'weekly_cap' }
  | { readonly kind: 'refuse'; readonly reason: 'group_chat' | 'third_party' };

/** The first moment ≥ ms inside the window. */
export function nextInWindow(policy: ContactPolicy, ms: number): number {
  const minute = shanghaiMinuteOfDay(ms);
  const day = shanghaiDayNumber(ms);
  if (minute < policy.windowStart) return shanghaiMoment(day, policy.windowStart);
  if (minute >= policy.windowEnd) return shanghaiMoment(day + 1, policy.windowStart);
  return ms;
}

/**
 * May the borrower be contacted at `now`? `send`, or `defer` to the earliest later moment inside
 * the window and under both caps (the reason is the first rule that held it back), or `refuse` for
 * a group chat or a third party (the caller picks another channel; the message is never sent there).
 */
export function decideContact(attempt: ContactAttempt, policy: ContactPolicy = DEFAULT_CONTACT_POLICY): ContactDecision {
  if (attempt.chatType !== 'private') return { kind: 'refuse', reason: 'group_chat' };
  if (attempt.recipient !== 'borrower') return { kind: 'refuse', reason: 'third_party' };
  const history = [...attempt.history].sort((a, b) => a - b);
  let at = attempt.now;
  let reason: 'outside_window' | 'daily_cap' | 'weekly_cap' | undefined;
  // Each step only moves forward; the caps are finite, so this settles within a few rounds.
  for (let round = 0; round < 64; round++) {
    const inWindow = nextInWindow(policy, at);
    if (inWindow !== at) {
      reason ??= 'outside_window';
      at = inWindow;
      continue;
    }
    const day = shanghaiDayNumber(at);
    if (history.filter((h) => shanghaiDayNumber(h) === day).length >= policy.maxPerDay) {
      reason ??= 'daily_cap';
      at = shanghaiMoment(day + 1, policy.windowStart);
      continue;
    }
    const inWeek = history.filter((h) => h > at - WEEK_MS && h <= at);
    if (inWeek.length >= policy.maxPerWeek) {
      reason ??= 'weekly_cap';
      // When enough of the week's contacts have aged out to leave room for one more.
      at = (inWeek[inWeek.length - policy.maxPerWeek] as number) + WEEK_MS + 1;
      continue;
    }
    return reason === undefined ? { kind: 'send' } : { kind: 'defer', notBefore: at, reason };
  }
  return { kind: 'defer', notBefore: at, reason: reason ?? 'outside_window' };
}
