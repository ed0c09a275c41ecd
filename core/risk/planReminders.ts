import { coreError, err, ok, type Result } from '../result.js';
import { parseClockTime, parseIsoDate, daysFromCivil, shanghaiDayNumber, shanghaiMinuteOfDay, shanghaiMoment, type IsoDate } from '../calendar/index.js';
import type { Fen } from './lendingBridge.js';

/**
 * Repayment reminder planner for a scheduler. Pure: given loans, the moment `now` (epoch ms),
 * the contact history and the contact rules, it says which reminders to send NOW and when to ask
 * again. Steps per instalment: T−3, T−1, due day, then DPD 1/3/7/15/30 with rising escalation.
 *
 * Contract (what makes a restarted scheduler neither skip nor repeat):
 * - Same inputs → same answer.
 * - Every reminder has an idempotency key `loanId:installmentSeq:kind`; a key in the history is
 *   never returned again, so feeding the returned reminders back as history yields nothing new.
 * - A step's moment is its day at the send time (borrower's preferred time, else the rules'),
 *   moved forward out of quiet hours; nothing is ever returned while `now` is in quiet hours.
 * - Catch-up: per instalment only the LATEST step whose moment has passed is sent; earlier
 *   unsent steps are superseded (reported, never sent), and a step is never sent after a later
 *   one was. After a long outage the borrower gets one, current, message — not a burst.
 * - Frequency cap: at most `maxContactsPerDay` contacts (all kinds, from the history) per
 *   borrower per Shanghai calendar day; the surplus (lowest escalation first) waits for the next
 *   day's first allowed moment.
 * - Opt-out: an opted-out borrower gets no automated reminders; due ones are reported as
 *   suppressed for staff follow-up.
 * - Paid instalments (outstanding 0) get nothing.
 */

export type ReminderKind = 'T-3' | 'T-1' | 'DUE' | 'DPD1' | 'DPD3' | 'DPD7' | 'DPD15' | 'DPD30';
export type ContactChannel = 'sms' | 'wechat' | 'app' | 'voice';

/** Steps in order: day offset from the due date and escalation level (0 = courtesy notice). */
export const REMINDER_STEPS: readonly { readonly kind: ReminderKind; readonly dayOffset: number; readonly escalation: number }[] = Object.freeze([
  { kind: 'T-3', dayOffset: -3, escalation: 0 },
  { kind: 'T-1', dayOffset: -1, escalation: 0 },
  { kind: 'DUE', dayOffset: 0, escalation: 0 },
  { kind: 'DPD1', dayOffset: 1, escalation: 1 },
  { kind: 'DPD3', dayOffset: 3, escalation: 1 },
  { kind: 'DPD7', dayOffset: 7, escalation: 2 },
  { kind: 'DPD15', dayOffset: 15, escalation: 3 },
  { kind: 'DPD30', dayOffset: 30, escalation: 4 },
]);

export interface ReminderInstallment {
  readonly seq: number;
  readonly dueDate: IsoDate;
  /** Still owed on this instalment, in fen; 0 = paid. */
  readonly outstanding: Fen;
}

export interface ReminderLoan {
  readonly loanId: string;
  readonly borrowerId: string;
  readonly installments: readonly ReminderInstallment[];
  readonly contact: {
    readonly channel: ContactChannel;
    readonly optedOut: boolean;
    /** `HH:MM` Shanghai time the borrower prefers. */
    readonly preferredTime?: string;
  };
}

/** One past contact with a borrower; reminders carry their idempotency key. */
export interface ContactRecord {
  readonly borrowerId: string;
  /** Epoch ms. */
  readonly at: number;
  readonly key?: string;
}

export interface ContactRules {
  /** Quiet hours [quietStart, quietEnd) Shanghai time; may wrap midnight. Equal = none. */
  readonly quietStart: string;
  readonly quietEnd: string;
  /** Default send time of a step, `HH:MM`. */
  readonly sendTime: string;
  /** Contacts of any kind per borrower per Shanghai day. */
  readonly maxContactsPerDay: number;
}

/** 21:00–08:00 quiet (stricter than the 22:00 regulatory line), send at 10:00, 3 a day (below the 6-attempt collection ceiling). */
export const DEFAULT_CONTACT_RULES: ContactRules = Object.freeze({ quietStart: '21:00', quietEnd: '08:00', sendTime: '10:00', maxContactsPerDay: 3 });

