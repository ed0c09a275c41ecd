import { DATA_SOURCES, type DataSource } from '../../core/index.js';
import type { FlowEffects } from '../../flows/host.js';
import { AppError } from '../errors.js';
import { audit, inTransaction, isUniqueViolation, recalled, remember, sha256Hex, toChannel, uuidOrNull, type Tx } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

type RecordOutput = Awaited<ReturnType<FlowEffects['recordConsent']>>;

const checkSources = (sources: readonly string[], field: string): DataSource[] => {
  for (const s of sources) if (!DATA_SOURCES.includes(s as DataSource)) throw new AppError('VALIDATION_FAILED', { field, reason: `unknown data source ${JSON.stringify(s)}` });
  return [...new Set(sources as DataSource[])];
};

/** Consents in force for a borrower at a moment: granted by then and not revoked, latest per source. */
export async function activeConsents(tx: Tx, borrowerId: string, sources: readonly DataSource[], at: number) {
  const rows = await tx.consent.findMany({
    where: { borrowerId, source: { in: [...sources] }, revokedAt: null, grantedAt: { lte: new Date(at) } },
    orderBy: { grantedAt: 'desc' },
  });
  const bySource = new Map<DataSource, (typeof rows)[number]>();
  for (const row of rows) if (!bySource.has(row.source as DataSource)) bySource.set(row.source as DataSource, row);
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
      const run = () =>
        inTransaction(db.prisma, async (tx): Promise<RecordOutput> => {
          const previous = await recalled<RecordOutput>(tx, 'recordConsent', input.idempotencyKey);
          if (previous) return previous;
          const application = await tx.application.findUnique({ where: { id: input.applicationId }, select: { borrowerId: true } });
          if (!application || application.borrowerId !== input.borrowerId) throw new AppError('VALIDATION_FAILED', { field: 'applicationId', reason: 'no such application for this borrower' });
          const grantedAt = new Date(input.at);
          const consentIds: string[] = [];
          for (const source of granted) {
            const row = await tx.consent.create({
              data: { borrowerId: input.borrowerId, conversationId: uuidOrNull(input.conversationId), source, textVersion: input.textVersion, textHash, channel, grantedAt },
            });
            consentIds.push(row.id);
          }
          const revoked = refused.length
            ? await tx.consent.updateMany({ where: { borrowerId: input.borrowerId, source: { in: refused }, revokedAt: null }, data: { revokedAt: grantedAt } })
            : { count: 0 };
          await audit(tx, {
            actorType: 'borrower',
            actorId: input.borrowerId,
            action: 'consent.recorded',
            subjectType: 'Application',
            subjectId: input.applicationId,
            at: input.at,
            detail: { granted, refused, revokedEarlier: revoked.count, textVersion: input.textVersion, textHash, channel, conversationId: input.conversationId, consentIds },
          });
          const output: RecordOutput = { consentIds };
          await remember(tx, 'recordConsent', input.idempotencyKey, output, clock.now());
          return output;
        });
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
