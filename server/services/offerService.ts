import { randomUUID } from 'node:crypto';
import { openCreditLine, shanghaiDateOf } from '../../core/index.js';
import type { FlowEffects } from '../../flows/host.js';
import { AppError } from '../errors.js';
import { lineView } from './creditLineStore.js';
import { Prisma, type CreditLine as CreditLineRow } from '../db/generated/client.js';
import { audit, auditRow, fromPpm, idempotencyRow, IF_GUARDED, inTransaction, insertRows, isUniqueViolation, jsonValue, queryOne, recalled, sha256Hex, toBigFen, toDbDate, toFen } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

type AcceptOutput = Awaited<ReturnType<FlowEffects['acceptOffer']>>;

/** What acceptOffer reads in one statement (application and decision columns null when absent). */
interface OfferRead {
  readonly previous: AcceptOutput | null;
  readonly applicationId: string | null;
  readonly borrowerId: string | null;
  readonly productId: string | null;
  readonly status: string | null;
  readonly offerExpiresAt: Date | null;
  readonly decisionId: string | null;
  readonly decisionApplicationId: string | null;
  readonly outcome: string | null;
  readonly limitFen: bigint | null;
  readonly ratePpm: number | null;
  /** An open (active or frozen) line the applicant already has for the product. */
  readonly openLineId: string | null;
  /** The application's first touch (copied onto the line). */
  readonly firstTouch: string | null;
  readonly attributedStaffId: string | null;
  readonly attributedCampaignId: string | null;
  readonly attributedBranch: string | null;
}

/**
 * Accepting an approved offer records the key-terms text (version, SHA-256, time) and opens the
 * revolving line with core openCreditLine: the approved limit and rate, the product's validity
 * (three years by default) and a yearly review. Idempotent by key; another key on an accepted
 * offer answers `already_accepted`; a person who already has an open line for the product gets
 * `has_line` (the database refuses a second one even when two acceptances race).
 */