export interface PlannedReminder {
  /** `loanId:installmentSeq:kind`. */
  readonly key: string;
  readonly loanId: string;
  readonly borrowerId: string;
  readonly installmentSeq: number;
  readonly kind: ReminderKind;
  readonly escalation: number;
  readonly channel: ContactChannel;
  readonly dueDate: IsoDate;
  readonly outstanding: Fen;
  /** Days past due on `now`'s Shanghai date (negative before the due date). */
  readonly dpd: number;
  /** The step's moment after moving out of quiet hours (epoch ms), ≤ now. */
  readonly scheduledAt: number;
}

export interface ReminderPlan {
  /** Send these now (ordered by borrower, then escalation high→low, then key). */
  readonly due: readonly PlannedReminder[];
  /** Earliest later moment (epoch ms) at which something may become due; null when nothing is pending. */
  readonly nextAt: number | null;
  readonly suppressed: readonly { readonly key: string; readonly reason: 'opted_out' | 'superseded' }[];
}

export const reminderKey = (loanId: string, seq: number, kind: ReminderKind): string => `${loanId}:${seq}:${kind}`;

const fail = (field: string, message: string) => err(coreError('REMINDER_INPUT_INVALID', message, field));

interface Quiet {
  readonly start: number;
  readonly end: number;
}

const inQuiet = (q: Quiet, minute: number): boolean => (q.start === q.end ? false : q.start < q.end ? minute >= q.start && minute < q.end : minute >= q.start || minute < q.end);

/** The first moment ≥ ms outside quiet hours. */
function nextAllowed(q: Quiet, ms: number): number {
  const minute = shanghaiMinuteOfDay(ms);
  if (!inQuiet(q, minute)) return ms;
  const day = shanghaiDayNumber(ms);
  return shanghaiMoment(q.start < q.end || minute < q.end ? day : day + 1, q.end);
}

/**
 * Plans reminders at `now`. REMINDER_INPUT_INVALID on malformed rules, loans or history
 * (duplicate loan ids, bad dates, times or amounts).
 */
