import type { ApplicantProfile, AuthorisedData, DataSource, EnterpriseRole, IdentityVerification, LoanPurpose, PersonIdentity, Product } from '../../core/index.js';
import type { FlowEffects, PullDataOutput } from '../../flows/host.js';
import { AppError } from '../errors.js';
import type { ConsentEvidence, DataQuery, ProviderResult, Providers } from '../providers/index.js';
import { Prisma } from '../db/generated/client.js';
import { fieldContext } from '../security/fieldCipher.js';
import { consentsInForceSql, inForceBySource, type ConsentInForce } from './consentService.js';
import { auditRow, idempotencyRow, insertRows, isUniqueViolation, productById, queryOne, recalled, toFen } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

/** What a pull reads in one statement (borrower columns null when there is no such borrower). */
interface PullRead {
  readonly previous: { sealed: string } | null;
  readonly borrowerId: string | null;
  readonly name: string | null;
  readonly idNumberEnc: string | null;
  readonly phoneEnc: string | null;
  readonly enterpriseName: string | null;
  readonly uscc: string | null;
  readonly enterpriseRole: string | null;
  readonly applicantId: string | null;
  readonly productId: string | null;
  readonly requestedAmount: bigint | null;
  readonly requestedTerm: number | null;
  readonly purpose: string | null;
  /** The verifier's answer stored at submission; null for applications made before it was stored. */
  readonly identityCheck: IdentityVerification | null;
  readonly consents: ConsentInForce[];
}

/** The term and method a pull assumes when the application names none: 12 months if offered, the product's first method. */
export function defaultTerms(product: Product): { termMonths: number; repaymentMethod: string } {
  const termMonths = product.termsMonths.includes(12) ? 12 : (product.termsMonths[product.termsMonths.length - 1] as number);
  return { termMonths, repaymentMethod: product.repaymentMethods[0] as string };
}

async function fetchSource(providers: Providers, source: DataSource, query: DataQuery): Promise<ProviderResult<unknown>> {
  switch (source) {
    case 'credit_bureau':
      return providers.creditBureau.report(query);
    case 'housing_fund':
      return providers.government.housingFund(query);
    case 'social_security':
      return providers.government.socialSecurity(query);
    case 'tax':
      return providers.government.tax(query);
    case 'business_registry':
      return providers.government.businessRegistry(query);
    case 'bank':
      return providers.bank.relationship(query);
  }
}

const settle = <T>(promise: Promise<ProviderResult<T>>): Promise<ProviderResult<T>> =>
  promise.catch((e: unknown) => ({ ok: false as const, reason: 'unavailable' as const, detail: e instanceof Error ? e.message : String(e) }));

/**
 * Pulls authorised data and assembles the core ApplicantProfile. The guarantee: a source without
 * a recorded, unrevoked consent of this borrower is refused (`consent_missing`) and no provider is
 * called at all. Identity and watchlist checks run on what the applicant submitted and need no
 * source consent. A successful pull is kept by key (encrypted, it holds personal data), so a
 * re-run effect does not pull twice.
 */
