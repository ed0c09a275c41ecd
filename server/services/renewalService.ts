import { DATA_SOURCES, renewCreditLine, renewedValidUntil, shanghaiDateOf, type CreditLine, type IsoDate } from '../../core/index.js';
import type { FlowEffects, RenewalView } from '../../flows/host.js';
import { Prisma } from '../db/generated/client.js';
import { AppError } from '../errors.js';
import { consentsInForceSql, inForceBySource, type ConsentInForce } from './consentService.js';
import { lineView } from './creditLineStore.js';
import { decisionRow } from './decisionService.js';
import { auditRow, fromDbDate, fromPpm, IF_GUARDED, idempotencyRow, insertRows, isUniqueViolation, jsonb, queryOne, recalled, sha256Hex, toBigFen, toDbDate, toFen, toPpm, uuidOrNull } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

type DecisionOutput = Awaited<ReturnType<FlowEffects['recordRenewalDecision']>>;
type RenewOutput = Awaited<ReturnType<FlowEffects['renewLine']>>;

/** Invitations the borrower may still answer: screened eligible (its message may still be waiting for the contact window) or invited. */
const OPEN = Prisma.sql`('eligible', 'invited')`;

/** The renewal review of a line for a period, while open. */
const openReview = (lineId: string, period: IsoDate) =>
  Prisma.sql`SELECT 1 FROM "LineReview" r WHERE r."creditLineId" = ${lineId}::uuid AND r.kind = 'renewal' AND r.period = ${toDbDate(period)}::date AND r.outcome IN ${OPEN}`;

/**
 * The renewal flow's effects (无还本续贷). The line stays the same row: its drawdowns, instalments
 * and ledger are untouched (nothing is repaid, nothing moves), and only its last valid day, limit,
 * rate for new drawdowns, review date and the decision it rests on change — so every report that
 * follows a line by id keeps following it. The fresh decision is stored as a Decision of the
 * line's application (the same row shape as an application's, decisionRow) rather than a new
 * application: a renewal is not a second line, and the application views (pending offer, status)
 * must not show it as one.
 */
