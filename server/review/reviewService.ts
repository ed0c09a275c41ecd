import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  DATA_SOURCE_NAMES,
  maskSocialCreditCode,
  priceReviewedOffer,
  REVIEW_DECLINE_REASONS,
  reviewBounds,
  RISK_REASONS,
  shanghaiDateOf,
  type ApplicantProfile,
  type DataSource,
  type LoanPurpose,
  type Product,
  type RepaymentMethod,
  type ReviewBounds,
  type ReviewDeclineReason,
  type RuleResult,
  type VariableScore,
} from '../../core/index.js';
import type { ConversationEvent } from '../../flows/index.js';
import type { PendingOffer } from '../../flows/host.js';
import type { Clock } from '../clock.js';
import { Prisma, type Decision, type PrismaClient, type ReviewAct, type WorkItemNote } from '../db/generated/client.js';
import { AppError } from '../errors.js';
import { fieldContext, type FieldCipher } from '../security/fieldCipher.js';
import { deadlineJobKey, WORK_ORDER_ESCALATE_JOB, WORK_ORDER_WARN_JOB, type DeadlineJobPayload } from '../workOrders/index.js';
import { auditRow, fromBp, fromPpm, IF_GUARDED, insertRows, isUniqueViolation, jsonValue, queryOne, toBp, toFen, toPpm } from '../services/persistence.js';

/** Who acts on a review: the staff member and the tag of the address they act from. */
export interface Reviewer {
  readonly staffId: string;
  readonly username: string;
  readonly displayName: string;
  readonly employeeNo: string | null;
  readonly origin?: string | undefined;
}

export interface ReviewServiceDeps {
  readonly prisma: PrismaClient;
  /** Opens the stored data pull (it is kept encrypted: it holds personal data). */
  readonly cipher: Pick<FieldCipher, 'decrypt'>;
  readonly products: readonly Product[];
  /** Which providers the data came from: the built-in sandbox or the bank's own (the configuration's PROVIDERS). */
  readonly dataProviders: 'sandbox' | 'bank';
  readonly clock: Clock;
  readonly logger: Pick<Logger, 'warn'>;
  /** Sends the event into the borrower's conversation (the runtime's dispatch). */
  readonly notify: (conversationId: string, event: ConversationEvent) => Promise<unknown>;
  /** Tells the staff consoles that a review (by application id) and its work order changed, once committed. */
  readonly changed?: (applicationId: string, workItemId: string) => void;
}

/** What a reviewer's act came to. `replayed`: the same act was made before (a retried request); nothing new was recorded. */
export type ReviewResult =
  | { readonly status: 'approved'; readonly decisionId: string; readonly limitFen: number; readonly annualRate: number; readonly apr: { readonly simple: number; readonly compound: number }; readonly offerExpiresAt: string; readonly borrowerNotified: boolean; readonly replayed: boolean }
  | { readonly status: 'pending_confirmation'; readonly approvalId: string; readonly limitFen: number; readonly annualRate: number; readonly fourEyesAbove: number; readonly replayed: boolean }
  | { readonly status: 'declined'; readonly decisionId: string; readonly reasonCode: string; readonly borrowerNotified: boolean; readonly replayed: boolean }
  | { readonly status: 'info_requested'; readonly actId: string; readonly borrowerNotified: boolean; readonly replayed: boolean };

/** One row of the reviewers' queue. */
export interface ReviewQueueItem {
  readonly applicationId: string;
  readonly workItemId: string;
  readonly workOrderNumber: string | null;
  readonly status: string;
  readonly openedAt: string;
  readonly dueAt: string;
  readonly overdue: boolean;
  readonly applicant: { readonly name: string | null; readonly phone: string | null; readonly idNumber: string | null; readonly enterpriseName: string | null };
  readonly productId: string;
  readonly productName: { readonly zh: string; readonly en: string } | null;
  readonly requestedAmountFen: number | null;
  readonly score: number | null;
  readonly grade: string | null;
  readonly provisionalLimitFen: number | null;
  readonly reasonCodes: readonly string[];
  readonly assignee: string | null;
  /** An approval waiting for a second reviewer. */
  readonly pendingApproval: { readonly by: string; readonly limitFen: number } | null;
}

/** What one read of an application in review holds (decision and work-item columns null when absent). */
interface ReviewRow {
  readonly id: string;
  readonly borrowerId: string;
  readonly productId: string;
  readonly status: string;
  readonly purpose: string | null;
  readonly purposeDetail: string | null;
  readonly requestedAmount: bigint | null;
  readonly requestedTerm: number | null;
  readonly conversationId: string | null;
  readonly submittedAt: Date;
  readonly reviewDecisionId: string | null;
  readonly score: number | null;
  readonly grade: string | null;
  readonly provisionalLimitFen: bigint | null;
  readonly provisionalRatePpm: number | null;
  readonly provisionalAprSimpleBp: number | null;
  readonly provisionalAprCompoundBp: number | null;
  readonly detail: DecisionDetail | null;
  readonly modelVersion: string | null;
  readonly reasonCodes: string[] | null;
  readonly reviewDecidedAt: Date | null;
  readonly latestDecisionId: string | null;
  readonly latestOutcome: string | null;
  readonly latestLimitFen: bigint | null;
  readonly latestRatePpm: number | null;
  readonly latestAprSimpleBp: number | null;
  readonly latestAprCompoundBp: number | null;
  readonly latestReasonCodes: string[] | null;
  readonly latestCreatedAt: Date | null;
  readonly offerExpiresAt: Date | null;
  readonly workItemId: string | null;
  readonly workOrderNumber: string | null;
  readonly workItemStatus: string | null;
  readonly dueAt: Date | null;
  readonly openedAt: Date | null;
  readonly assignee: string | null;
}

