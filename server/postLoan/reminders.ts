import {
  addDays, DEFAULT_CONTACT_POLICY, DEFAULT_DAY_COUNT, DEFAULT_PENALTY_MULTIPLIER, DEMO_PRODUCTS, formatIsoDate, civilFromDays, interestForDays, planReminders, shanghaiDayNumber,
  type ContactPolicy, type ContactRules, type Fen, type IsoDate, type ReminderLoan, type PlannedReminder,
} from '../../core/index.js';
import type { Sql } from '../runtime/index.js';
import { BatchProgressMeter } from './batchProgress.js';
import type { BatchProgress, ContactOutcome, ContactRequest, PostLoanContext } from './contracts.js';

/** The contact key of a reminder: `reminder:<drawdownId>:<period>:<kind>` (the planner's key, prefixed). */
export const reminderContactKey = (plannedKey: string): string => `reminder:${plannedKey}`;

export interface ReminderSweepOptions {
  /** Drawdowns read per chunk (keyset on the id: memory holds one chunk). */
  readonly chunkSize?: number;
  /** Borrowers contacted at once within a chunk (one borrower's reminders go one after another, for the caps). */
  readonly concurrency?: number;
  readonly policy?: ContactPolicy;
  /** The bank product's names shown in the words (【常德快贷】); the demo products' by default. */
  readonly productNames?: (productId: string) => { readonly zh: string; readonly en: string };
  readonly onProgress?: (progress: BatchProgress) => void;
  readonly progressEveryMs?: number;
}

export interface ReminderSweepResult {
  readonly at: string;
  readonly drawdowns: number;
  readonly planned: number;
  readonly outcomes: Readonly<Record<ContactOutcome['status'], number>>;
  readonly seconds: number;
}

interface InstallmentRow {
  drawdownId: string;
  borrowerId: string;
  creditLineId: string;
  productId: string;
  ratePpm: number;
  period: number;
  dueDate: string;
  principalFen: string;
  interestFen: string;
  paidPrincipal: string;
  paidInterest: string;
  paidPenalty: string;
}

const clockTime = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** The planner's quiet hours are the hours outside the contact window; a step's moment is 10:00, or the window's start if later. */
export function reminderRules(policy: ContactPolicy): ContactRules {
  // The contact component applies the caps (with the full contact history): the planner only sequences steps.
  return { quietStart: clockTime(policy.windowEnd), quietEnd: clockTime(policy.windowStart), sendTime: clockTime(Math.max(policy.windowStart, 600)), maxContactsPerDay: 1_000 };
}

const demoNames = (productId: string) => {
  const p = DEMO_PRODUCTS.find((x) => x.id === productId);
  return { zh: p?.nameZh ?? productId, en: p?.nameEn ?? productId };
};

/**
 * The reminder sweep at `now`: every active drawdown, a chunk at a time in id order, with its unpaid
 * instalments due from 30 days ago to 3 days ahead; core `planReminders` says which step (T−3, T−1,
 * due day, DPD 1/3/7/15/30) is due for each, given the reminders already logged; each goes to the
 * contact component with key `reminder:<drawdownId>:<period>:<kind>`, the amount due and, when
 * overdue, the penalty interest so far (computed here by core from the instalment, so the sweep does
 * not depend on the end-of-day batch having run). Run twice for the same moment it sends nothing
 * twice: the ContactLog key is the proof. A reminder logged `sending` by a process that died is
 * planned again and finished by the contact component (told once in the conversation).
 */
