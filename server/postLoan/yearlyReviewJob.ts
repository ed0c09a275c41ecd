import { randomUUID } from 'node:crypto';
import {
  behaviourScore, changeCreditLimit, changeCreditLineStatus, lineOutstandingPrincipal, recordCreditLineReview, yearlyReview,
  type IsoDate, type Product, type YearlyReviewOutcome, type YearlyReviewPolicy,
} from '../../core/index.js';
import { fromDbDate, inTransaction, laterOf, loadLine, saveLine, toBigFen, toDbDate, toFen } from '../services/index.js';
import { POST_LOAN_JOBS, type PostLoanContext } from './contracts.js';
import { retryOnConflict } from './lineFreeze.js';
import { behaviourSignals, productNames, watchedLines, type SignalSources, type WatchedLine } from './watchedLines.js';

export interface YearlyReviewOptions extends SignalSources {
  /** Thresholds; the configuration's (REVIEW_* settings) when not given. */
  readonly policy?: YearlyReviewPolicy;
  /** The products, to name the line's product in the message (its id otherwise). */
  readonly products?: readonly Product[];
  readonly chunkSize?: number;
}

export interface YearlyReviewSummary {
  readonly reviewed: number;
  readonly kept: number;
  readonly reduced: number;
  readonly frozen: number;
  readonly told: number;
}

/** Templates the borrower is told with when a review changes their line (Contacts catalog). */
export const REVIEW_TEMPLATES = { reduce: 'review.changed', freeze: 'review.frozen' } as const;

/** One message per line and review period, whatever reruns or restarts. */
export const reviewContactKey = (lineId: string, period: IsoDate): string => `review:${lineId}:${period}`;

interface Decided {
  readonly outcome: YearlyReviewOutcome;
  readonly oldLimit: number;
  readonly newLimit: number;
  readonly period: IsoDate;
  /** Whether the borrower's line changed (a line already frozen is not frozen again, nor told again). */
  readonly changed: boolean;
}

/**
 * The yearly review (年度复核) for a business date: every open line whose review date has come
 * (CreditLine.reviewAt ≤ the date) is kept, reduced or frozen by core yearlyReview on its behaviour
 * score. One statement's transaction records the LineReview (kind yearly, period = the review date
 * it answers: the unique key), saves the line through core (recordCreditLineReview moves the next
 * review a review interval on; changeCreditLimit never below what is drawn; a freeze is
 * freezeReason `review`, and a line already frozen keeps its reason) with its version check, and
 * the row's reviewAt, limit and freeze columns. The borrower is told after the commit, only when
 * their line changed. A rerun finds no line due (its review date moved) and only makes sure the
 * date's changes were told (same key: once).
 */