/** The stored decision detail (decisionService's detailOf), as far as a review reads it. */
interface DecisionDetail {
  readonly pd?: number | null;
  readonly scoreBreakdown?: readonly VariableScore[];
  readonly ruleResults?: readonly RuleResult[];
  readonly limitBinding?: string | null;
  readonly offeredAmount?: number;
  readonly termMonths?: number;
  readonly repaymentMethod?: string;
  readonly dti?: number | null;
  readonly monthlyInstalmentForDti?: number | null;
  readonly incomeBasis?: string;
  readonly asOf?: string;
  readonly review?: { readonly actId: string };
}

interface ActRow extends ReviewAct {
  readonly staffName: string | null;
  readonly staffNo: string | null;
}

const REVIEW_MODEL = 'manual-review';
/** A work order's two deadlines (its jobs are keyed by them). */
const DEADLINES: readonly DeadlineJobPayload['deadline'][] = ['first_response', 'resolution'];
const CLOSED_STATES = Prisma.sql`('resolved', 'closed')`;
/** Shanghai midnight after `date` (the offer lapses then), as the offer flow reads an expiry day. */
const endOfShanghaiDay = (date: string): number => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d + 1) - 8 * 3_600_000;
};

/**
 * Manual review (人工审批) of applications the automatic decision sent to a person: the queue, the
 * application as a reviewer reads it (applicant masked, consents and data with their sources, score,
 * grade, every rule hit in words, the provisional offer and the product's bounds), and the acts —
 * approve (within the bounds; above the product's four-eyes threshold only once a second, different
 * reviewer confirms), decline (a reason code and the borrower's explanation), ask the borrower a
 * question. A decision is recorded in one statement guarded by the review's work item still being
 * open, so a repeated request records once (and is answered as before); then it is dispatched into
 * the borrower's conversation, which tells them on their channel. Every act is audited with who,
 * when and from where.
 */
export class ReviewService {
  constructor(private readonly deps: ReviewServiceDeps) {}

  private get prisma(): PrismaClient {
    return this.deps.prisma;
  }

  /** Applications waiting for a reviewer, oldest first, with their deadlines. */
  async queue(limit = 200): Promise<ReviewQueueItem[]> {
    const now = this.deps.clock.now();
    const rows = await this.prisma.$queryRaw<
      {
        applicationId: string; workItemId: string; number: string | null; status: string; openedAt: Date; dueAt: Date; productId: string; requestedAmount: bigint | null;
        name: string | null; phoneMasked: string | null; idNumberMasked: string | null; enterpriseName: string | null; score: number | null; grade: string | null; limitFen: bigint | null; reasonCodes: string[] | null;
        assignee: string | null; pendingBy: string | null; pendingLimitFen: bigint | null;
      }[]
    >`SELECT a.id AS "applicationId", w.id AS "workItemId", w.number, w.status::text AS status, w."createdAt" AS "openedAt", w."dueAt", a."productId", a."requestedAmount",
        b.name, b."phoneMasked", b."idNumberMasked", b."enterpriseName", m.score, m.grade, m."limitFen", m."reasonCodes",
        (SELECT s."displayName" FROM "StaffUser" s WHERE s.id = w."assigneeId") AS assignee,
        p."pendingBy", p."pendingLimitFen"
      FROM "WorkItem" w
      JOIN "Application" a ON a.id = w."applicationId"
      JOIN "Borrower" b ON b.id = a."borrowerId"
      LEFT JOIN LATERAL (SELECT d.score, d.grade, d."limitFen", d."reasonCodes" FROM "Decision" d WHERE d."applicationId" = a.id AND d.outcome = 'manual_review' ORDER BY d."createdAt" DESC LIMIT 1) m ON true
      LEFT JOIN LATERAL (SELECT s."displayName" AS "pendingBy", r."limitFen" AS "pendingLimitFen" FROM "ReviewAct" r LEFT JOIN "StaffUser" s ON s.id = r."staffId"
        WHERE r."applicationId" = a.id AND r.kind = 'approve' AND r.status = 'pending' LIMIT 1) p ON true
      WHERE w.kind = 'manual_review' AND w.status NOT IN ${CLOSED_STATES}
      ORDER BY w."createdAt" ASC, w.id
      LIMIT ${limit}`;
    return rows.map((r) => {
      const product = this.deps.products.find((p) => p.id === r.productId);
      return {
        applicationId: r.applicationId,
        workItemId: r.workItemId,
        workOrderNumber: r.number,
        status: r.status,
        openedAt: r.openedAt.toISOString(),
        dueAt: r.dueAt.toISOString(),
        overdue: r.dueAt.getTime() < now.getTime(),
        applicant: { name: r.name, phone: r.phoneMasked, idNumber: r.idNumberMasked, enterpriseName: r.enterpriseName },
        productId: r.productId,
        productName: product ? { zh: product.nameZh, en: product.nameEn } : null,
        requestedAmountFen: r.requestedAmount === null ? null : toFen(r.requestedAmount),
        score: r.score,
        grade: r.grade,
        provisionalLimitFen: r.limitFen === null ? null : toFen(r.limitFen),
        reasonCodes: r.reasonCodes ?? [],
        assignee: r.assignee,
        pendingApproval: r.pendingBy !== null && r.pendingLimitFen !== null ? { by: r.pendingBy, limitFen: toFen(r.pendingLimitFen) } : null,
      };
    });
  }

