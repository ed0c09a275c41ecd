import { randomUUID } from 'node:crypto';
import {
  addDays,
  addMonths,
  daysBetween,
  DEFAULT_RENEWAL_POLICY,
  screenRenewal,
  summarizeCreditLine,
  worstDaysPastDue,
  type BehaviourSignals,
  type BusinessStatus,
  type CreditLine,
  type IsoDate,
  type LoanPurpose,
  type RenewalInput,
} from '../../core/index.js';
import { Prisma } from '../db/generated/client.js';
import { AppError } from '../errors.js';
import { POST_LOAN_JOBS, type ContactOutcome, type PostLoanContext } from './contracts.js';
import type { DailyJob } from './dailyJobs.js';
import { behaviourSignals, type SignalSources } from './watchedLines.js';

/** What the screening of one business date did. */
export interface RenewalScreeningSummary {
  readonly businessDate: IsoDate;
  readonly windowDays: number;
  /** Lines screened for the first time for their period on this run. */
  readonly screened: number;
  readonly eligible: number;
  readonly ineligible: number;
  /** Invitations handed to the contact component (sent now or deferred to the contact window). */
  readonly invited: number;
  /** Eligible, but the contact component did not take the invitation (suppressed or failed): retried on the next run. */
  readonly notInvited: number;
  /** Invitations not answered by their line's last day, closed as `expired`. */
  readonly expired: number;
}

/** A line to screen, as one read gives it. */
interface Candidate {
  readonly id: string;
  readonly borrowerId: string;
  readonly validFrom: Date;
  readonly validUntil: Date;
  readonly state: CreditLine | null;
  readonly dpd: number;
  readonly purpose: string | null;
  readonly ruleResults: { rule?: string; status?: string }[] | null;
  readonly maxClassifiedDpd: number | null;
  readonly maxClassifiedDpd6m: number | null;
  readonly signalReasons: unknown;
  /** The line's renewal review for this period, when a run screened it already (still `eligible`: its invitation is not out yet). */
  readonly reviewId: string | null;
  readonly productId: string;
  readonly idNumberEnc: string | null;
  readonly uscc: string | null;
}

const isoOf = (d: Date): IsoDate => d.toISOString().slice(0, 10);

/**
 * The business registry status the bank last observed. The fresh decision of the renewal flow pulls
 * the registry again (with the borrower's consent); screening only pre-selects on what is on file:
 * an early-warning signal's business reasons (newest), else the admission rule passed at the line's
 * decision (`active` then). Nothing observed → absent, and screenRenewal says so.
 */
export function observedBusinessStatus(ruleResults: Candidate['ruleResults'], signalReasons: unknown): BusinessStatus | undefined {
  const codes = Array.isArray(signalReasons) ? signalReasons.map((r) => (r as { code?: unknown }).code) : [];
  if (codes.includes('EW_BUSINESS_DEREGISTERED')) return 'deregistered';
  if (codes.includes('EW_BUSINESS_ABNORMAL')) return 'abnormal';
  return ruleResults?.some((r) => r.rule === 'business_status' && r.status === 'passed') ? 'active' : undefined;
}

/**
 * The screen's inputs from what the bank holds on the line: the purpose of its application, the
 * worst days past due during the term and over six months (from the line's own repayment record and
 * the end-of-day classification history, whichever is worse), days past due now, limit and
 * outstanding, months on book, and what the monitoring provider observed (`observed`: deposits,
 * court, business status, lenders, inquiries). What nobody observed is left absent: the behaviour
 * card scores it as missing, and screenRenewal refuses a renewal without a business status.
 */
export function renewalInputOf(c: Candidate, businessDate: IsoDate, observed: Partial<BehaviourSignals> = {}): RenewalInput {
  const line = c.state!;
  const validFrom = isoOf(c.validFrom);
  const summary = summarizeCreditLine(line, businessDate > line.asOf ? businessDate : line.asOf);
  const currentDpd = Math.max(c.dpd, summary.ok ? summary.value.daysPastDue : 0);
  const worstTerm = Math.max(worstDaysPastDue(line, validFrom, businessDate), c.maxClassifiedDpd ?? 0, currentDpd);
  const worst6m = Math.max(worstDaysPastDue(line, addMonths(businessDate, -6), businessDate), c.maxClassifiedDpd6m ?? 0, currentDpd);
  const businessStatus = observed.businessStatus ?? observedBusinessStatus(c.ruleResults, c.signalReasons);
  const monthsOnBook = Math.max(0, Math.floor(daysBetween(validFrom, businessDate) / 30.4375));
  const signals: BehaviourSignals = {
    // The monitoring provider's observation (deposits, court, lenders, inquiries), then the bank's own books over it.
    ...observed,
    currentDpd,
    maxDpd6m: worst6m,
    lineLimit: line.limit,
    ...(summary.ok ? { outstanding: summary.value.outstandingPrincipal } : {}),
    monthsOnBook,
    ...(businessStatus ? { businessStatus } : {}),
  };
  return { purpose: (c.purpose ?? 'consumer') as LoanPurpose, maturityDate: isoOf(c.validUntil), maxDpdDuringTerm: worstTerm, signals };
}

