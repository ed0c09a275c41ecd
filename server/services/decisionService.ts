import { randomUUID } from 'node:crypto';
import type { CreditDecision } from '../../core/index.js';
import type { FlowEffects } from '../../flows/host.js';
import { AppError } from '../errors.js';
import { Prisma, type Decision } from '../db/generated/client.js';
import { auditRow, IF_GUARDED, insertRows, jsonValue, queryOne, sha256Hex, toBigFen, toBp, toPpm } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

/** The stored explanation for staff (rule results, score breakdown), never shown to the borrower. */
const detailOf = (d: CreditDecision, hash: string) => ({
  hash,
  asOf: d.asOf,
  productId: d.productId,
  reasons: d.reasons,
  pd: d.pd,
  scoreBreakdown: d.scoreBreakdown,
  ruleResults: d.ruleResults,
  limitBinding: d.limitBinding,
  offeredAmount: d.offeredAmount,
  termMonths: d.termMonths,
  repaymentMethod: d.repaymentMethod,
  monthlyInstalmentForDti: d.monthlyInstalmentForDti,
  dti: d.dti,
  incomeBasis: d.incomeBasis,
  apr: d.apr,
  offerExpiresOn: d.offerExpiresOn,
  lineExpiresOn: d.lineExpiresOn,
});

/** The Decision row of a core decision (detail with its hash, money in fen, rate in ppm, APR in basis points); renewals store theirs with it too. */
export function decisionRow(applicationId: string, decision: CreditDecision, now: Date, extra: Record<string, unknown> = {}): Decision {
  const hash = sha256Hex(JSON.stringify(decision));
  return {
    id: randomUUID(),
    applicationId,
    outcome: decision.outcome,
    score: Math.round(decision.score),
    grade: decision.grade,
    reasonCodes: decision.reasons.map((r) => r.code),
    detail: jsonValue({ ...detailOf(decision, hash), ...extra }),
    modelVersion: decision.modelVersion,
    limitFen: decision.outcome !== 'declined' ? toBigFen(decision.limit) : null,
    ratePpm: decision.rate === null ? null : toPpm(decision.rate),
    aprSimpleBp: decision.apr ? toBp(decision.apr.simple) : null,
    aprCompoundBp: decision.apr ? toBp(decision.apr.compound) : null,
    createdAt: now,
  };
}

/**
 * Stores the decision (outcome, score, grade, reason codes, full detail, model version, limit,
 * rate in ppm, APR in basis points) and moves the application to `decided` with the offer's
 * expiry. Manual review opens a supervised work item. Recording the same decision again (a re-run
 * effect) returns the first row.
 */
export function decisionEffects(ctx: ServiceContext): Pick<FlowEffects, 'recordDecision'> {
  const { db, workOrders } = ctx;
  return {
    async recordDecision({ applicationId, decision, offerExpiresAt, at }) {
      const hash = sha256Hex(JSON.stringify(decision));
      // The same decision (by hash) recorded before answers its row.
      const sameDecision = Prisma.sql`SELECT d.id FROM "Decision" d WHERE d."applicationId" = ${applicationId}::uuid AND d.detail->>'hash' = ${hash} LIMIT 1`;
      const applicationThere = Prisma.sql`EXISTS (SELECT 1 FROM "Application" a WHERE a.id = ${applicationId}::uuid)`;
      const now = new Date();
      const row = decisionRow(applicationId, decision, now);
      // A manual review opens a work order (numbered, deadlines in working hours, its deadline jobs in
      // the statement below) naming the application's borrower and conversation: they are read first.
      // Any other outcome is that one statement, which also answers whether the application exists
      // and whether the decision was recorded before.
      let review: Awaited<ReturnType<typeof workOrders.draft>> | null = null;
      if (decision.outcome === 'manual_review') {
        const [application] = await db.raw.query<{ borrowerId: string; conversationId: string | null; sameId: string | null }>(
          Prisma.sql`SELECT a."borrowerId", a."conversationId", (${sameDecision}) AS "sameId" FROM "Application" a WHERE a.id = ${applicationId}::uuid`,
        );
        if (!application) throw new AppError('VALIDATION_FAILED', { field: 'applicationId', reason: 'no such application' });
        if (application.sameId) return { decisionId: application.sameId };
        review = await workOrders.draft(
          {
            kind: 'manual_review',
            borrowerId: application.borrowerId,
            applicationId,
            decisionId: row.id,
            conversationId: application.conversationId,
            reason: decision.reasons.map((r) => r.code).join(',') || 'manual_review',
            detail: { score: decision.score, grade: decision.grade, provisionalLimit: decision.limit, reasons: decision.reasons.map((r) => ({ code: r.code, detail: r.detail })) },
          },
          at,
          { type: 'system' },
        );
      }
      const item = review?.item ?? null;
      const recorded = auditRow({
        actorType: 'system',
        action: 'decision.recorded',
        subjectType: 'Application',
        subjectId: applicationId,
        at,
        detail: { decisionId: row.id, outcome: decision.outcome, score: decision.score, grade: decision.grade, limit: decision.limit, rate: decision.rate, reasonCodes: decision.reasons.map((r) => r.code), modelVersion: decision.modelVersion, workItemId: item?.id ?? null },
      });
      // One statement, guarded by the application being there and the decision not yet (a re-run that
      // lost a race writes nothing). Its last SELECT sees the database as the statement began.
      const { recordedId, sameId, found } = await queryOne<{ recordedId: string | null; sameId: string | null; found: boolean }>(
        db.raw,
        Prisma.sql`WITH guard AS (${insertRows('Decision', [row], Prisma.sql`WHERE NOT EXISTS (${sameDecision}) AND ${applicationThere}`)} RETURNING id),
          decided AS (UPDATE "Application" SET status = 'decided', "offerExpiresAt" = ${decision.outcome === 'approved' && offerExpiresAt !== null ? new Date(offerExpiresAt) : null}::timestamptz,
            "requestedTerm" = COALESCE("requestedTerm", ${decision.termMonths}::int), "updatedAt" = ${now}::timestamptz WHERE id = ${applicationId}::uuid AND EXISTS (SELECT 1 FROM guard))
          ${review ? Prisma.sql`, review AS (${insertRows('WorkItem', [review.item], IF_GUARDED)}), reviewNote AS (${insertRows('WorkItemNote', [review.note], IF_GUARDED)}),
            reviewJobs AS (${insertRows('Job', review.jobs, IF_GUARDED)}), reviewAudit AS (${insertRows('AuditLog', [review.audited], IF_GUARDED)})` : Prisma.empty},
          audited AS (${insertRows('AuditLog', [recorded], IF_GUARDED)})
          SELECT (SELECT id FROM guard) AS "recordedId", (${sameDecision}) AS "sameId", ${applicationThere} AS found`,
      );
      if (!found) throw new AppError('VALIDATION_FAILED', { field: 'applicationId', reason: 'no such application' });
      if (sameId) return { decisionId: sameId };
      if (recordedId) {
        if (review) workOrders.announce(review.item.id);
        return { decisionId: recordedId };
      }
      const same = (await db.raw.query<{ id: string }>(sameDecision))[0];
      if (!same) throw new AppError('INTERNAL', {}, { cause: new Error(`decision for application ${applicationId} neither recorded nor found`) });
      return { decisionId: same.id };
    },
  };
}