  /** The application as a reviewer reads it; opening it is audited (borrower.details_viewed). */
  async detail(applicationId: string, viewer: Reviewer) {
    const row = await this.read(applicationId);
    const [borrower, consents, pull, acts, messages] = await Promise.all([
      this.prisma.borrower.findUniqueOrThrow({ where: { id: row.borrowerId }, select: { kind: true, name: true, idNumberMasked: true, phoneMasked: true, enterpriseName: true, uscc: true, enterpriseRole: true } }),
      this.prisma.consent.findMany({ where: { borrowerId: row.borrowerId }, orderBy: { grantedAt: 'asc' } }),
      this.pulledData(applicationId),
      this.acts(applicationId),
      row.conversationId
        ? this.prisma.message.findMany({ where: { conversationId: row.conversationId }, orderBy: { seq: 'desc' }, take: 20, select: { seq: true, direction: true, author: true, text: true, createdAt: true } })
        : Promise.resolve([]),
    ]);
    const product = this.productOf(row);
    const bounds = this.boundsOf(row, product);
    const detail = row.detail ?? {};
    const rules = (detail.ruleResults ?? []).map((r) => ({
      rule: r.rule,
      status: r.status,
      hit: r.status !== 'passed',
      severity: r.severity,
      code: r.code,
      reason: r.code ? { zh: RISK_REASONS[r.code]?.zh ?? r.messageZh ?? r.code, en: RISK_REASONS[r.code]?.en ?? r.code } : null,
      observed: r.detail,
    }));
    const conversation = row.conversationId ? await this.prisma.conversation.findUnique({ where: { id: row.conversationId }, select: { id: true, channel: true } }) : null;
    await this.prisma.$executeRaw(
      insertRows('AuditLog', [
        auditRow({
          actorType: 'staff',
          actorId: viewer.staffId,
          action: 'borrower.details_viewed',
          subjectType: 'Application',
          subjectId: applicationId,
          at: this.deps.clock.now().getTime(),
          detail: { borrowerId: row.borrowerId, username: viewer.username, via: 'review', ...(viewer.origin ? { origin: viewer.origin } : {}) },
        }),
      ]),
    );
    const consentOf = new Map(consents.filter((c) => c.revokedAt === null).map((c) => [c.source, c.id] as const));
    return {
      application: {
        id: row.id,
        status: row.status,
        productId: row.productId,
        productName: { zh: product.nameZh, en: product.nameEn },
        purpose: row.purpose,
        purposeDetail: row.purposeDetail,
        requestedAmountFen: row.requestedAmount === null ? null : toFen(row.requestedAmount),
        termMonths: detail.termMonths ?? row.requestedTerm,
        repaymentMethod: detail.repaymentMethod ?? null,
        submittedAt: row.submittedAt.toISOString(),
      },
      // Masked as stored: staff pages never show a full ID number, phone or card.
      applicant: {
        kind: borrower.kind,
        name: borrower.name,
        idNumber: borrower.idNumberMasked,
        phone: borrower.phoneMasked,
        enterprise: borrower.enterpriseName ? { name: borrower.enterpriseName, uscc: borrower.uscc ? maskSocialCreditCode(borrower.uscc) : null, role: borrower.enterpriseRole } : null,
      },
      consents: consents.map((c) => ({
        id: c.id,
        source: c.source,
        sourceName: DATA_SOURCE_NAMES[c.source as DataSource] ?? { zh: c.source, en: c.source },
        textVersion: c.textVersion,
        channel: c.channel,
        grantedAt: c.grantedAt.toISOString(),
        revokedAt: c.revokedAt?.toISOString() ?? null,
      })),
      data: pull
        ? {
            pulledAt: pull.at.toISOString(),
            synthetic: pull.synthetic,
            sources: Object.entries(pull.profile.sources).map(([source, values]) => ({
              source,
              sourceName: DATA_SOURCE_NAMES[source as DataSource] ?? { zh: source, en: source },
              consentId: consentOf.get(source) ?? null,
              provider: this.deps.dataProviders,
              values: values as Record<string, unknown>,
            })),
            identity: { source: 'identity_verifier', verification: pull.profile.verification ?? null, watchlist: pull.profile.watchlist ?? null },
            request: { amountFen: pull.profile.request.amount, termMonths: pull.profile.request.termMonths, repaymentMethod: pull.profile.request.repaymentMethod, purpose: pull.profile.request.purpose },
          }
        : null,
      decision: {
        id: row.reviewDecisionId,
        decidedAt: row.reviewDecidedAt?.toISOString() ?? null,
        modelVersion: row.modelVersion,
        score: row.score,
        grade: row.grade,
        pd: detail.pd ?? null,
        scoreBreakdown: detail.scoreBreakdown ?? [],
        rules,
        hits: rules.filter((r) => r.hit),
        reasonCodes: row.reasonCodes ?? [],
        incomeBasis: detail.incomeBasis ?? null,
        dti: detail.dti ?? null,
        monthlyInstalmentForDtiFen: detail.monthlyInstalmentForDti ?? null,
        limitBinding: detail.limitBinding ?? null,
      },
      provisional: {
        limitFen: row.provisionalLimitFen === null ? null : toFen(row.provisionalLimitFen),
        annualRate: row.provisionalRatePpm === null ? null : fromPpm(row.provisionalRatePpm),
        apr: row.provisionalAprSimpleBp === null ? null : { simple: fromBp(row.provisionalAprSimpleBp), compound: fromBp(row.provisionalAprCompoundBp ?? 0) },
      },
      bounds: { ...bounds, productMaxFen: product.amount.max, consumerCapFen: product.consumerCap },
      review: {
        workItemId: row.workItemId,
        workOrderNumber: row.workOrderNumber,
        status: row.workItemStatus,
        openedAt: row.openedAt?.toISOString() ?? null,
        dueAt: row.dueAt?.toISOString() ?? null,
        overdue: row.dueAt !== null && row.workItemStatus !== 'resolved' && row.workItemStatus !== 'closed' && row.dueAt.getTime() < this.deps.clock.now().getTime(),
        assignee: row.assignee,
        pendingApproval: (() => {
          const p = acts.find((a) => a.kind === 'approve' && a.status === 'pending');
          return p ? { id: p.id, by: { staffId: p.staffId, name: p.staffName, employeeNo: p.staffNo }, limitFen: toFen(p.limitFen), annualRate: fromPpm(p.ratePpm ?? 0), reason: p.text, at: p.at.toISOString() } : null;
        })(),
        outcome: this.outcomeOf(row),
        acts: acts.map((a) => ({
          id: a.id,
          kind: a.kind,
          status: a.status,
          by: { staffId: a.staffId, name: a.staffName, employeeNo: a.staffNo },
          limitFen: a.limitFen === null ? null : toFen(a.limitFen),
          annualRate: a.ratePpm === null ? null : fromPpm(a.ratePpm),
          reasonCode: a.reasonCode,
          text: a.text,
          at: a.at.toISOString(),
        })),
      },
      conversation: conversation
        ? { id: conversation.id, channel: conversation.channel, recentMessages: messages.reverse().map((m) => ({ seq: m.seq, direction: m.direction, author: m.author, text: m.text, at: m.createdAt.toISOString() })) }
        : null,
      declineReasons: Object.entries(REVIEW_DECLINE_REASONS).map(([code, label]) => ({ code, ...label })),
    };
  }

