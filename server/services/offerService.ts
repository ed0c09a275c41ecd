import { randomUUID } from 'node:crypto';
import { openCreditLine, shanghaiDateOf } from '../../core/index.js';
import type { FlowEffects } from '../../flows/host.js';
import { AppError } from '../errors.js';
import { lineView } from './creditLineStore.js';
import { asJson, audit, fromPpm, inTransaction, isUniqueViolation, recalled, remember, sha256Hex, toBigFen, toDbDate, toFen } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

type AcceptOutput = Awaited<ReturnType<FlowEffects['acceptOffer']>>;

/**
 * Accepting an approved offer records the key-terms text (version, SHA-256, time) and opens the
 * revolving line with core openCreditLine: the approved limit and rate, the product's validity
 * (three years by default) and a yearly review. Idempotent by key; another key on an accepted
 * offer answers `already_accepted`.
 */
export function offerEffects(ctx: ServiceContext): Pick<FlowEffects, 'acceptOffer' | 'closeOffer'> {
  const { db, products, options, clock } = ctx;
  const SCOPE = 'acceptOffer';

  return {
    async acceptOffer(input) {
      const run = () =>
        inTransaction(db.prisma, async (tx): Promise<AcceptOutput> => {
          const previous = await recalled<AcceptOutput>(tx, SCOPE, input.idempotencyKey);
          if (previous) return previous;
          const application = await tx.application.findUnique({ where: { id: input.applicationId } });
          const decision = await tx.decision.findUnique({ where: { id: input.decisionId } });
          if (!application || application.borrowerId !== input.borrowerId || !decision || decision.applicationId !== application.id || decision.outcome !== 'approved') {
            return { ok: false, reason: 'not_found' };
          }
          if (application.status === 'accepted') return { ok: false, reason: 'already_accepted' };
          if (application.status !== 'decided') return { ok: false, reason: 'expired' };
          if (application.offerExpiresAt === null || application.offerExpiresAt.getTime() <= input.at) {
            await tx.application.update({ where: { id: application.id }, data: { status: 'expired' } });
            return { ok: false, reason: 'expired' };
          }
          if (decision.limitFen === null || decision.ratePpm === null) throw new AppError('INTERNAL', {}, { cause: new Error(`approved decision ${decision.id} has no limit or rate`) });
          const product = products.find((p) => p.id === application.productId);
          const on = shanghaiDateOf(input.at);
          const lineId = randomUUID();
          const opened = openCreditLine({
            id: lineId,
            limit: toFen(decision.limitFen),
            annualRate: fromPpm(decision.ratePpm),
            ...(product ? { maxAnnualRate: product.pricing.cap, methods: product.repaymentMethods } : {}),
            validFrom: on,
            validityMonths: product?.lineValidityMonths ?? options.lineValidityMonths,
            reviewIntervalMonths: options.reviewIntervalMonths,
          });
          if (!opened.ok) throw new AppError('INTERNAL', {}, { cause: new Error(`cannot open line for decision ${decision.id}: ${opened.error.code} ${opened.error.message}`) });
          const line = opened.value.line;
          const accepted = await tx.application.updateMany({
            where: { id: application.id, status: 'decided' },
            data: { status: 'accepted', acceptedAt: new Date(input.at), termsVersion: input.termsVersion, termsHash: sha256Hex(input.termsText) },
          });
          if (accepted.count !== 1) return { ok: false, reason: 'already_accepted' };
          const row = await tx.creditLine.create({
            data: {
              id: lineId,
              borrowerId: application.borrowerId,
              productId: application.productId,
              decisionId: decision.id,
              limitFen: toBigFen(line.limit),
              availableFen: toBigFen(line.available),
              ratePpm: decision.ratePpm,
              validFrom: toDbDate(line.validFrom),
              validUntil: toDbDate(line.validUntil),
              reviewAt: toDbDate(line.nextReviewDate),
              status: 'active',
              state: asJson(line),
            },
          });
          await audit(tx, {
            actorType: 'borrower',
            actorId: input.borrowerId,
            action: 'offer.accepted',
            subjectType: 'CreditLine',
            subjectId: row.id,
            at: input.at,
            detail: { applicationId: application.id, decisionId: decision.id, limit: line.limit, annualRate: line.annualRate, validUntil: line.validUntil, termsVersion: input.termsVersion, termsHash: sha256Hex(input.termsText) },
          });
          const output: AcceptOutput = { ok: true, line: lineView(row, line, product, on) };
          await remember(tx, SCOPE, input.idempotencyKey, output, clock.now());
          return output;
        });
      try {
        return await run();
      } catch (e) {
        if (isUniqueViolation(e)) return run();
        throw e;
      }
    },

    async closeOffer({ applicationId, status, at }) {
      await inTransaction(db.prisma, async (tx) => {
        const closed = await tx.application.updateMany({ where: { id: applicationId, status: { in: ['submitted', 'decided'] } }, data: { status } });
        if (closed.count) await audit(tx, { actorType: status === 'expired' ? 'system' : 'borrower', action: `offer.${status}`, subjectType: 'Application', subjectId: applicationId, at });
      });
      return { ok: true };
    },
  };
}
