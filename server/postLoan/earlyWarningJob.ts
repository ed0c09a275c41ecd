import { randomUUID } from 'node:crypto';
import { addDays, earlyWarning, RISK_REASONS, type EarlyWarning, type IsoDate, type Product, type WarningPolicy } from '../../core/index.js';
import type { Prisma } from '../db/generated/client.js';
import { inTransaction, toDbDate, type Tx } from '../services/index.js';
import { POST_LOAN_JOBS, type PostLoanContext } from './contracts.js';
import { freezeLine, retryOnConflict } from './lineFreeze.js';
import { behaviourSignals, productNames, watchedLines, type SignalSources, type WatchedLine } from './watchedLines.js';

/** A reason as stored on a RiskSignal: the code, its level, the words in Chinese and English, and the detail. */
export interface StoredReason {
  readonly code: string;
  readonly level: 'red' | 'orange' | 'yellow';
  readonly zh: string;
  readonly en: string;
  readonly detail: string;
}

export interface EarlyWarningOptions extends SignalSources {
  readonly policy?: WarningPolicy;
  /** The products, to name the line's product in the message (its id otherwise). */
  readonly products?: readonly Product[];
  /** Lines read per chunk (keyset). */
  readonly chunkSize?: number;
  /**
   * A red signal cleared by a reviewer holds this many days: a new red signal for no other reason
   * than those cleared is still recorded, but does not freeze the line again (the reviewer judged
   * it; tomorrow's batch should not overrule them). A new reason freezes.
   */
  readonly clearedHoldsDays?: number;
}

export interface EarlyWarningSummary {
  readonly processed: number;
  readonly signals: { readonly red: number; readonly orange: number; readonly yellow: number };
  readonly frozen: number;
  readonly told: number;
  readonly unobserved: number;
}

/** The template the borrower is told with when a red warning freezes their line (Contacts catalog). */
export const WARNING_FROZEN_TEMPLATE = 'warning.frozen';

/** The contact's key: one message per line frozen by a business date's signal, whatever reruns or restarts. */
export const warningContactKey = (lineId: string, businessDate: IsoDate): string => `warning.frozen:${lineId}:${businessDate}`;

const storedReasons = (w: EarlyWarning): StoredReason[] =>
  w.reasons.map((r) => ({ code: r.code, level: r.level, zh: r.messageZh, en: RISK_REASONS[r.code].en, detail: r.detail }));

/**
 * The early-warning batch (贷后预警) for a business date, after the end-of-day batch: every open line
 * with money out, in keyset chunks, gets core BehaviourSignals (the bank's books and the monitoring
 * provider) and core earlyWarning; red, orange or yellow becomes one RiskSignal per line and date
 * with its reasons, behaviour score, branch and manager. A red signal freezes new drawdowns on an
 * active line (freezeReason `warning`) in the statement's transaction, and the borrower is told
 * politely after it commits (Contacts, `warning.frozen`).
 *
 * Idempotent per date: the signal's unique (line, date) key means a rerun inserts and freezes
 * nothing more; a rerun only asks Contacts again for a line this date's signal froze, under the
 * same key, so a message lost to a crash between the commit and the contact is sent once.
 */