  /**
   * Approves with the reviewer's limit (fen) and annual rate (decimal) within the bounds (a term
   * outside them is VALIDATION_FAILED naming `limitFen` or `annualRate`). Above the product's
   * four-eyes threshold the approval is recorded pending and takes effect when another reviewer
   * confirms it; otherwise at once.
   */
  async approve(applicationId: string, input: { readonly limitFen: number; readonly annualRate: number; readonly reason: string }, reviewer: Reviewer): Promise<ReviewResult> {
    const row = await this.read(applicationId);
    const acts = await this.acts(applicationId);
    const pending = acts.find((a) => a.kind === 'approve' && a.status === 'pending');
    const sameTerms = (a: ActRow) => a.staffId === reviewer.staffId && a.limitFen !== null && toFen(a.limitFen) === input.limitFen && a.ratePpm !== null && a.ratePpm === toPpm(input.annualRate);
    if (this.outcomeOf(row)) {
      const effective = acts.find((a) => a.decisionId === row.latestDecisionId);
      if (row.latestOutcome === 'approved' && effective && (sameTerms(effective) || acts.some((a) => a.id === effective.confirmsId && sameTerms(a)))) return this.approvedReplay(row, effective);
      throw new AppError('REVIEW_DECIDED', { applicationId, outcome: row.latestOutcome ?? 'unknown' });
    }
    this.assertOpen(row);
    if (pending) {
      if (sameTerms(pending)) return { status: 'pending_confirmation', approvalId: pending.id, limitFen: toFen(pending.limitFen), annualRate: fromPpm(pending.ratePpm!), fourEyesAbove: this.boundsOf(row, this.productOf(row)).fourEyesAbove, replayed: true };
      throw new AppError('REVIEW_AWAITS_CONFIRMATION', { applicationId });
    }
    const product = this.productOf(row);
    const bounds = this.boundsOf(row, product);
    const at = this.deps.clock.now();
    const priced = priceReviewedOffer(bounds, {
      limit: input.limitFen,
      annualRate: input.annualRate,
      termMonths: row.detail?.termMonths ?? row.requestedTerm ?? 12,
      repaymentMethod: (row.detail?.repaymentMethod ?? product.repaymentMethods[0]) as RepaymentMethod,
      asOf: shanghaiDateOf(at.getTime()),
    });
    if (!priced.ok) throw new AppError('VALIDATION_FAILED', { field: priced.error.field ?? 'limitFen', reason: priced.error.message });
    const act = this.actRow(row, reviewer, at, { kind: 'approve', status: priced.value.needsSecondReviewer ? 'pending' : 'effective', limitFen: BigInt(input.limitFen), ratePpm: toPpm(input.annualRate), text: input.reason });
    if (priced.value.needsSecondReviewer) {
      const audited = this.audit(reviewer, 'review.approval_pending', applicationId, at, { actId: act.id, limitFen: input.limitFen, annualRate: input.annualRate, reason: input.reason, fourEyesAbove: bounds.fourEyesAbove });
      let written: number;
      try {
        ({ written } = await queryOne<{ written: number }>(
          this.prisma,
          Prisma.sql`WITH guard AS (${this.respond(row, reviewer, at)}),
            ${this.trail(row, reviewer, at, false, `批准待复核：额度 ¥${(input.limitFen / 100).toFixed(2)}，年利率 ${(input.annualRate * 100).toFixed(2)}%`, 'approval awaiting a second reviewer')},
            acted AS (${insertRows('ReviewAct', [act], IF_GUARDED)}),
            audited AS (${insertRows('AuditLog', [audited], IF_GUARDED)})
            SELECT count(*)::int AS written FROM guard`,
        ));
      } catch (e) {
        // Another first approval at the same moment: one pending approval per application.
        if (isUniqueViolation(e)) return this.approve(applicationId, input, reviewer);
        throw e;
      }
      if (written === 0) return this.approve(applicationId, input, reviewer);
      this.deps.changed?.(applicationId, row.workItemId!);
      return { status: 'pending_confirmation', approvalId: act.id, limitFen: input.limitFen, annualRate: input.annualRate, fourEyesAbove: bounds.fourEyesAbove, replayed: false };
    }
    return this.takeEffect(row, act, null, reviewer, at, priced.value.apr, priced.value.offerExpiresOn, () => this.approve(applicationId, input, reviewer));
  }

