import type { OfficialAccountApi } from '../channels/officialAccount/index.js';
import type { PrismaClient } from '../db/index.js';

/** An official-account QR code of a ref, or why there is none. */
export type OfficialAccountQr =
  | { readonly status: 'ready'; readonly imageUrl: string; readonly ticket: string; readonly url: string }
  | { readonly status: 'not_configured' }
  | { readonly status: 'failed'; readonly reason: string };

const SCOPE = 'oa_qr';

/**
 * The permanent official-account QR code whose scene is `ref` (mgr_…, cmp_…, br_…, prd_…), created
 * through WeChat once and kept in IdempotencyRecord (scope `oa_qr`, key = ref): an account may hold
 * only 100,000 permanent codes, so a code is never created twice for one ref. Two first requests at
 * once may both call WeChat; the first stored answer wins and is what both return.
 */
export async function officialAccountQr(prisma: PrismaClient, api: OfficialAccountApi | undefined, ref: string): Promise<OfficialAccountQr> {
  if (!api) return { status: 'not_configured' };
  const stored = await prisma.idempotencyRecord.findUnique({ where: { scope_key: { scope: SCOPE, key: ref } } });
  if (stored) return stored.result as OfficialAccountQr;
  let created: Awaited<ReturnType<OfficialAccountApi['createPermanentQrCode']>>;
  try {
    created = await api.createPermanentQrCode(ref);
  } catch (e) {
    return { status: 'failed', reason: e instanceof Error ? e.message : 'WeChat did not answer' };
  }
  if (!created.ok) return { status: 'failed', reason: `WeChat refused: errcode ${created.errcode} ${created.errmsg}`.trim() };
  const qr: OfficialAccountQr = { status: 'ready', imageUrl: created.imageUrl, ticket: created.ticket, url: created.url };
  await prisma.idempotencyRecord.createMany({ data: [{ scope: SCOPE, key: ref, result: qr }], skipDuplicates: true });
  const kept = await prisma.idempotencyRecord.findUniqueOrThrow({ where: { scope_key: { scope: SCOPE, key: ref } } });
  return kept.result as OfficialAccountQr;
}
