import type { CreditDecision } from '../../core/index.js';
import type { FlowEffects } from '../../flows/host.js';
import { AppError } from '../errors.js';
import { asJson, audit, inTransaction, sha256Hex, toBigFen, toBp, toPpm } from './persistence.js';
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

/**
 * Stores the decision (outcome, score, grade, reason codes, full detail, model version, limit,
 * rate in ppm, APR in basis points) and moves the application to `decided` with the offer's
 * expiry. Manual review opens a supervised work item. Recording the same decision again (a re-run
 * effect) returns the first row.
 */
export function decisionEffects(ctx: ServiceContext): Pick<FlowEffects, 'recordDecision'> {
  const { db, options } = ctx;
  return {
    async recordDecision({ applicationId, decision, offerExpiresAt, at }) {
      const hash = sha256Hex(JSON.stringify(decision));
      return inTransaction(db.prisma, async (tx) => {
        const application = await tx.application.findUnique({ where: { id: applicationId } });
        if (!application) throw new AppError('VALIDATION_FAILED', { field: 'applicationId', reason: 'no such application' });
        const same = await tx.decision.findFirst({ where: { applicationId, detail: { path: ['hash'], equals: hash } }, select: { id: true } });
        if (same) return { decisionId: same.id };
        const live = decision.outcome !== 'declined';
        const row = await tx.decision.create({
          data: {
            applicationId,
            outcome: decision.outcome,
            score: Math.round(decision.score),
            grade: decision.grade,
            reasonCodes: decision.reasons.map((r) => r.code),
            detail: asJson(detailOf(decision, hash)),
            modelVersion: decision.modelVersion,
            limitFen: live ? toBigFen(decision.limit) : null,
            ratePpm: decision.rate === null ? null : toPpm(decision.rate),
            aprSimpleBp: decision.apr ? toBp(decision.apr.simple) : null,
            aprCompoundBp: decision.apr ? toBp(decision.apr.compound) : null,
          },
        });
        await tx.application.update({
          where: { id: applicationId },
          data: { status: 'decided', offerExpiresAt: decision.outcome === 'approved' && offerExpiresAt !== null ? new Date(offerExpiresAt) : null, requestedTerm: application.requestedTerm ?? decision.termMonths },
        });
        let workItemId: string | null = null;
        if (decision.outcome === 'manual_review') {
          const item = await tx.workItem.create({
            data: {
              kind: 'manual_review',
              borrowerId: application.borrowerId,
              applicationId,
              decisionId: row.id,
              conversationId: application.conversationId,
              reason: decision.reasons.map((r) => r.code).join(',') || 'manual_review',
              detail: asJson({ score: decision.score, grade: decision.grade, provisionalLimit: decision.limit, reasons: decision.reasons.map((r) => ({ code: r.code, detail: r.detail })) }),
              dueAt: new Date(at + options.manualReviewTimeoutMs),
            },
          });
          workItemId = item.id;
        }
        await audit(tx, {
          actorType: 'system',
          action: 'decision.recorded',
          subjectType: 'Application',
          subjectId: applicationId,
          at,
          detail: { decisionId: row.id, outcome: decision.outcome, score: decision.score, grade: decision.grade, limit: decision.limit, rate: decision.rate, reasonCodes: decision.reasons.map((r) => r.code), modelVersion: decision.modelVersion, workItemId },
        });
        return { decisionId: row.id };
      });
    },
  };
}