  /** A second, different reviewer confirms the approval waiting for one: it takes effect. */
  async confirm(applicationId: string, input: { readonly reason?: string | undefined }, reviewer: Reviewer): Promise<ReviewResult> {
    const row = await this.read(applicationId);
    const acts = await this.acts(applicationId);
    if (this.outcomeOf(row)) {
      const confirmed = acts.find((a) => a.kind === 'confirm' && a.decisionId === row.latestDecisionId && a.staffId === reviewer.staffId);
      if (row.latestOutcome === 'approved' && confirmed) return this.approvedReplay(row, confirmed);
      throw new AppError('REVIEW_DECIDED', { applicationId, outcome: row.latestOutcome ?? 'unknown' });
    }
    this.assertOpen(row);
    const pending = acts.find((a) => a.kind === 'approve' && a.status === 'pending');
    if (!pending) throw new AppError('REVIEW_NOTHING_TO_CONFIRM', { applicationId });
    if (pending.staffId === reviewer.staffId) throw new AppError('REVIEW_SECOND_REVIEWER_REQUIRED');
    const product = this.productOf(row);
    const at = this.deps.clock.now();
    // Priced again on the day it takes effect: the offer's validity runs from then.
    const priced = priceReviewedOffer(this.boundsOf(row, product), {
      limit: toFen(pending.limitFen),
      annualRate: fromPpm(pending.ratePpm ?? 0),
      termMonths: row.detail?.termMonths ?? row.requestedTerm ?? 12,
      repaymentMethod: (row.detail?.repaymentMethod ?? product.repaymentMethods[0]) as RepaymentMethod,
      asOf: shanghaiDateOf(at.getTime()),
    });
    if (!priced.ok) throw new AppError('VALIDATION_FAILED', { field: priced.error.field ?? 'limitFen', reason: priced.error.message });
    const act = this.actRow(row, reviewer, at, { kind: 'confirm', status: 'effective', limitFen: pending.limitFen, ratePpm: pending.ratePpm, text: input.reason ?? '', confirmsId: pending.id });
    return this.takeEffect(row, act, pending, reviewer, at, priced.value.apr, priced.value.offerExpiresOn, () => this.confirm(applicationId, input, reviewer));
  }

  /** Declines with a reason code from the fixed list and the explanation the borrower reads; an approval waiting for confirmation is superseded. */
  async decline(applicationId: string, input: { readonly reasonCode: ReviewDeclineReason; readonly explanation: string }, reviewer: Reviewer): Promise<ReviewResult> {
    const row = await this.read(applicationId);
    if (this.outcomeOf(row)) {
      const acts = await this.acts(applicationId);
      const same = acts.find((a) => a.kind === 'decline' && a.decisionId === row.latestDecisionId && a.staffId === reviewer.staffId && a.reasonCode === input.reasonCode && a.text === input.explanation);
      if (row.latestOutcome === 'declined' && same) {
        const notified = await this.tell(row, { type: 'review.decided', outcome: 'declined', reviewId: same.id, applicationId, text: same.text, at: this.deps.clock.now().getTime() });
        return { status: 'declined', decisionId: same.decisionId!, reasonCode: input.reasonCode, borrowerNotified: notified, replayed: true };
      }
      throw new AppError('REVIEW_DECIDED', { applicationId, outcome: row.latestOutcome ?? 'unknown' });
    }
    this.assertOpen(row);
    const at = this.deps.clock.now();
    const decisionId = randomUUID();
    const act = this.actRow(row, reviewer, at, { kind: 'decline', status: 'effective', reasonCode: input.reasonCode, text: input.explanation, decisionId });
    const decision: Decision = {
      id: decisionId,
      applicationId,
      outcome: 'declined',
      score: row.score,
      grade: row.grade,
      reasonCodes: [input.reasonCode],
      detail: jsonValue({ review: { actId: act.id, reviewer: reviewer.username, reasonCode: input.reasonCode, explanation: input.explanation }, basedOn: row.reviewDecisionId }),
      modelVersion: `${REVIEW_MODEL}:${reviewer.employeeNo ?? reviewer.username}`,
      limitFen: null,
      ratePpm: null,
      aprSimpleBp: null,
      aprCompoundBp: null,
      createdAt: this.after(row, at),
    };
    const audited = this.audit(reviewer, 'review.declined', applicationId, at, { actId: act.id, decisionId, reasonCode: input.reasonCode, explanation: input.explanation });
    const { written } = await queryOne<{ written: number }>(
      this.prisma,
      Prisma.sql`WITH guard AS (${this.resolve(row, reviewer, at, `declined: ${input.reasonCode}`)}),
        ${this.trail(row, reviewer, at, true, `拒绝（${input.reasonCode}）`, 'declined')},
        decided AS (${insertRows('Decision', [decision], IF_GUARDED)}),
        superseded AS (UPDATE "ReviewAct" SET status = 'superseded' WHERE "applicationId" = ${applicationId}::uuid AND kind = 'approve' AND status = 'pending' AND EXISTS (SELECT 1 FROM guard)),
        acted AS (${insertRows('ReviewAct', [act], IF_GUARDED)}),
        audited AS (${insertRows('AuditLog', [audited], IF_GUARDED)})
        SELECT count(*)::int AS written FROM guard`,
    );
    // Decided meanwhile (another reviewer, or this same request twice at once): answered as that stands.
    if (written === 0) return this.decline(applicationId, input, reviewer);
    const notified = await this.tell(row, { type: 'review.decided', outcome: 'declined', reviewId: act.id, applicationId, text: input.explanation, at: at.getTime() });
    return { status: 'declined', decisionId, reasonCode: input.reasonCode, borrowerNotified: notified, replayed: false };
  }

  /** Sends the borrower a question as the reviewer's message; the review stays open. The same question asked again by the same reviewer is sent once. */
  async askInfo(applicationId: string, input: { readonly question: string }, reviewer: Reviewer): Promise<ReviewResult> {
    const row = await this.read(applicationId);
    if (this.outcomeOf(row)) throw new AppError('REVIEW_DECIDED', { applicationId, outcome: row.latestOutcome ?? 'unknown' });
    this.assertOpen(row);
    const acts = await this.acts(applicationId);
    const asked = acts.find((a) => a.kind === 'ask_info' && a.staffId === reviewer.staffId && a.text === input.question);
    const at = this.deps.clock.now();
    const event = (id: string): ConversationEvent => ({ type: 'review.decided', outcome: 'info_requested', reviewId: id, applicationId, text: input.question, staffId: reviewer.staffId, staffName: reviewer.displayName, at: at.getTime() });
    if (asked) return { status: 'info_requested', actId: asked.id, borrowerNotified: await this.tell(row, event(asked.id)), replayed: true };
    const act = this.actRow(row, reviewer, at, { kind: 'ask_info', status: 'effective', text: input.question });
    const audited = this.audit(reviewer, 'review.info_requested', applicationId, at, { actId: act.id, question: input.question });
    const { written } = await queryOne<{ written: number }>(
      this.prisma,
      Prisma.sql`WITH guard AS (${this.respond(row, reviewer, at)}),
        ${this.trail(row, reviewer, at, false, `请客户补充信息：${input.question}`, 'asked the borrower')},
        acted AS (${insertRows('ReviewAct', [act], IF_GUARDED)}),
        audited AS (${insertRows('AuditLog', [audited], IF_GUARDED)})
        SELECT count(*)::int AS written FROM guard`,
    );
    if (written === 0) return this.askInfo(applicationId, input, reviewer);
    return { status: 'info_requested', actId: act.id, borrowerNotified: await this.tell(row, event(act.id)), replayed: false };
  }