export function renewalEffects(ctx: ServiceContext): Pick<FlowEffects, 'loadRenewal' | 'recordRenewalDecision' | 'renewLine' | 'closeRenewal'> {
  const { db, products, clock, lines } = ctx;

  return {
    async loadRenewal({ borrowerId, at }) {
      if (uuidOrNull(borrowerId) === null) return { status: 'none' };
      const today = shanghaiDateOf(at);
      const found = await queryOne<{ lineId: string | null; period: Date | null; productId: string | null; state: CreditLine | null; applicationId: string | null; consents: ConsentInForce[] }>(
        db.raw,
        Prisma.sql`SELECT o.*, ${consentsInForceSql(borrowerId, DATA_SOURCES, at)} AS consents FROM (SELECT 1) AS one LEFT JOIN LATERAL (
            SELECT l.id AS "lineId", r.period, l."productId", l.state, d."applicationId"
            FROM "LineReview" r JOIN "CreditLine" l ON l.id = r."creditLineId" LEFT JOIN "Decision" d ON d.id = l."decisionId"
            WHERE r."borrowerId" = ${borrowerId}::uuid AND r.kind = 'renewal' AND r.outcome IN ${OPEN} AND l."validUntil" = r.period AND l.status = 'active' AND r.period >= ${toDbDate(today)}::date
            ORDER BY r.period LIMIT 1) AS o ON true`,
      );
      if (!found.lineId || !found.period || !found.state || !found.applicationId || !found.productId) return { status: 'none' };
      const view = lineView({ id: found.lineId, productId: found.productId }, found.state, products.find((p) => p.id === found.productId), today);
      const renewal: RenewalView = {
        lineId: found.lineId,
        productId: found.productId,
        validUntil: fromDbDate(found.period),
        applicationId: found.applicationId,
        limit: view.limit,
        outstanding: view.outstanding,
        annualRate: view.annualRate,
        consents: [...inForceBySource(found.consents).values()].map((c) => ({ source: c.source, textVersion: c.textVersion })),
      };
      return { status: 'open', renewal };
    },

    async recordRenewalDecision({ lineId, borrowerId, validUntil, decision, requestKey, at }) {
      const SCOPE = 'recordRenewalDecision';
      const run = async (): Promise<DecisionOutput> => {
        const found = await queryOne<{ previous: DecisionOutput | null; applicationId: string | null; lineBorrowerId: string | null }>(
          db.raw,
          Prisma.sql`SELECT (SELECT r.result FROM "IdempotencyRecord" r WHERE r.scope = ${SCOPE} AND r.key = ${requestKey}) AS previous,
            d."applicationId", l."borrowerId" AS "lineBorrowerId"
            FROM (SELECT 1) AS one LEFT JOIN "CreditLine" l ON l.id = ${uuidOrNull(lineId)}::uuid LEFT JOIN "Decision" d ON d.id = l."decisionId"`,
        );
        if (found.previous) return found.previous;
        if (!found.applicationId || found.lineBorrowerId !== borrowerId) return { ok: false, reason: 'not_invited' };
        const now = new Date();
        const row = decisionRow(found.applicationId, decision, now, { renewal: { lineId, period: validUntil } });
        const output: DecisionOutput = { ok: true, decisionId: row.id };
        const approved = decision.outcome === 'approved';
        const noted = { decision: { decisionId: row.id, outcome: decision.outcome, limit: decision.limit, rate: decision.rate, reasonCodes: row.reasonCodes, at } };
        const audited = auditRow({
          actorType: 'system',
          action: 'renewal.decided',
          subjectType: 'CreditLine',
          subjectId: lineId,
          at,
          detail: { period: validUntil, decisionId: row.id, applicationId: found.applicationId, outcome: decision.outcome, score: decision.score, grade: decision.grade, limit: decision.limit, rate: decision.rate, reasonCodes: row.reasonCodes, modelVersion: decision.modelVersion },
        });
        // One statement, guarded by the invitation still being open; a decline or a review closes it.
        const { written } = await queryOne<{ written: number }>(
          db.raw,
          Prisma.sql`WITH guard AS (UPDATE "LineReview" SET detail = COALESCE(detail, '{}'::jsonb) || ${jsonb(noted)},
                outcome = ${approved ? 'invited' : 'declined'}, "decidedAt" = ${approved ? null : new Date(at)}::timestamptz, "updatedAt" = ${now}::timestamptz
              WHERE "creditLineId" = ${lineId}::uuid AND kind = 'renewal' AND period = ${toDbDate(validUntil)}::date AND outcome IN ${OPEN} RETURNING id),
            decided AS (${insertRows('Decision', [row], IF_GUARDED)}),
            audited AS (${insertRows('AuditLog', [audited], IF_GUARDED)}),
            remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, requestKey, output, clock.now())], IF_GUARDED)})
            SELECT count(*)::int AS written FROM guard`,
        );
        if (written === 1) return output;
        return (await recalled<DecisionOutput>(db.raw, SCOPE, requestKey)) ?? { ok: false, reason: 'not_invited' };
      };
      try {
        return await run();
      } catch (e) {
        if (isUniqueViolation(e)) return run();
        throw e;
      }
    },

    renewLine(input) {
      const SCOPE = 'renewLine';
      // Serialised with the line's drawdowns and repayments in this process; the version guard covers other processes.
      return lines.run(input.lineId, async () => {
        /** null: the line changed between the read and the write (a drawdown, a repayment, the batch): read again. */
        const run = async (): Promise<RenewOutput | null> => {
          const found = await queryOne<{
            previous: RenewOutput | null;
            lineId: string | null;
            borrowerId: string | null;
            productId: string | null;
            version: number | null;
            state: CreditLine | null;
            invited: boolean;
            decisionId: string | null;
            outcome: string | null;
            limitFen: bigint | null;
            ratePpm: number | null;
          }>(
            db.raw,
            Prisma.sql`SELECT (SELECT r.result FROM "IdempotencyRecord" r WHERE r.scope = ${SCOPE} AND r.key = ${input.requestKey}) AS previous,
              l.id AS "lineId", l."borrowerId", l."productId", l.version, l.state, EXISTS (${openReview(input.lineId, input.validUntil)}) AS invited,
              d.id AS "decisionId", d.outcome::text AS outcome, d."limitFen", d."ratePpm"
              FROM (SELECT 1) AS one LEFT JOIN "CreditLine" l ON l.id = ${uuidOrNull(input.lineId)}::uuid
              LEFT JOIN "Decision" d ON d.id = ${uuidOrNull(input.decisionId)}::uuid AND d.detail->'renewal'->>'lineId' = ${input.lineId}`,
          );
          if (found.previous) return found.previous;
          if (!found.lineId || !found.state || found.borrowerId !== input.borrowerId || !found.invited) return { ok: false, reason: 'not_invited' };
          if (found.state.validUntil !== input.validUntil) return { ok: false, reason: 'not_invited' };
          if (!found.decisionId || found.outcome !== 'approved' || found.limitFen === null || found.ratePpm === null) return { ok: false, reason: 'not_invited' };
          const product = products.find((p) => p.id === found.productId);
          const newValidUntil = renewedValidUntil(input.validUntil, product?.lineValidityMonths ?? ctx.options.lineValidityMonths);
          // The flow showed the borrower this day; another would be a bug, never something to sign.
          if (newValidUntil !== input.newValidUntil) throw new AppError('VALIDATION_FAILED', { field: 'newValidUntil', reason: `the renewed term ends ${newValidUntil}` });
          const on = shanghaiDateOf(input.at);
          const renewed = renewCreditLine(found.state, { on: on < found.state.asOf ? found.state.asOf : on, validUntil: newValidUntil, limit: toFen(found.limitFen), annualRate: fromPpm(found.ratePpm) });
          if (!renewed.ok) {
            if (['LINE_NOT_ACTIVE', 'LINE_EXPIRED'].includes(renewed.error.code)) return { ok: false, reason: 'line_inactive' };
            throw new AppError('INTERNAL', {}, { cause: new Error(`cannot renew line ${input.lineId}: ${renewed.error.code} ${renewed.error.message}`) });
          }
          const line = renewed.value.line;
          const now = new Date();
          const termsHash = sha256Hex(input.termsText);
          const output: RenewOutput = { ok: true, line: lineView({ id: found.lineId, productId: found.productId! }, line, product, on) };
          const accepted = {
            accepted: { decisionId: found.decisionId, termsVersion: input.termsVersion, termsHash, requestKey: input.requestKey, previousValidUntil: input.validUntil, previousLimit: found.state.limit, previousRate: found.state.annualRate },
          };
          const audited = auditRow({
            actorType: 'borrower',
            actorId: input.borrowerId,
            action: 'renewal.accepted',
            subjectType: 'CreditLine',
            subjectId: found.lineId,
            at: input.at,
            detail: { ...accepted.accepted, validUntil: newValidUntil, limit: line.limit, annualRate: line.annualRate, outstanding: output.line.outstanding },
          });
          // One statement: the line (version-checked, and only while the invitation is open), the invitation, the audit, the key.
          const { written } = await queryOne<{ written: number }>(
            db.raw,
            Prisma.sql`WITH guard AS (UPDATE "CreditLine" SET state = ${jsonb(line)}, "availableFen" = ${toBigFen(line.available)}::bigint, "limitFen" = ${toBigFen(line.limit)}::bigint,
                  "ratePpm" = ${toPpm(line.annualRate)}::int, "validUntil" = ${toDbDate(line.validUntil)}::date, "reviewAt" = ${toDbDate(line.nextReviewDate)}::date,
                  "decisionId" = ${found.decisionId}::uuid, version = version + 1, "updatedAt" = ${now}::timestamptz
                WHERE id = ${found.lineId}::uuid AND version = ${found.version}::int AND EXISTS (${openReview(input.lineId, input.validUntil)}) RETURNING id),
              reviewed AS (UPDATE "LineReview" SET outcome = 'accepted', "newLimitFen" = ${toBigFen(line.limit)}::bigint, "newValidUntil" = ${toDbDate(line.validUntil)}::date,
                  "decidedAt" = ${new Date(input.at)}::timestamptz, detail = COALESCE(detail, '{}'::jsonb) || ${jsonb(accepted)}, "updatedAt" = ${now}::timestamptz
                WHERE "creditLineId" = ${found.lineId}::uuid AND kind = 'renewal' AND period = ${toDbDate(input.validUntil)}::date AND EXISTS (SELECT 1 FROM guard)),
              audited AS (${insertRows('AuditLog', [audited], IF_GUARDED)}),
              remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, input.requestKey, output, clock.now())], IF_GUARDED)})
              SELECT count(*)::int AS written FROM guard`,
          );
          if (written === 1) return output;
          // Renewed meanwhile by this same key: its answer; otherwise the next read tells what changed.
          return recalled<RenewOutput>(db.raw, SCOPE, input.requestKey);
        };
        const attempt = async (): Promise<RenewOutput> => {
          const result = (await run()) ?? (await run());
          if (result === null) throw new AppError('CONFLICT', { reason: `credit line ${input.lineId} changed during the renewal; try again` });
          return result;
        };
        try {
          return await attempt();
        } catch (e) {
          if (isUniqueViolation(e)) return attempt();
          throw e;
        }
      });
    },

    async closeRenewal({ lineId, borrowerId, validUntil, at }) {
      const now = new Date();
      const declined = auditRow({ actorType: 'borrower', actorId: borrowerId, action: 'renewal.declined', subjectType: 'CreditLine', subjectId: lineId, at, detail: { period: validUntil } });
      await db.raw.execute(Prisma.sql`WITH guard AS (UPDATE "LineReview" SET outcome = 'declined', "decidedAt" = ${new Date(at)}::timestamptz, detail = COALESCE(detail, '{}'::jsonb) || ${jsonb({ declinedBy: 'borrower' })}, "updatedAt" = ${now}::timestamptz
          WHERE "creditLineId" = ${uuidOrNull(lineId)}::uuid AND "borrowerId" = ${uuidOrNull(borrowerId)}::uuid AND kind = 'renewal' AND period = ${toDbDate(validUntil)}::date AND outcome IN ${OPEN} RETURNING id)
        ${insertRows('AuditLog', [declined], IF_GUARDED)}`);
      return { ok: true };
    },
  };
}