export function createYearlyReviewJob(options: YearlyReviewOptions) {
  const chunkSize = options.chunkSize ?? 200;
  return {
    name: POST_LOAN_JOBS.yearlyReview,
    /** 02:00 Shanghai, after early warning. */
    cron: '0 2 * * *',
    async run(ctx: PostLoanContext, businessDate: IsoDate): Promise<YearlyReviewSummary> {
      const counts = { reviewed: 0, kept: 0, reduced: 0, frozen: 0, told: 0 };
      const toldNow = new Set<string>();
      let after: string | null = null;
      for (;;) {
        const chunk = await watchedLines(ctx.prisma, { kind: 'review_due' }, businessDate, after, chunkSize);
        if (chunk.length === 0) break;
        for (const line of chunk) {
          const decided = await review(ctx, line, businessDate);
          if (!decided) continue;
          counts.reviewed++;
          counts[decided.outcome === 'keep' ? 'kept' : decided.outcome === 'reduce' ? 'reduced' : 'frozen']++;
          if (!decided.changed) continue;
          toldNow.add(line.lineId);
          if (await tell(ctx, line.lineId, line.borrowerId, decided)) counts.told++;
        }
        after = chunk[chunk.length - 1]!.lineId;
        ctx.logger.info({ kind: 'review', businessDate, ...counts }, '[review] progress');
      }
      counts.told += await retell(ctx, businessDate, toldNow);
      ctx.logger.info({ kind: 'review', businessDate, ...counts }, '[review] done');
      return counts;
    },
  };

  async function review(ctx: PostLoanContext, line: WatchedLine, businessDate: IsoDate): Promise<Decided | null> {
    const { signals, providerError } = await behaviourSignals(options, line, businessDate, ctx.clock.now().getTime());
    if (providerError) ctx.logger.warn({ lineId: line.lineId, reason: providerError }, '[review] monitoring data unavailable: reviewed on the bank’s own books');
    const score = behaviourScore(signals).total;
    return retryOnConflict(() =>
      inTransaction(ctx.prisma, async (tx) => {
        const loaded = await loadLine(tx, line.lineId);
        if (!loaded || (loaded.line.status !== 'active' && loaded.line.status !== 'frozen')) return null;
        const on = laterOf(businessDate, loaded.line.asOf);
        const decision = yearlyReview({ behaviourScore: score, limit: loaded.line.limit, outstanding: lineOutstandingPrincipal(loaded.line) }, options.policy ?? ctx.config.yearlyReview);
        if (!decision.ok) throw new Error(`yearly review of ${line.lineId}: ${decision.error.code} ${decision.error.message}`);
        const d = decision.value;
        const now = ctx.clock.now();
        const freezesNow = d.outcome === 'freeze' && loaded.line.status === 'active';
        const inserted = await tx.$queryRaw<{ id: string }[]>`INSERT INTO "LineReview" (id, "creditLineId", "borrowerId", kind, period, "businessDate", outcome, detail, "newLimitFen", "decidedAt", "createdAt", "updatedAt")
          VALUES (${randomUUID()}::uuid, ${line.lineId}::uuid, ${line.borrowerId}::uuid, 'yearly', ${line.reviewAt}::date, ${businessDate}::date, ${d.outcome},
            ${JSON.stringify({ behaviourScore: score, detail: d.detail, oldLimitFen: loaded.line.limit, changed: freezesNow || d.outcome === 'reduce' })}::jsonb,
            ${d.outcome === 'reduce' ? toBigFen(d.newLimit) : null}::bigint, ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz)
          ON CONFLICT ("creditLineId", kind, period) DO NOTHING RETURNING id`;
        if (inserted.length === 0) return null;
        let next = recordCreditLineReview(loaded.line, on);
        if (next.ok && d.outcome === 'reduce') next = changeCreditLimit(next.value.line, d.newLimit, on);
        if (next.ok && freezesNow) next = changeCreditLineStatus(next.value.line, 'frozen', on);
        if (!next.ok) throw new Error(`yearly review of ${line.lineId}: ${next.error.code} ${next.error.message}`);
        await saveLine(tx, loaded, next.value.line, now);
        await tx.creditLine.update({
          where: { id: line.lineId },
          data: {
            reviewAt: toDbDate(next.value.line.nextReviewDate),
            limitFen: toBigFen(next.value.line.limit),
            ...(freezesNow ? { freezeReason: 'review', frozenAt: now } : {}),
          },
        });
        return { outcome: d.outcome, oldLimit: loaded.line.limit, newLimit: next.value.line.limit, period: line.reviewAt, changed: freezesNow || d.outcome === 'reduce' };
      }),
    );
  }

  async function tell(ctx: PostLoanContext, lineId: string, borrowerId: string, d: Decided): Promise<boolean> {
    if (!d.changed || d.outcome === 'keep') return false;
    const row = await ctx.prisma.creditLine.findUnique({ where: { id: lineId }, select: { productId: true } });
    const outcome = await ctx.contacts.contact({
      key: reviewContactKey(lineId, d.period),
      borrowerId,
      creditLineId: lineId,
      purpose: 'review',
      template: REVIEW_TEMPLATES[d.outcome],
      params: { ...productNames(options.products, row?.productId ?? ''), oldLimit: d.oldLimit, newLimit: d.newLimit },
    });
    if (outcome.status === 'failed' || outcome.status === 'suppressed') ctx.logger.warn({ lineId, status: outcome.status, reason: outcome.reason }, '[review] the borrower could not be told of the review');
    return outcome.status === 'sent' || outcome.status === 'deferred';
  }

  /** A rerun's safety net: the date's reductions and freezes not told in this run are asked again (Contacts sends a key once). */
  async function retell(ctx: PostLoanContext, businessDate: IsoDate, toldNow: ReadonlySet<string>): Promise<number> {
    const changed = await ctx.prisma.lineReview.findMany({
      where: { kind: 'yearly', businessDate: toDbDate(businessDate), outcome: { in: ['reduce', 'freeze'] } },
      select: { creditLineId: true, borrowerId: true, outcome: true, period: true, newLimitFen: true, detail: true },
    });
    let told = 0;
    for (const r of changed) {
      if (toldNow.has(r.creditLineId)) continue;
      const detail = r.detail as { oldLimitFen?: number; changed?: boolean } | null;
      const oldLimit = Number(detail?.oldLimitFen ?? 0);
      const d: Decided = { outcome: r.outcome as YearlyReviewOutcome, oldLimit, newLimit: r.newLimitFen === null ? oldLimit : toFen(r.newLimitFen), period: fromDbDate(r.period), changed: detail?.changed === true };
      if (await tell(ctx, r.creditLineId, r.borrowerId, d)) told++;
    }
    return told;
  }
}

export type YearlyReviewJob = ReturnType<typeof createYearlyReviewJob>;