  /**
   * Records the approval (or the confirmation of a pending one) taking effect, in one statement
   * guarded by the work item still being open: the approved Decision (the reviewed limit and rate,
   * their APR, the reviewers in modelVersion), the offer's expiry on the application (so the
   * borrower's pending offer is this decision), the work item resolved, the act and the audit row.
   * Then the borrower's conversation is told.
   */
  private async takeEffect(
    row: ReviewRow,
    act: ReviewAct,
    pending: ActRow | null,
    reviewer: Reviewer,
    at: Date,
    apr: { readonly simple: number; readonly compound: number },
    offerExpiresOn: string,
    again: () => Promise<ReviewResult>,
  ): Promise<ReviewResult> {
    const applicationId = row.id;
    const decisionId = randomUUID();
    const limitFen = toFen(act.limitFen);
    const ratePpm = act.ratePpm!;
    const offerExpiresAt = new Date(endOfShanghaiDay(offerExpiresOn));
    const reviewers = [pending ? (pending.staffNo ?? pending.staffId) : null, reviewer.employeeNo ?? reviewer.username].filter(Boolean).join('+');
    const decision: Decision = {
      id: decisionId,
      applicationId,
      outcome: 'approved',
      score: row.score,
      grade: row.grade,
      reasonCodes: [],
      detail: jsonValue({
        review: { actId: act.id, approvedBy: pending ? pending.staffId : reviewer.staffId, confirmedBy: pending ? reviewer.staffId : null, reason: pending ? pending.text : act.text },
        basedOn: row.reviewDecisionId,
        asOf: shanghaiDateOf(at.getTime()),
        termMonths: row.detail?.termMonths ?? row.requestedTerm,
        repaymentMethod: row.detail?.repaymentMethod ?? null,
        offerExpiresOn,
      }),
      modelVersion: `${REVIEW_MODEL}:${reviewers}`,
      limitFen: BigInt(limitFen),
      ratePpm,
      aprSimpleBp: toBp(apr.simple),
      aprCompoundBp: toBp(apr.compound),
      createdAt: this.after(row, at),
    };
    const recorded: ReviewAct = { ...act, decisionId };
    const audited = this.audit(reviewer, pending ? 'review.approval_confirmed' : 'review.approved', applicationId, at, {
      actId: act.id,
      decisionId,
      limitFen,
      annualRate: fromPpm(ratePpm),
      reason: act.text,
      ...(pending ? { confirms: pending.id, approvedBy: pending.staffId } : {}),
    });
    const { written } = await queryOne<{ written: number }>(
      this.prisma,
      Prisma.sql`WITH guard AS (${this.resolve(row, reviewer, at, `approved: ¥${(limitFen / 100).toFixed(2)} at ${(fromPpm(ratePpm) * 100).toFixed(2)}%`)}),
        ${this.trail(row, reviewer, at, true, `${pending ? '复核确认批准' : '批准'}：额度 ¥${(limitFen / 100).toFixed(2)}，年利率 ${(fromPpm(ratePpm) * 100).toFixed(2)}%`, pending ? 'approval confirmed' : 'approved')},
        decided AS (${insertRows('Decision', [decision], IF_GUARDED)}),
        offered AS (UPDATE "Application" SET "offerExpiresAt" = ${offerExpiresAt}::timestamptz, "updatedAt" = ${at}::timestamptz WHERE id = ${applicationId}::uuid AND EXISTS (SELECT 1 FROM guard)),
        confirmed AS (UPDATE "ReviewAct" SET status = 'effective', "decisionId" = ${decisionId}::uuid WHERE id = ${pending?.id ?? null}::uuid AND status = 'pending' AND EXISTS (SELECT 1 FROM guard)),
        acted AS (${insertRows('ReviewAct', [recorded], IF_GUARDED)}),
        audited AS (${insertRows('AuditLog', [audited], IF_GUARDED)})
        SELECT count(*)::int AS written FROM guard`,
    );
    // Decided meanwhile: answered as that stands (the same act is a replay, another a conflict).
    if (written === 0) return again();
    const offer = this.offerOf(row, decisionId, limitFen, ratePpm, apr, offerExpiresAt);
    const notified = await this.tell(row, { type: 'review.decided', outcome: 'approved', reviewId: act.id, applicationId, offer, at: at.getTime() });
    return { status: 'approved', decisionId, limitFen, annualRate: fromPpm(ratePpm), apr: { simple: apr.simple, compound: apr.compound }, offerExpiresAt: offerExpiresAt.toISOString(), borrowerNotified: notified, replayed: false };
  }