export function dataPullEffects(ctx: ServiceContext): Pick<FlowEffects, 'pullData'> {
  const { db, cipher, providers, products, clock, logger } = ctx;
  const SCOPE = 'pullData';
  // A stored pull opens only as the result it was stored as (scope and key name the row).
  const context = (key: string) => fieldContext('IdempotencyRecord', 'result', `${SCOPE}:${key}`);
  const open = (stored: { sealed: string }, key: string): PullDataOutput => ({ ok: true, profile: JSON.parse(cipher.decrypt(stored.sealed, context(key))) as ApplicantProfile });

  return {
    async pullData({ borrowerId, applicationId, sources, idempotencyKey, at }) {
      const wanted = [...new Set(sources)];
      // One read: a stored pull, the borrower, the application and the consents in force at `at`.
      const found = await queryOne<PullRead>(
        db.raw,
        Prisma.sql`SELECT (SELECT r.result FROM "IdempotencyRecord" r WHERE r.scope = ${SCOPE} AND r.key = ${idempotencyKey}) AS previous,
          b.id AS "borrowerId", b.name, b."idNumberEnc", b."phoneEnc", b."enterpriseName", b.uscc, b."enterpriseRole",
          a."borrowerId" AS "applicantId", a."productId", a."requestedAmount", a."requestedTerm", a.purpose, a."identityCheck",
          ${consentsInForceSql(borrowerId, wanted, at)} AS consents
          FROM (SELECT 1) AS one LEFT JOIN "Borrower" b ON b.id = ${borrowerId}::uuid LEFT JOIN "Application" a ON a.id = ${applicationId}::uuid`,
      );
      if (found.previous) return open(found.previous, idempotencyKey);
      if (!found.borrowerId || !found.applicantId || found.applicantId !== borrowerId) throw new AppError('VALIDATION_FAILED', { field: 'applicationId', reason: 'no such application for this borrower' });
      const borrower = found;
      const application = { productId: found.productId!, requestedAmount: found.requestedAmount, requestedTerm: found.requestedTerm, purpose: found.purpose };
      const consents = inForceBySource(found.consents);
      const missing = wanted.filter((s) => !consents.has(s));
      if (missing.length) {
        await db.raw.execute(
          insertRows('AuditLog', [auditRow({ actorType: 'system', action: 'data_pull.refused', subjectType: 'Application', subjectId: applicationId, at, detail: { reason: 'consent_missing', sources: missing, requested: wanted } })]),
        );
        logger.warn({ applicationId, sources: missing }, 'data pull refused: no consent recorded');
        return { ok: false, reason: 'consent_missing', sources: missing };
      }

      if (!borrower.idNumberEnc || !borrower.phoneEnc || !borrower.name) throw new AppError('VALIDATION_FAILED', { field: 'borrowerId', reason: 'borrower has no identity on file' });
      const person: PersonIdentity = {
        name: borrower.name,
        idNumber: cipher.decrypt(borrower.idNumberEnc, fieldContext('Borrower', 'idNumberEnc', borrowerId)),
        mobile: cipher.decrypt(borrower.phoneEnc, fieldContext('Borrower', 'phoneEnc', borrowerId)),
      };
      const enterprise = borrower.uscc && borrower.enterpriseName
        ? { name: borrower.enterpriseName, uscc: borrower.uscc, role: (borrower.enterpriseRole ?? 'legal_representative') as EnterpriseRole }
        : undefined;

      const results = await Promise.all(
        wanted.map(async (source) => {
          const c = consents.get(source)!;
          const consent: ConsentEvidence = { consentId: c.id, source, textVersion: c.textVersion, textHash: c.textHash, grantedAt: Number(c.grantedAt) };
          return [source, await settle(fetchSource(providers, source, { person, ...(enterprise ? { enterprise } : {}), consent, at }))] as const;
        }),
      );
      // Identity was verified at submission, before this pull could be asked for: its answer is reused.
      const known: ProviderResult<IdentityVerification> | null = found.identityCheck ? { ok: true, data: found.identityCheck } : null;
      const [verification, watchlist] = await Promise.all([known ?? settle(providers.identity.verify({ person, at })), settle(providers.identity.watchlist({ person, at }))]);
      const failed = [...results.map(([s, r]) => [s, r] as const), ['identity', verification] as const, ['watchlist', watchlist] as const].filter(([, r]) => !r.ok);
      if (failed.length) {
        const detail = failed.map(([s, r]) => `${s}: ${r.ok ? '' : r.detail}`).join('; ');
        logger.warn({ applicationId, failed: failed.map(([s]) => s) }, 'data pull: provider unavailable');
        return { ok: false, reason: 'provider_unavailable', detail };
      }

      const data: Record<string, unknown> = {};
      for (const [source, r] of results) if (r.ok && r.data !== null) data[source] = r.data;
      const product = productById(products, application.productId);
      const terms = defaultTerms(product);
      const profile: ApplicantProfile = {
        person,
        ...(enterprise ? { enterprise } : {}),
        request: {
          amount: toFen(application.requestedAmount),
          termMonths: application.requestedTerm ?? terms.termMonths,
          repaymentMethod: terms.repaymentMethod,
          purpose: (application.purpose ?? 'consumer') as LoanPurpose,
        },
        sources: data as AuthorisedData,
        ...(watchlist.ok && watchlist.data ? { watchlist: watchlist.data } : {}),
        ...(verification.ok && verification.data ? { verification: verification.data } : {}),
      };
      const synthetic = [...results.map(([, r]) => r), verification, watchlist].some((r) => r.ok && r.synthetic === true);
      const sealed = { sealed: cipher.encrypt(JSON.stringify(profile), context(idempotencyKey)) };
      try {
        const completed = auditRow({
          actorType: 'system',
          action: 'data_pull.completed',
          subjectType: 'Application',
          subjectId: applicationId,
          at,
          detail: { sources: wanted, found: Object.keys(data), consentIds: wanted.map((s) => consents.get(s)!.id), synthetic },
        });
        await db.raw.execute(Prisma.sql`WITH remembered AS (${insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, idempotencyKey, sealed, clock.now())])}) ${insertRows('AuditLog', [completed])}`);
      } catch (e) {
        // The same key pulled in parallel: answer what the first one stored.
        if (!isUniqueViolation(e)) throw e;
        const first = await recalled<{ sealed: string }>(db.raw, SCOPE, idempotencyKey);
        if (first) return open(first, idempotencyKey);
        throw e;
      }
      return { ok: true, profile };
    },
  };
}
