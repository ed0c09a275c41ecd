import { randomUUID } from 'node:crypto';
import { DATA_SOURCES, type DataSource } from '../../core/index.js';
import type { FlowEffects } from '../../flows/host.js';
import { AppError } from '../errors.js';
import { Prisma, type Consent } from '../db/generated/client.js';
import { audit, auditRow, idempotencyRow, IF_GUARDED, inTransaction, insertRows, isUniqueViolation, jsonb, queryOne, sha256Hex, toChannel, uuidOrNull } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

type RecordOutput = Awaited<ReturnType<FlowEffects['recordConsent']>>;

const SCOPE = 'recordConsent';

const checkSources = (sources: readonly string[], field: string): DataSource[] => {
  for (const s of sources) if (!DATA_SOURCES.includes(s as DataSource)) throw new AppError('VALIDATION_FAILED', { field, reason: `unknown data source ${JSON.stringify(s)}` });
  return [...new Set(sources as DataSource[])];
};

/** A consent row as a pull reads it (grantedAt in epoch milliseconds). */
export interface ConsentInForce {
  readonly id: string;
  readonly source: DataSource;
  readonly textVersion: string;
  readonly textHash: string;
  readonly grantedAt: number;
}

/**
 * SQL for the consents of a borrower to `sources` in force at a moment: granted by then and not
 * revoked, newest first, as a JSON array of ConsentInForce (inForceBySource picks the latest per source).
 */
export const consentsInForceSql = (borrowerId: string, sources: readonly DataSource[], at: number): Prisma.Sql =>
  Prisma.sql`(SELECT COALESCE(jsonb_agg(jsonb_build_object('id', c.id, 'source', c.source, 'textVersion', c."textVersion", 'textHash', c."textHash",
      'grantedAt', (extract(epoch FROM c."grantedAt") * 1000)::bigint) ORDER BY c."grantedAt" DESC), '[]'::jsonb)
    FROM "Consent" c WHERE c."borrowerId" = ${borrowerId}::uuid AND c.source = ANY(${[...sources]}::text[]) AND c."revokedAt" IS NULL AND c."grantedAt" <= ${new Date(at)}::timestamptz)`;

/** The latest consent per source of rows newest first. */
export function inForceBySource(rows: readonly ConsentInForce[]): Map<DataSource, ConsentInForce> {
  const bySource = new Map<DataSource, ConsentInForce>();
  for (const row of rows) if (!bySource.has(row.source)) bySource.set(row.source, row);
  return bySource;
}

/**
 * Consent per data source (which source, text version and SHA-256 of the exact text, channel,
 * time), recorded before any pull; one row per granted source. Sources the borrower refuses on
 * this screen lose any earlier consent: refusing now is revoking. Idempotent by key.
 */
export function consentEffects(ctx: ServiceContext): Pick<FlowEffects, 'recordConsent' | 'revokeConsent'> {
  const { db, clock } = ctx;

  return {
    async recordConsent(input) {
      const granted = checkSources(input.granted, 'granted');
      const refused = checkSources(input.refused, 'refused').filter((s) => !granted.includes(s));
      const channel = toChannel(input.channel);
      const textHash = sha256Hex(input.text);
      // One statement: written only when no result is stored under the key and the application is
      // this borrower's (`guard`); its last SELECT answers both as the statement began.
      const run = async (): Promise<RecordOutput> => {
        const grantedAt = new Date(input.at);
        const rows: Consent[] = granted.map((source) => ({ id: randomUUID(), borrowerId: input.borrowerId, conversationId: uuidOrNull(input.conversationId), source, textVersion: input.textVersion, textHash, channel, grantedAt, revokedAt: null }));
        const consentIds = rows.map((r) => r.id);
        const output: RecordOutput = { consentIds };
        const recorded = auditRow({
          actorType: 'borrower',
          actorId: input.borrowerId,
          action: 'consent.recorded',
          subjectType: 'Application',
          subjectId: input.applicationId,
          at: input.at,
          detail: { granted, refused, revokedEarlier: 0, textVersion: input.textVersion, textHash, channel, conversationId: input.conversationId, consentIds },
        });
        const previous = Prisma.sql`SELECT r.result FROM "IdempotencyRecord" r WHERE r.scope = ${SCOPE} AND r.key = ${input.idempotencyKey}`;
        const owner = Prisma.sql`SELECT a."borrowerId" FROM "Application" a WHERE a.id = ${input.applicationId}::uuid`;
        // Sources refused on this screen lose any earlier consent; the audit entry counts them.
        const audited = refused.length
          ? Prisma.sql`revoked AS (UPDATE "Consent" SET "revokedAt" = ${grantedAt}::timestamptz WHERE "borrowerId" = ${input.borrowerId}::uuid AND source = ANY(${refused}::text[]) AND "revokedAt" IS NULL AND EXISTS (SELECT 1 FROM guard) RETURNING id),
              audited AS (INSERT INTO "AuditLog" (id, at, "actorType", "actorId", action, "subjectType", "subjectId", detail) SELECT e.id, e.at, e."actorType", e."actorId", e.action, e."subjectType", e."subjectId", e.detail || jsonb_build_object('revokedEarlier', (SELECT count(*) FROM revoked))
                FROM jsonb_populate_record(NULL::"AuditLog", ${jsonb(recorded)}) AS e ${IF_GUARDED})`
          : Prisma.sql`audited AS (${insertRows('AuditLog', [recorded], IF_GUARDED)})`;
        const found = await queryOne<{ previous: RecordOutput | null; borrowerId: string | null }>(
          db.raw,
          Prisma.sql`WITH guard AS (SELECT 1 WHERE NOT EXISTS (${previous}) AND (${owner})::text = ${input.borrowerId}),
            ${rows.length ? Prisma.sql`consents AS (${insertRows('Consent', rows, IF_GUARDED)}),` : Prisma.empty} ${audited},
            remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, input.idempotencyKey, output, clock.now())], IF_GUARDED)})
            SELECT (${previous}) AS previous, (${owner})::text AS "borrowerId"`,
        );
        if (found.previous) return found.previous;
        if (found.borrowerId !== input.borrowerId) throw new AppError('VALIDATION_FAILED', { field: 'applicationId', reason: 'no such application for this borrower' });
        return output;
      };
      try {
        return await run();
      } catch (e) {
        if (isUniqueViolation(e)) return run();
        throw e;
      }
    },

    async revokeConsent({ borrowerId, sources, channel, at }) {
      const wanted = checkSources(sources, 'sources');
      return inTransaction(db.prisma, async (tx) => {
        const active = await tx.consent.findMany({ where: { borrowerId, source: { in: wanted }, revokedAt: null }, select: { id: true, source: true } });
        if (active.length) await tx.consent.updateMany({ where: { id: { in: active.map((c) => c.id) } }, data: { revokedAt: new Date(at) } });
        const revoked = wanted.filter((s) => active.some((c) => c.source === s));
        await audit(tx, { actorType: 'borrower', actorId: borrowerId, action: 'consent.revoked', subjectType: 'Borrower', subjectId: borrowerId, at, detail: { requested: wanted, revoked, channel } });
        return { revoked };
      });
    },
  };
}