  /** An approval already in effect by this act: answered as then, and the borrower told again (their conversation tells an act once). */
  private async approvedReplay(row: ReviewRow, act: ActRow): Promise<ReviewResult> {
    const limitFen = toFen(row.latestLimitFen);
    const ratePpm = row.latestRatePpm ?? 0;
    const apr = { simple: fromBp(row.latestAprSimpleBp ?? 0), compound: fromBp(row.latestAprCompoundBp ?? 0) };
    const offerExpiresAt = row.offerExpiresAt ?? new Date(0);
    const offer = this.offerOf(row, row.latestDecisionId!, limitFen, ratePpm, apr, offerExpiresAt);
    const notified = await this.tell(row, { type: 'review.decided', outcome: 'approved', reviewId: act.id, applicationId: row.id, offer, at: this.deps.clock.now().getTime() });
    return { status: 'approved', decisionId: row.latestDecisionId!, limitFen, annualRate: fromPpm(ratePpm), apr, offerExpiresAt: offerExpiresAt.toISOString(), borrowerNotified: notified, replayed: true };
  }

  private offerOf(row: ReviewRow, decisionId: string, limitFen: number, ratePpm: number, apr: { simple: number; compound: number }, offerExpiresAt: Date): PendingOffer {
    return { applicationId: row.id, decisionId, productId: row.productId, limit: limitFen, annualRate: fromPpm(ratePpm), aprSimple: apr.simple, aprCompound: apr.compound, offerExpiresAt: offerExpiresAt.getTime() };
  }

  /** Dispatches into the borrower's conversation; a failure is logged and answered `false` (the decision stands; 进度 reads it, and the same request sent again tells them). */
  private async tell(row: ReviewRow, event: ConversationEvent): Promise<boolean> {
    this.deps.changed?.(row.id, row.workItemId!);
    if (!row.conversationId) return false;
    try {
      await this.deps.notify(row.conversationId, event);
      return true;
    } catch (e) {
      this.deps.logger.warn({ err: e, applicationId: row.id, conversationId: row.conversationId }, 'review: the borrower\'s conversation could not be told now');
      return false;
    }
  }

  /** The guard of a decision: the review's work item, still open, resolved (an UPDATE … RETURNING for a `guard` CTE). */
  private resolve(row: ReviewRow, reviewer: Reviewer, at: Date, resolution: string): Prisma.Sql {
    return Prisma.sql`UPDATE "WorkItem" SET status = 'resolved', resolution = ${resolution}, "doneAt" = ${at}::timestamptz, "firstRespondedAt" = COALESCE("firstRespondedAt", ${at}::timestamptz),
      "assigneeId" = COALESCE("assigneeId", ${reviewer.staffId}::uuid), "assignedAt" = COALESCE("assignedAt", ${at}::timestamptz), "updatedAt" = ${at}::timestamptz
      WHERE id = ${row.workItemId}::uuid AND status NOT IN ${CLOSED_STATES} RETURNING id`;
  }

  /**
   * The work order's side of an act, written with it (CTEs after `guard`): a status note in its
   * timeline as the work-order service keeps one, and its deadline jobs cancelled — all of them once
   * resolved, the first-response ones once answered (the jobs would skip anyway; this keeps the
   * queue tidy).
   */
  private trail(row: ReviewRow, reviewer: Reviewer, at: Date, resolved: boolean, zh: string, en: string): Prisma.Sql {
    const workItemId = row.workItemId!;
    const to = resolved ? 'resolved' : row.workItemStatus === 'open' || row.workItemStatus === 'assigned' ? 'in_progress' : (row.workItemStatus ?? 'in_progress');
    const note: WorkItemNote = { id: randomUUID(), workItemId, authorId: reviewer.staffId, kind: 'status', text: `人工审批${zh}${to !== row.workItemStatus ? `（${row.workItemStatus} → ${to}）` : ''}（review: ${en}）`, at };
    const keys = (resolved ? DEADLINES : DEADLINES.slice(0, 1)).flatMap((name) => [deadlineJobKey(workItemId, name, WORK_ORDER_WARN_JOB), deadlineJobKey(workItemId, name, WORK_ORDER_ESCALATE_JOB)]);
    return Prisma.sql`noted AS (${insertRows('WorkItemNote', [note], IF_GUARDED)}),
      quieted AS (UPDATE "Job" SET status = 'cancelled' WHERE key IN (${Prisma.join(keys)}) AND status = 'pending' AND EXISTS (SELECT 1 FROM guard))`;
  }

  /** The guard of an act that keeps the review open (a pending approval, a question): the work item in progress, answered. */
  private respond(row: ReviewRow, reviewer: Reviewer, at: Date): Prisma.Sql {
    return Prisma.sql`UPDATE "WorkItem" SET status = CASE WHEN status IN ('open', 'assigned') THEN 'in_progress'::"WorkItemStatus" ELSE status END,
      "firstRespondedAt" = COALESCE("firstRespondedAt", ${at}::timestamptz), "assigneeId" = COALESCE("assigneeId", ${reviewer.staffId}::uuid), "assignedAt" = COALESCE("assignedAt", ${at}::timestamptz), "updatedAt" = ${at}::timestamptz
      WHERE id = ${row.workItemId}::uuid AND status NOT IN ${CLOSED_STATES} RETURNING id`;
  }

  private actRow(row: ReviewRow, reviewer: Reviewer, at: Date, act: Partial<ReviewAct> & Pick<ReviewAct, 'kind' | 'status' | 'text'>): ReviewAct {
    return {
      id: randomUUID(),
      applicationId: row.id,
      workItemId: row.workItemId,
      staffId: reviewer.staffId,
      limitFen: null,
      ratePpm: null,
      reasonCode: null,
      confirmsId: null,
      decisionId: null,
      origin: reviewer.origin ?? null,
      at,
      ...act,
    };
  }

  private audit(reviewer: Reviewer, action: string, applicationId: string, at: Date, detail: Record<string, unknown>) {
    return auditRow({ actorType: 'staff', actorId: reviewer.staffId, action, subjectType: 'Application', subjectId: applicationId, at: at.getTime(), detail: { ...detail, username: reviewer.username, ...(reviewer.origin ? { origin: reviewer.origin } : {}) } });
  }