export async function sweepReminders(ctx: PostLoanContext, options: ReminderSweepOptions = {}): Promise<ReminderSweepResult> {
  const started = performance.now();
  const now = ctx.clock.now();
  const nowMs = now.getTime();
  const today = formatIsoDate(civilFromDays(shanghaiDayNumber(nowMs)));
  const from = addDays(today, -31);
  const to = addDays(today, 3);
  const chunkSize = options.chunkSize ?? 1_000;
  const concurrency = options.concurrency ?? 8;
  const rules = reminderRules(options.policy ?? (ctx.config as { contact?: { policy: ContactPolicy } }).contact?.policy ?? DEFAULT_CONTACT_POLICY);
  const multiplier = (ctx.config as { penaltyMultiplier?: number }).penaltyMultiplier ?? DEFAULT_PENALTY_MULTIPLIER;
  const names = options.productNames ?? demoNames;
  const outcomes: Record<ContactOutcome['status'], number> = { sent: 0, duplicate: 0, deferred: 0, suppressed: 0, failed: 0 };
  let drawdowns = 0;
  let planned = 0;

  const total = Number((await ctx.sql.query(`SELECT count(*)::int AS n FROM "Drawdown" WHERE status = 'active'`))[0]?.n ?? 0);
  const meter = new BatchProgressMeter({ kind: 'reminders', businessDate: today, total }, (p) => (options.onProgress ? options.onProgress(p) : ctx.logger.info(p, 'reminder sweep progress')), undefined, options.progressEveryMs ?? 5_000);

  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const ids = (await ctx.sql.query(`SELECT id::text AS id FROM "Drawdown" WHERE status = 'active' AND id > $1::uuid ORDER BY id LIMIT $2`, [after, chunkSize])).map((r) => r.id as string);
    if (!ids.length) break;
    after = ids[ids.length - 1]!;
    drawdowns += ids.length;
    const rows = await unpaidInstallments(ctx.sql, ids, from, to);
    const loans = new Map<string, ReminderLoan & { row: InstallmentRow; periods: Map<number, InstallmentRow> }>();
    const candidateKeys: string[] = [];
    for (const r of rows) {
      const outstanding = Number(r.principalFen) - Number(r.paidPrincipal) + Number(r.interestFen) - Number(r.paidInterest);
      if (outstanding <= 0) continue;
      let loan = loans.get(r.drawdownId);
      if (!loan) {
        loan = { loanId: r.drawdownId, borrowerId: r.borrowerId, installments: [], contact: { channel: 'app', optedOut: false }, row: r, periods: new Map() };
        loans.set(r.drawdownId, loan);
      }
      (loan.installments as { seq: number; dueDate: IsoDate; outstanding: Fen }[]).push({ seq: r.period, dueDate: r.dueDate, outstanding });
      loan.periods.set(r.period, r);
      for (const kind of ['T-3', 'T-1', 'DUE', 'DPD1', 'DPD3', 'DPD7', 'DPD15', 'DPD30']) candidateKeys.push(reminderContactKey(`${r.drawdownId}:${r.period}:${kind}`));
    }
    // Reminders already logged (sent, deferred, suppressed, failed): the planner never returns them again.
    // Pending or sending ones (a process died mid-way) are planned again, so the contact component finishes them.
    const logged = candidateKeys.length
      ? await ctx.sql.query(`SELECT key FROM "ContactLog" WHERE key = ANY($1::text[]) AND status NOT IN ('pending', 'sending')`, [`{${candidateKeys.map((k) => `"${k}"`).join(',')}}`])
      : [];
    const history = logged.map((r) => ({ borrowerId: '', at: 0, key: (r.key as string).slice('reminder:'.length) }));
    const plan = planReminders([...loans.values()].map(({ loanId, borrowerId, installments, contact }) => ({ loanId, borrowerId, installments, contact })), nowMs, history, rules);
    if (!plan.ok) throw new Error(`reminder plan: ${plan.error.code} ${plan.error.message}`);
    planned += plan.value.due.length;

    const requestOf = (p: PlannedReminder): ContactRequest => {
      const r = loans.get(p.loanId)!.periods.get(p.installmentSeq)!;
      const penalty = p.dpd > 0 ? Math.max(0, interestForDays(Number(r.principalFen) - Number(r.paidPrincipal), (r.ratePpm / 1_000_000) * multiplier, p.dpd, DEFAULT_DAY_COUNT) - Number(r.paidPenalty)) : 0;
      const product = names(r.productId);
      return {
        key: reminderContactKey(p.key),
        borrowerId: p.borrowerId,
        creditLineId: r.creditLineId,
        purpose: p.dpd > 0 ? 'collection' : 'reminder',
        template: `reminder.${p.kind}`,
        params: { drawdownId: p.loanId, period: p.installmentSeq, dueDate: p.dueDate, amount: p.outstanding + penalty, penalty, dpd: Math.max(0, p.dpd), productZh: product.zh, productEn: product.en },
      };
    };
    if (ctx.contacts.contactMany) {
      // The chunk's reminders in one call (ordered by borrower, the most escalated first): a few statements, not a few per reminder.
      for (const outcome of await ctx.contacts.contactMany(plan.value.due.map(requestOf))) outcomes[outcome.status]++;
    } else {
      // One borrower's reminders in order (the caps count them); different borrowers side by side.
      const byBorrower = new Map<string, PlannedReminder[]>();
      for (const p of plan.value.due) byBorrower.set(p.borrowerId, [...(byBorrower.get(p.borrowerId) ?? []), p]);
      const queues = [...byBorrower.values()];
      const worker = async () => {
        for (let q = queues.shift(); q; q = queues.shift()) for (const p of q) outcomes[(await ctx.contacts.contact(requestOf(p))).status]++;
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));
    }
    meter.add(ids.length, plan.value.due.length);
  }
  meter.flush();
  return { at: now.toISOString(), drawdowns, planned, outcomes, seconds: Math.round((performance.now() - started) / 10) / 100 };
}

async function unpaidInstallments(sql: Sql, drawdownIds: readonly string[], from: IsoDate, to: IsoDate): Promise<InstallmentRow[]> {
  const rows = await sql.query(
    `SELECT i."drawdownId"::text AS "drawdownId", l."borrowerId"::text AS "borrowerId", l.id::text AS "creditLineId", l."productId", d."ratePpm",
       i.period, to_char(i."dueDate", 'YYYY-MM-DD') AS "dueDate", i."principalFen"::text AS "principalFen", i."interestFen"::text AS "interestFen",
       i."paidPrincipal"::text AS "paidPrincipal", i."paidInterest"::text AS "paidInterest", i."paidPenalty"::text AS "paidPenalty"
     FROM "Installment" i JOIN "Drawdown" d ON d.id = i."drawdownId" JOIN "CreditLine" l ON l.id = d."creditLineId"
     WHERE i."drawdownId" = ANY($1::uuid[]) AND i.status <> 'paid' AND i."dueDate" BETWEEN $2::date AND $3::date
     ORDER BY i."drawdownId", i.period`,
    [`{${drawdownIds.join(',')}}`, from, to],
  );
  return rows as unknown as InstallmentRow[];
}