export function offerEffects(ctx: ServiceContext): Pick<FlowEffects, 'acceptOffer' | 'closeOffer'> {
  const { db, products, options, clock } = ctx;
  const SCOPE = 'acceptOffer';

  return {
    async acceptOffer(input) {
      // Two statements: one read (a stored result, the application, the decision), one write.
      const run = async (): Promise<AcceptOutput> => {
        const found = await queryOne<OfferRead>(
          db.raw,
          Prisma.sql`SELECT (SELECT r.result FROM "IdempotencyRecord" r WHERE r.scope = ${SCOPE} AND r.key = ${input.idempotencyKey}) AS previous,
            a.id AS "applicationId", a."borrowerId", a."productId", a.status::text AS status, a."offerExpiresAt",
            a."firstTouch", a."attributedStaffId", a."attributedCampaignId", a."attributedBranch",
            d.id AS "decisionId", d."applicationId" AS "decisionApplicationId", d.outcome::text AS outcome, d."limitFen", d."ratePpm",
            (SELECT l.id FROM "CreditLine" l WHERE l."borrowerId" = a."borrowerId" AND l."productId" = a."productId" AND l.status IN ('active', 'frozen') LIMIT 1) AS "openLineId"
            FROM (SELECT 1) AS one LEFT JOIN "Application" a ON a.id = ${input.applicationId}::uuid LEFT JOIN "Decision" d ON d.id = ${input.decisionId}::uuid`,
        );
        if (found.previous) return found.previous;
        const { applicationId, decisionId } = found;
        if (!applicationId || found.borrowerId !== input.borrowerId || !decisionId || found.decisionApplicationId !== applicationId || found.outcome !== 'approved') {
          return { ok: false, reason: 'not_found' };
        }
        if (found.status === 'accepted') return { ok: false, reason: 'already_accepted' };
        // One person, one line per product (the partial unique index is the last guard for two at once).
        if (found.openLineId) return { ok: false, reason: 'has_line' };
        if (found.status !== 'decided') return { ok: false, reason: 'expired' };
        if (found.offerExpiresAt === null || found.offerExpiresAt.getTime() <= input.at) {
          await db.raw.execute(Prisma.sql`UPDATE "Application" SET status = 'expired', "updatedAt" = ${new Date()}::timestamptz WHERE id = ${applicationId}::uuid`);
          return { ok: false, reason: 'expired' };
        }
        if (found.limitFen === null || found.ratePpm === null) throw new AppError('INTERNAL', {}, { cause: new Error(`approved decision ${decisionId} has no limit or rate`) });
        const product = products.find((p) => p.id === found.productId);
        const on = shanghaiDateOf(input.at);
        const lineId = randomUUID();
        const opened = openCreditLine({
          id: lineId,
          limit: toFen(found.limitFen),
          annualRate: fromPpm(found.ratePpm),
          ...(product ? { maxAnnualRate: product.pricing.cap, methods: product.repaymentMethods } : {}),
          validFrom: on,
          validityMonths: product?.lineValidityMonths ?? options.lineValidityMonths,
          reviewIntervalMonths: options.reviewIntervalMonths,
          penaltyMultiplier: options.penaltyMultiplier,
        });
        if (!opened.ok) throw new AppError('INTERNAL', {}, { cause: new Error(`cannot open line for decision ${decisionId}: ${opened.error.code} ${opened.error.message}`) });
        const line = opened.value.line;
        const now = new Date();
        const termsHash = sha256Hex(input.termsText);
        const row: CreditLineRow = {
          id: lineId,
          borrowerId: found.borrowerId!,
          productId: found.productId!,
          decisionId,
          limitFen: toBigFen(line.limit),
          availableFen: toBigFen(line.available),
          ratePpm: found.ratePpm,
          validFrom: toDbDate(line.validFrom),
          validUntil: toDbDate(line.validUntil),
          reviewAt: toDbDate(line.nextReviewDate),
          status: 'active',
          freezeReason: null,
          frozenAt: null,
          dpd: 0,
          bucket: 'M0',
          loanClass: 'normal',
          evaluatedOn: null,
          // The application's first touch stays with the line (funnels, managers' books).
          firstTouch: found.firstTouch,
          attributedStaffId: found.attributedStaffId,
          attributedCampaignId: found.attributedCampaignId,
          attributedBranch: found.attributedBranch,
          state: jsonValue(line),
          version: 0,
          createdAt: now,
          updatedAt: now,
        };
        const output: AcceptOutput = { ok: true, line: lineView(row, line, product, on) };
        const accepted = auditRow({
          actorType: 'borrower',
          actorId: input.borrowerId,
          action: 'offer.accepted',
          subjectType: 'CreditLine',
          subjectId: lineId,
          at: input.at,
          detail: { applicationId, decisionId, limit: line.limit, annualRate: line.annualRate, validUntil: line.validUntil, termsVersion: input.termsVersion, termsHash },
        });
        // One statement, guarded by the application still being `decided`.
        const { written } = await queryOne<{ written: number }>(
          db.raw,
          Prisma.sql`WITH guard AS (UPDATE "Application" SET status = 'accepted', "acceptedAt" = ${new Date(input.at)}::timestamptz, "termsVersion" = ${input.termsVersion}, "termsHash" = ${termsHash}, "updatedAt" = ${now}::timestamptz
              WHERE id = ${applicationId}::uuid AND status = 'decided' RETURNING id),
            line AS (${insertRows('CreditLine', [row], IF_GUARDED)}),
            audited AS (${insertRows('AuditLog', [accepted], IF_GUARDED)}),
            remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, input.idempotencyKey, output, clock.now())], IF_GUARDED)}),
            -- 一键激活: the pre-credit entry the application activates is marked once, with the line's acceptance.
            activated AS (UPDATE "PrecreditEntry" SET "activatedAt" = ${new Date(input.at)}::timestamptz, "applicationId" = ${applicationId}::uuid
              WHERE id = (SELECT a."precreditEntryId" FROM "Application" a WHERE a.id = ${applicationId}::uuid) AND "activatedAt" IS NULL AND EXISTS (SELECT 1 FROM guard))
            SELECT count(*)::int AS written FROM guard`,
        );
        if (written === 1) return output;
        // Accepted meanwhile: by this same key (answer what it stored), or by another.
        return (await recalled<AcceptOutput>(db.raw, SCOPE, input.idempotencyKey)) ?? { ok: false, reason: 'already_accepted' };
      };
      try {
        return await run();
      } catch (e) {
        // The same key, or another acceptance opening this person's line at the same moment (any
        // channel, any server): read again, and the line that won is found.
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