/**
 * Renewal screening (续贷名单) for one business date: every active line whose last valid day falls
 * within `windowDays` (RENEWAL_WINDOW_DAYS) is screened once for that day with core screenRenewal,
 * and the result kept as its LineReview (kind renewal, period = the line's last valid day). Eligible
 * borrowers are invited through the contact component, keyed `renewal:<lineId>:<validUntil>`: run
 * again for the same date — or any later date — a line screened already is not screened again and
 * its invitation is not sent twice (the review is unique per line and period, the contact per key);
 * an invitation the contact component did not take is offered to it again. Invitations left
 * unanswered past their line's last day are closed as `expired`.
 */
export async function screenRenewals(ctx: PostLoanContext, businessDate: IsoDate, options: { readonly windowDays?: number; readonly sources?: SignalSources } = {}): Promise<RenewalScreeningSummary> {
  const windowDays = options.windowDays ?? ctx.config.renewalWindowDays ?? DEFAULT_RENEWAL_POLICY.windowDays;
  const policy = { ...DEFAULT_RENEWAL_POLICY, windowDays };
  const day = new Date(`${businessDate}T00:00:00.000Z`);
  if (Number.isNaN(day.getTime())) throw new AppError('VALIDATION_FAILED', { field: 'businessDate', reason: `not a date: ${businessDate}` });
  const last = new Date(`${addDays(businessDate, windowDays)}T00:00:00.000Z`);
  const sixMonthsAgo = new Date(`${addMonths(businessDate, -6)}T00:00:00.000Z`);
  // Invitations whose line passed its last day unanswered: closed, so 续贷 no longer finds them.
  const expired = await ctx.prisma.$executeRaw`UPDATE "LineReview" SET outcome = 'expired', "decidedAt" = ${ctx.clock.now()}::timestamptz, "updatedAt" = now()
    WHERE kind = 'renewal' AND outcome IN ('eligible', 'invited') AND period < ${day}::date`;
  const candidates = await ctx.prisma.$queryRaw<Candidate[]>(Prisma.sql`
    SELECT l.id, l."borrowerId", l."validFrom", l."validUntil", l.state, l.dpd, a.purpose, d.detail->'ruleResults' AS "ruleResults",
      (SELECT max(c.dpd) FROM "LoanClassification" c WHERE c."creditLineId" = l.id AND c."businessDate" >= l."validFrom") AS "maxClassifiedDpd",
      (SELECT max(c.dpd) FROM "LoanClassification" c WHERE c."creditLineId" = l.id AND c."businessDate" >= ${sixMonthsAgo}::date) AS "maxClassifiedDpd6m",
      (SELECT s.reasons FROM "RiskSignal" s WHERE s."creditLineId" = l.id AND s.status <> 'cleared' ORDER BY s."businessDate" DESC LIMIT 1) AS "signalReasons",
      r.id AS "reviewId", l."productId", b."idNumberEnc", b.uscc
    FROM "CreditLine" l JOIN "Borrower" b ON b.id = l."borrowerId"
    LEFT JOIN "Decision" d ON d.id = l."decisionId" LEFT JOIN "Application" a ON a.id = d."applicationId"
    LEFT JOIN "LineReview" r ON r."creditLineId" = l.id AND r.kind = 'renewal' AND r.period = l."validUntil"
    WHERE l.status = 'active' AND l."validUntil" >= ${day}::date AND l."validUntil" <= ${last}::date AND l.state IS NOT NULL
      AND (r.id IS NULL OR r.outcome = 'eligible')
    ORDER BY l."validUntil", l.id`);

  let screened = 0;
  let eligible = 0;
  let ineligible = 0;
  let invited = 0;
  let notInvited = 0;
  for (const c of candidates) {
    const period = isoOf(c.validUntil);
    let isEligible = c.reviewId !== null;
    if (c.reviewId === null) {
      const input = renewalInputOf(c, businessDate, await observation(options.sources, c, businessDate, ctx.clock.now().getTime()));
      const screen = screenRenewal(input, businessDate, { policy });
      isEligible = screen.ok && screen.value.eligible;
      const detail = screen.ok
        ? {
            reasons: screen.value.reasons.map((r) => ({ code: r.code, detail: r.detail })),
            warning: { level: screen.value.warning.level, reasons: screen.value.warning.reasons.map((r) => r.code) },
            behaviourScore: screen.value.warning.behaviourScore?.total ?? null,
            input,
          }
        : { error: screen.error.code, message: screen.error.message, input };
      // One review per line and period: a rerun (or another instance) that gets here second writes nothing.
      const inserted = await ctx.prisma.$executeRaw`INSERT INTO "LineReview" (id, "creditLineId", "borrowerId", kind, period, "businessDate", outcome, detail, "createdAt", "updatedAt")
        VALUES (${randomUUID()}::uuid, ${c.id}::uuid, ${c.borrowerId}::uuid, 'renewal', ${c.validUntil}::date, ${day}::date, ${isEligible ? 'eligible' : 'ineligible'}, ${JSON.stringify(detail)}::jsonb, now(), now())
        ON CONFLICT ("creditLineId", kind, period) DO NOTHING`;
      if (inserted === 0) continue;
      screened++;
      if (isEligible) eligible++;
      else ineligible++;
    }
    if (!isEligible) continue;
    const outcome: ContactOutcome = await ctx.contacts.contact({
      key: `renewal:${c.id}:${period}`,
      borrowerId: c.borrowerId,
      creditLineId: c.id,
      purpose: 'renewal',
      template: 'renewal.invite',
      params: { limit: c.state!.limit, validUntil: period },
    });
    if (outcome.status === 'sent' || outcome.status === 'duplicate' || outcome.status === 'deferred') {
      await ctx.prisma.$executeRaw`UPDATE "LineReview" SET outcome = 'invited', detail = COALESCE(detail, '{}'::jsonb) || ${JSON.stringify({ invitation: { status: outcome.status, channel: outcome.channel ?? null, businessDate } })}::jsonb, "updatedAt" = now()
        WHERE "creditLineId" = ${c.id}::uuid AND kind = 'renewal' AND period = ${c.validUntil}::date AND outcome = 'eligible'`;
      invited++;
    } else {
      ctx.logger.warn({ lineId: c.id, period, status: outcome.status, reason: outcome.reason }, 'renewal invitation not taken by the contact component');
      notInvited++;
    }
  }
  const summary: RenewalScreeningSummary = { businessDate, windowDays, screened, eligible, ineligible, invited, notInvited, expired };
  ctx.logger.info(summary, 'renewal screening done');
  return summary;
}