export function createEarlyWarningJob(options: EarlyWarningOptions) {
  const chunkSize = options.chunkSize ?? 200;
  const holdDays = options.clearedHoldsDays ?? 30;
  return {
    name: POST_LOAN_JOBS.earlyWarning,
    /** 01:30 Shanghai: after the end-of-day batch (00:30) has marked what is overdue. */
    cron: '30 1 * * *',
    async run(ctx: PostLoanContext, businessDate: IsoDate): Promise<EarlyWarningSummary> {
      const started = Date.now();
      const counts = { processed: 0, red: 0, orange: 0, yellow: 0, frozen: 0, told: 0, unobserved: 0 };
      let after: string | null = null;
      for (;;) {
        const chunk = await watchedLines(ctx.prisma, { kind: 'money_out' }, businessDate, after, chunkSize);
        if (chunk.length === 0) break;
        for (const line of chunk) await one(ctx, line, businessDate, counts);
        after = chunk[chunk.length - 1]!.lineId;
        ctx.logger.info({ kind: 'warning', businessDate, processed: counts.processed, changed: counts.red + counts.orange + counts.yellow, ratePerSecond: Math.round(counts.processed / Math.max(0.001, (Date.now() - started) / 1000)) }, '[warning] progress');
      }
      const summary = { processed: counts.processed, signals: { red: counts.red, orange: counts.orange, yellow: counts.yellow }, frozen: counts.frozen, told: counts.told, unobserved: counts.unobserved };
      ctx.logger.info({ kind: 'warning', businessDate, ...summary }, '[warning] done');
      return summary;
    },
  };

  async function one(ctx: PostLoanContext, line: WatchedLine, businessDate: IsoDate, counts: Record<string, number>): Promise<void> {
    counts.processed!++;
    const existing = await ctx.prisma.riskSignal.findUnique({ where: { creditLineId_businessDate: { creditLineId: line.lineId, businessDate: toDbDate(businessDate) } }, select: { level: true, createdAt: true } });
    if (existing) {
      // A rerun: only the message of a freeze this signal made is made sure of (same key: sent once).
      if (existing.level === 'red' && line.freezeReason === 'warning' && line.frozenAt?.getTime() === existing.createdAt.getTime()) await tell(ctx, line, businessDate, counts);
      return;
    }
    const at = ctx.clock.now().getTime();
    const { signals, observed, providerError } = await behaviourSignals(options, line, businessDate, at);
    if (!observed) counts.unobserved!++;
    if (providerError) ctx.logger.warn({ lineId: line.lineId, reason: providerError }, '[warning] monitoring data unavailable: warning on the bank’s own books only');
    const warned = earlyWarning(signals, options.policy ? { policy: options.policy } : {});
    if (!warned.ok) {
      ctx.logger.warn({ lineId: line.lineId, code: warned.error.code, reason: warned.error.message }, '[warning] signals refused: no signal for this line');
      return;
    }
    const w = warned.value;
    if (w.level === 'none') return;
    const froze = await retryOnConflict(() =>
      inTransaction(ctx.prisma, async (tx) => {
        const now = ctx.clock.now();
        const inserted = await tx.$queryRaw<{ id: string }[]>`INSERT INTO "RiskSignal" (id, "creditLineId", "borrowerId", "businessDate", level, reasons, "behaviourScore", branch, "managerId", status, "createdAt")
          VALUES (${randomUUID()}::uuid, ${line.lineId}::uuid, ${line.borrowerId}::uuid, ${businessDate}::date, ${w.level}, ${JSON.stringify(storedReasons(w))}::jsonb, ${w.behaviourScore?.total ?? null}::int,
            ${line.branch}, ${line.managerId}::uuid, 'open', ${now}::timestamptz)
          ON CONFLICT ("creditLineId", "businessDate") DO NOTHING RETURNING id`;
        if (inserted.length === 0) return null;
        if (w.level !== 'red' || line.status !== 'active' || (await clearedHolds(tx, line.lineId, w, businessDate))) return false;
        return (await freezeLine(tx, line.lineId, 'warning', businessDate, now)) === 'frozen';
      }),
    );
    if (froze === null) return;
    counts[w.level]!++;
    if (froze) {
      counts.frozen!++;
      await tell(ctx, line, businessDate, counts);
    }
  }

  /** Whether a red signal cleared by a reviewer within the hold covers every red reason of `w`. */
  async function clearedHolds(tx: Tx, lineId: string, w: EarlyWarning, businessDate: IsoDate): Promise<boolean> {
    const cleared = await tx.riskSignal.findFirst({
      where: { creditLineId: lineId, level: 'red', status: 'cleared', businessDate: { gte: toDbDate(addDays(businessDate, -holdDays)), lt: toDbDate(businessDate) } },
      orderBy: { businessDate: 'desc' },
      select: { reasons: true },
    });
    if (!cleared) return false;
    const judged = new Set((cleared.reasons as unknown as StoredReason[]).filter((r) => r.level === 'red').map((r) => r.code));
    return w.reasons.filter((r) => r.level === 'red').every((r) => judged.has(r.code));
  }

  async function tell(ctx: PostLoanContext, line: WatchedLine, businessDate: IsoDate, counts: Record<string, number>): Promise<void> {
    const outcome = await ctx.contacts.contact({ key: warningContactKey(line.lineId, businessDate), borrowerId: line.borrowerId, creditLineId: line.lineId, purpose: 'warning', template: WARNING_FROZEN_TEMPLATE, params: productNames(options.products, line.productId) });
    if (outcome.status === 'sent' || outcome.status === 'deferred') counts.told!++;
    if (outcome.status === 'failed' || outcome.status === 'suppressed') ctx.logger.warn({ lineId: line.lineId, status: outcome.status, reason: outcome.reason }, '[warning] the borrower could not be told of the freeze');
  }
}

export type EarlyWarningJob = ReturnType<typeof createEarlyWarningJob>;

/** Reads a stored reasons column (the console). */
export const reasonsOf = (value: Prisma.JsonValue): StoredReason[] => (Array.isArray(value) ? (value as unknown as StoredReason[]) : []);