  /** A decision's moment: now, but never before the decision it follows (which the decision effect stamped with its own clock). */
  private after(row: ReviewRow, at: Date): Date {
    const latest = row.latestCreatedAt?.getTime() ?? 0;
    return new Date(Math.max(at.getTime(), latest + 1));
  }

  /** A work order resolved or closed by hand (not by a review decision), or an application no longer waiting, ends the review: nothing more may be recorded on it. */
  private assertOpen(row: ReviewRow): void {
    if (row.workItemStatus === 'resolved' || row.workItemStatus === 'closed') throw new AppError('REVIEW_DECIDED', { applicationId: row.id, outcome: `work order ${row.workItemStatus} without a decision` });
    // Withdrawn or lapsed meanwhile (the borrower's 取消, an expiry): there is nothing left to decide.
    if (row.status !== 'decided') throw new AppError('REVIEW_DECIDED', { applicationId: row.id, outcome: `application ${row.status}` });
  }

  /** The review's outcome once decided (the latest decision is no longer the one that sent it to review). */
  private outcomeOf(row: ReviewRow): { outcome: string; decisionId: string; at: string } | null {
    if (row.latestOutcome === 'manual_review' || row.latestDecisionId === null) return null;
    return { outcome: row.latestOutcome!, decisionId: row.latestDecisionId, at: row.latestCreatedAt!.toISOString() };
  }

  private productOf(row: ReviewRow): Product {
    const product = this.deps.products.find((p) => p.id === row.productId);
    if (!product) throw new AppError('INTERNAL', {}, { cause: new Error(`application ${row.id} is for product ${row.productId}, which the catalogue does not have`) });
    return product;
  }

  private boundsOf(row: ReviewRow, product: Product): ReviewBounds {
    return reviewBounds(product, { provisionalLimit: row.provisionalLimitFen === null ? 0 : toFen(row.provisionalLimitFen), purpose: (row.purpose as LoanPurpose | null) ?? null });
  }

  /** The application, the decision that sent it to review, its latest decision and its review work item, in one read. */
  private async read(applicationId: string): Promise<ReviewRow> {
    const rows = await this.prisma.$queryRaw<ReviewRow[]>`SELECT a.id, a."borrowerId", a."productId", a.status::text AS status, a.purpose, a."purposeDetail", a."requestedAmount", a."requestedTerm", a."conversationId", a."createdAt" AS "submittedAt", a."offerExpiresAt",
        m.id AS "reviewDecisionId", m.score, m.grade, m."limitFen" AS "provisionalLimitFen", m."ratePpm" AS "provisionalRatePpm", m."aprSimpleBp" AS "provisionalAprSimpleBp", m."aprCompoundBp" AS "provisionalAprCompoundBp",
        m.detail, m."modelVersion", m."reasonCodes", m."createdAt" AS "reviewDecidedAt",
        l.id AS "latestDecisionId", l.outcome::text AS "latestOutcome", l."limitFen" AS "latestLimitFen", l."ratePpm" AS "latestRatePpm", l."aprSimpleBp" AS "latestAprSimpleBp", l."aprCompoundBp" AS "latestAprCompoundBp",
        l."reasonCodes" AS "latestReasonCodes", l."createdAt" AS "latestCreatedAt",
        w.id AS "workItemId", w.number AS "workOrderNumber", w.status::text AS "workItemStatus", w."dueAt", w."createdAt" AS "openedAt",
        (SELECT s."displayName" FROM "StaffUser" s WHERE s.id = w."assigneeId") AS assignee
      FROM "Application" a
      LEFT JOIN LATERAL (SELECT * FROM "Decision" d WHERE d."applicationId" = a.id AND d.outcome = 'manual_review' ORDER BY d."createdAt" DESC LIMIT 1) m ON true
      LEFT JOIN LATERAL (SELECT * FROM "Decision" d WHERE d."applicationId" = a.id ORDER BY d."createdAt" DESC LIMIT 1) l ON true
      LEFT JOIN LATERAL (SELECT * FROM "WorkItem" w WHERE w."applicationId" = a.id AND w.kind = 'manual_review' ORDER BY w."createdAt" DESC LIMIT 1) w ON true
      WHERE a.id = ${applicationId}::uuid`;
    const row = rows[0];
    // Only an application a decision sent to review, with its work item, is a review.
    if (!row || !row.reviewDecisionId || !row.workItemId) throw new AppError('REVIEW_NOT_FOUND', { applicationId });
    return row;
  }

  private acts(applicationId: string): Promise<ActRow[]> {
    return this.prisma.$queryRaw<ActRow[]>`SELECT r.*, s."displayName" AS "staffName", s."employeeNo" AS "staffNo" FROM "ReviewAct" r LEFT JOIN "StaffUser" s ON s.id = r."staffId" WHERE r."applicationId" = ${applicationId}::uuid ORDER BY r.at, r.id`;
  }

  /** The data the decision was made on (the offer flow's pull, kept encrypted by key `pull:<application>`), with whether the sandbox made it up. */
  private async pulledData(applicationId: string): Promise<{ profile: ApplicantProfile; at: Date; synthetic: boolean } | null> {
    const key = `pull:${applicationId}`;
    const [record, completed] = await Promise.all([
      this.prisma.idempotencyRecord.findUnique({ where: { scope_key: { scope: 'pullData', key } } }),
      this.prisma.auditLog.findFirst({ where: { action: 'data_pull.completed', subjectType: 'Application', subjectId: applicationId }, orderBy: { at: 'desc' } }),
    ]);
    const sealed = (record?.result as { sealed?: unknown } | null)?.sealed;
    if (!record || typeof sealed !== 'string') return null;
    const profile = JSON.parse(this.deps.cipher.decrypt(sealed, fieldContext('IdempotencyRecord', 'result', `pullData:${key}`))) as ApplicantProfile;
    return { profile, at: record.createdAt, synthetic: (completed?.detail as { synthetic?: boolean } | null)?.synthetic === true };
  }
}
