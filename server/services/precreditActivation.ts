import { validateMobile, validateResidentId, shanghaiDateOf } from '../../core/index.js';
import type { FlowEffects } from '../../flows/host.js';
import { Prisma } from '../db/generated/client.js';
import { fromPpm, toFen } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

/**
 * 一键激活 (one-tap activation of a pre-approved limit, see docs/studio.md): an entry can be activated
 * while it is whitelisted, not activated yet, its batch is for the product and has not expired, and
 * it names this ID number (and this mobile, when the bank's file had one). The same predicate is used
 * when the offer is looked up and again when the application is submitted.
 */
export function activatablePrecreditSql(e: string, b: string, p: { productId: string; idNumberHash: string; phoneHash: string; at: Date }): Prisma.Sql {
  const entry = Prisma.raw(e);
  const batch = Prisma.raw(b);
  return Prisma.sql`${entry}.outcome = 'whitelisted' AND ${entry}."activatedAt" IS NULL AND ${entry}."limitFen" > 0 AND ${entry}."ratePpm" IS NOT NULL
    AND ${entry}."idNumberHash" = ${p.idNumberHash} AND (${entry}."phoneHash" IS NULL OR ${entry}."phoneHash" = ${p.phoneHash})
    AND ${batch}."productId" = ${p.productId} AND ${batch}."expiresAt" > ${p.at}::timestamptz`;
}

/** The lookup hashes of what was typed (normalised as submitApplication stores them), or null when it does not validate. */
export function precreditHashes(ctx: Pick<ServiceContext, 'cipher'>, idNumber: string, mobile: string, at: number): { idNumberHash: string; phoneHash: string } | null {
  const id = validateResidentId(idNumber, shanghaiDateOf(at));
  const phone = validateMobile(mobile);
  if (!id.ok || !phone.ok) return null;
  return { idNumberHash: ctx.cipher.lookupHash(id.value.idNumber), phoneHash: ctx.cipher.lookupHash(phone.value) };
}

export function precreditEffects(ctx: ServiceContext): Pick<FlowEffects, 'findPrecreditOffer'> {
  const { db } = ctx;
  return {
    async findPrecreditOffer({ productId, idNumber, mobile, at }) {
      const hashes = precreditHashes(ctx, idNumber, mobile, at);
      if (!hashes) return { found: false };
      // The newest batch's entry wins when a person is on two lists.
      const rows = await db.raw.query<{ id: string; limitFen: bigint; ratePpm: number; expiresAt: Date }>(Prisma.sql`
        SELECT e.id, e."limitFen", e."ratePpm", b."expiresAt" FROM "PrecreditEntry" e JOIN "PrecreditBatch" b ON b.id = e."batchId"
        WHERE ${activatablePrecreditSql('e', 'b', { productId, ...hashes, at: new Date(at) })}
        ORDER BY b."startedAt" DESC, e."rowNo" LIMIT 1`);
      const row = rows[0];
      if (!row) return { found: false };
      return { found: true, entryId: row.id, limit: toFen(row.limitFen), annualRate: fromPpm(row.ratePpm), expiresAt: row.expiresAt.getTime() };
    },
  };
}