/** The monitoring provider's observation of the borrower (as early warning reads it); nothing when there is no provider or it has no answer. */
async function observation(sources: SignalSources | undefined, c: Candidate, businessDate: IsoDate, at: number): Promise<Partial<BehaviourSignals>> {
  if (!sources || !c.state) return {};
  const line = { lineId: c.id, borrowerId: c.borrowerId, productId: c.productId, status: 'active' as const, freezeReason: null, frozenAt: null, limit: c.state.limit, outstanding: 0, validFrom: isoOf(c.validFrom), reviewAt: businessDate, currentDpd: 0, maxDpd6m: 0, branch: null, managerId: null, idNumberEnc: c.idNumberEnc, uscc: c.uscc };
  const { signals, observed } = await behaviourSignals(sources, line, businessDate, at);
  if (!observed) return {};
  // Only what the provider adds; days past due, limit and outstanding come from the line's own record.
  const { currentDpd: _dpd, maxDpd6m: _dpd6m, lineLimit: _limit, outstanding: _outstanding, monthsOnBook: _months, ...provided } = signals;
  return provided;
}

/**
 * The daily job (append it to DAILY_JOBS after early warning, whose signals it reads): renewal
 * screening with the monitoring provider (`sources`: the behaviour-data provider and the cipher that
 * opens the ID number it is asked by), as early warning and the yearly review are built.
 */
export function createRenewalScreeningJob(sources: SignalSources): DailyJob {
  return { name: POST_LOAN_JOBS.renewal, cron: '0 7 * * *', run: (ctx, businessDate) => screenRenewals(ctx, businessDate, { sources }) };
}