export function planReminders(loans: readonly ReminderLoan[], now: number, history: readonly ContactRecord[], rules: ContactRules = DEFAULT_CONTACT_RULES): Result<ReminderPlan> {
  if (!Number.isSafeInteger(now) || now < 0) return fail('now', 'now must be epoch milliseconds');
  const qs = parseClockTime(rules.quietStart);
  const qe = parseClockTime(rules.quietEnd);
  const send = parseClockTime(rules.sendTime);
  if (qs === null || qe === null || send === null) return fail('rules', 'quietStart, quietEnd and sendTime must be HH:MM');
  if (!Number.isInteger(rules.maxContactsPerDay) || rules.maxContactsPerDay < 1) return fail('rules.maxContactsPerDay', 'must be a whole number ≥ 1');
  const quiet: Quiet = { start: qs, end: qe };

  if (!Array.isArray(loans) || !Array.isArray(history)) return fail('loans', 'loans and history must be lists');
  const today = shanghaiDayNumber(now);
  const sent = new Set<string>();
  const contactsToday = new Map<string, number>();
  for (const h of history) {
    if (typeof h !== 'object' || h === null || typeof h.borrowerId !== 'string' || !Number.isFinite(h.at)) return fail('history', 'each record needs borrowerId and at (epoch ms)');
    if (h.key !== undefined) sent.add(h.key);
    if (shanghaiDayNumber(h.at) === today) contactsToday.set(h.borrowerId, (contactsToday.get(h.borrowerId) ?? 0) + 1);
  }

  const candidates: PlannedReminder[] = [];
  const suppressed: { key: string; reason: 'opted_out' | 'superseded' }[] = [];
  let nextAt = Infinity;
  const loanIds = new Set<string>();
  for (const loan of loans) {
    if (typeof loan !== 'object' || loan === null || typeof loan.loanId !== 'string' || loan.loanId === '' || loanIds.has(loan.loanId)) return fail('loans', 'loan ids must be distinct non-empty strings');
    if (typeof loan.contact !== 'object' || loan.contact === null || typeof loan.contact.optedOut !== 'boolean' || !Array.isArray(loan.installments)) {
      return fail(`loans.${loan.loanId}`, 'each loan needs contact {channel, optedOut} and an installments list');
    }
    loanIds.add(loan.loanId);
    if (typeof loan.borrowerId !== 'string' || loan.borrowerId === '') return fail(`loans.${loan.loanId}.borrowerId`, 'borrowerId must be a non-empty string');
    const preferred = loan.contact.preferredTime === undefined ? send : parseClockTime(loan.contact.preferredTime);
    if (preferred === null) return fail(`loans.${loan.loanId}.contact.preferredTime`, 'must be HH:MM');
    const seqs = new Set<number>();
    for (const inst of loan.installments) {
      const due = typeof inst === 'object' && inst !== null ? parseIsoDate(inst.dueDate) : null;
      if (due === null || !Number.isSafeInteger(inst.seq) || seqs.has(inst.seq)) return fail(`loans.${loan.loanId}.installments`, 'need distinct integer seq and ISO dueDate');
      seqs.add(inst.seq);
      if (!Number.isSafeInteger(inst.outstanding) || inst.outstanding < 0) return fail(`loans.${loan.loanId}.installments.${inst.seq}.outstanding`, 'must be whole fen ≥ 0');
      if (inst.outstanding === 0) continue;
      const dueDay = daysFromCivil(due.year, due.month, due.day);
      // Latest step whose (quiet-adjusted) moment has passed, and whether anything at or after it was already sent.
      let latest = -1;
      const moments: number[] = new Array(REMINDER_STEPS.length);
      for (let i = 0; i < REMINDER_STEPS.length; i++) {
        const step = REMINDER_STEPS[i] as (typeof REMINDER_STEPS)[number];
        const m = nextAllowed(quiet, shanghaiMoment(dueDay + step.dayOffset, preferred));
        moments[i] = m;
        if (m <= now) latest = i;
      }
      let lastSent = -1;
      for (let i = 0; i < REMINDER_STEPS.length; i++) if (sent.has(reminderKey(loan.loanId, inst.seq, (REMINDER_STEPS[i] as (typeof REMINDER_STEPS)[number]).kind))) lastSent = i;
      for (let i = lastSent + 1; i < latest; i++) suppressed.push({ key: reminderKey(loan.loanId, inst.seq, (REMINDER_STEPS[i] as (typeof REMINDER_STEPS)[number]).kind), reason: 'superseded' });
      if (latest > lastSent) {
        const step = REMINDER_STEPS[latest] as (typeof REMINDER_STEPS)[number];
        const key = reminderKey(loan.loanId, inst.seq, step.kind);
        if (loan.contact.optedOut) suppressed.push({ key, reason: 'opted_out' });
        else {
          candidates.push({
            key, loanId: loan.loanId, borrowerId: loan.borrowerId, installmentSeq: inst.seq, kind: step.kind, escalation: step.escalation,
            channel: loan.contact.channel, dueDate: inst.dueDate, outstanding: inst.outstanding, dpd: today - dueDay, scheduledAt: moments[latest] as number,
          });
        }
      }
      // The next step after everything passed or sent.
      const next = Math.max(latest, lastSent) + 1;
      if (!loan.contact.optedOut && next < REMINDER_STEPS.length) nextAt = Math.min(nextAt, moments[next] as number);
    }
  }

  const due: PlannedReminder[] = [];
  if (candidates.length > 0) {
    if (inQuiet(quiet, shanghaiMinuteOfDay(now))) {
      nextAt = Math.min(nextAt, nextAllowed(quiet, now));
    } else {
      candidates.sort((a, b) => (a.borrowerId < b.borrowerId ? -1 : a.borrowerId > b.borrowerId ? 1 : 0) || b.escalation - a.escalation || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const tomorrow = nextAllowed(quiet, shanghaiMoment(today + 1, 0));
      const used = new Map(contactsToday);
      for (const c of candidates) {
        const n = used.get(c.borrowerId) ?? 0;
        if (n < rules.maxContactsPerDay) {
          due.push(c);
          used.set(c.borrowerId, n + 1);
        } else nextAt = Math.min(nextAt, tomorrow);
      }
    }
  }
  suppressed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return ok({ due, nextAt: nextAt === Infinity ? null : nextAt, suppressed });
}
