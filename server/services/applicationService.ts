import { randomUUID } from 'node:crypto';
import { maskIdNumber, maskMobile, shanghaiDateOf, validateMobile, validateResidentId, validateSocialCreditCode } from '../../core/index.js';
import type { FlowEffects } from '../../flows/host.js';
import { AppError } from '../errors.js';
import { Prisma, type Application, type Borrower } from '../db/generated/client.js';
import { auditRow, idempotencyRow, insertRows, isUniqueViolation, productById, queryOne, toBigFen, uuidOrNull } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

type SubmitOutput = Awaited<ReturnType<FlowEffects['submitApplication']>>;

const SCOPE = 'submitApplication';

/**
 * Registers or finds the borrower by the keyed hash of the ID number (ID and mobile stored
 * encrypted and masked, never in clear) and creates the application. Idempotent by key. A
 * referral code is attributed to the customer manager (StaffUser.referralCode) or the campaign
 * (Campaign.code) it names: the borrower keeps the first attribution, the application records the
 * code it came with.
 */
export function applicationEffects(ctx: ServiceContext): Pick<FlowEffects, 'submitApplication'> {
  const { db, cipher, products, clock } = ctx;

  return {
    async submitApplication(input) {
      const product = productById(products, input.productId);
      const id = validateResidentId(input.idNumber, shanghaiDateOf(input.at));
      if (!id.ok) throw new AppError('VALIDATION_FAILED', { field: 'idNumber', reason: id.error.message });
      const mobile = validateMobile(input.mobile);
      if (!mobile.ok) throw new AppError('VALIDATION_FAILED', { field: 'mobile', reason: mobile.error.message });
      if (input.enterprise) {
        const uscc = validateSocialCreditCode(input.enterprise.uscc);
        if (!uscc.ok) throw new AppError('VALIDATION_FAILED', { field: 'enterprise.uscc', reason: uscc.error.message });
      }
      if (!Number.isSafeInteger(input.requestedAmount) || input.requestedAmount <= 0) throw new AppError('VALIDATION_FAILED', { field: 'requestedAmount', reason: 'must be positive whole fen' });
      const idNumber = id.value.idNumber;
      const name = input.name.trim();

      const idNumberHash = cipher.lookupHash(idNumber);
      const code = input.referral?.trim() || null;

      // Two statements: one read (a stored result, the borrower, who the referral code names), one write.
      const attempt = async (): Promise<SubmitOutput> => {
        const found = await queryOne<{ previous: SubmitOutput | null; borrowerId: string | null; attributed: boolean | null; staffId: string | null; campaignId: string | null }>(
          db.prisma,
          Prisma.sql`SELECT (SELECT r.result FROM "IdempotencyRecord" r WHERE r.scope = ${SCOPE} AND r.key = ${input.idempotencyKey}) AS previous,
            b.id AS "borrowerId", (b."attributedStaffId" IS NOT NULL OR b."attributedCampaignId" IS NOT NULL) AS attributed,
            (SELECT s.id FROM "StaffUser" s WHERE s."referralCode" = ${code} AND s.active LIMIT 1) AS "staffId",
            (SELECT c.id FROM "Campaign" c WHERE c.code = ${code}) AS "campaignId"
            FROM (SELECT 1) AS one LEFT JOIN "Borrower" b ON b."idNumberHash" = ${idNumberHash}`,
        );
        if (found.previous) return found.previous;
        // The referral code names an active manager first, else a campaign.
        const attribution: { attributedStaffId?: string; attributedCampaignId?: string } = found.staffId ? { attributedStaffId: found.staffId } : found.campaignId ? { attributedCampaignId: found.campaignId } : {};
        const now = new Date();
        const enterprise = input.enterprise ? { enterpriseName: input.enterprise.name, uscc: input.enterprise.uscc.trim().toUpperCase(), enterpriseRole: input.enterprise.role } : null;
        const phone = { phoneEnc: cipher.encrypt(mobile.value), phoneHash: cipher.lookupHash(mobile.value), phoneMasked: maskMobile(mobile.value) };
        const existing = found.borrowerId;
        const borrowerId = existing ?? randomUUID();
        let writeBorrower: Prisma.Sql;
        if (existing) {
          // First touch wins: a borrower stays with the manager or campaign that brought them.
          const touch = found.attributed ? {} : attribution;
          writeBorrower = Prisma.sql`UPDATE "Borrower" SET name = ${name}, "phoneEnc" = ${phone.phoneEnc}, "phoneHash" = ${phone.phoneHash}, "phoneMasked" = ${phone.phoneMasked},
            ${enterprise ? Prisma.sql`kind = 'enterprise', "enterpriseName" = ${enterprise.enterpriseName}, uscc = ${enterprise.uscc}, "enterpriseRole" = ${enterprise.enterpriseRole},` : Prisma.empty}
            ${touch.attributedStaffId ? Prisma.sql`"attributedStaffId" = ${touch.attributedStaffId}::uuid,` : Prisma.empty}
            ${touch.attributedCampaignId ? Prisma.sql`"attributedCampaignId" = ${touch.attributedCampaignId}::uuid,` : Prisma.empty}
            "updatedAt" = ${now}::timestamptz WHERE id = ${existing}::uuid`;
        } else {
          const borrower: Borrower = {
            id: borrowerId,
            kind: enterprise ? 'enterprise' : 'individual',
            name,
            idNumberEnc: cipher.encrypt(idNumber),
            idNumberHash,
            idNumberMasked: maskIdNumber(idNumber),
            ...phone,
            enterpriseName: enterprise?.enterpriseName ?? null,
            uscc: enterprise?.uscc ?? null,
            enterpriseRole: enterprise?.enterpriseRole ?? null,
            attributedStaffId: attribution.attributedStaffId ?? null,
            attributedCampaignId: attribution.attributedCampaignId ?? null,
            createdAt: now,
            updatedAt: now,
          };
          writeBorrower = insertRows('Borrower', [borrower]);
        }
        const application: Application = {
          id: randomUUID(),
          borrowerId,
          productId: product.id,
          status: 'submitted',
          purpose: input.purpose,
          purposeDetail: input.purposeDetail,
          referral: input.referral ?? null,
          requestedAmount: toBigFen(input.requestedAmount),
          requestedTerm: null,
          conversationId: uuidOrNull(input.conversationId),
          offerExpiresAt: null,
          acceptedAt: null,
          termsVersion: null,
          termsHash: null,
          createdAt: now,
          updatedAt: now,
        };
        const output: SubmitOutput = { borrowerId, applicationId: application.id, borrowerName: name };
        const submitted = auditRow({
          actorType: 'borrower',
          actorId: borrowerId,
          action: 'application.submitted',
          subjectType: 'Application',
          subjectId: application.id,
          at: input.at,
          detail: { productId: product.id, channel: input.channel, conversationId: input.conversationId, requestedAmount: input.requestedAmount, newBorrower: !existing, referral: input.referral ?? null, ...attribution },
        });
        await db.prisma.$executeRaw`WITH borrower AS (${writeBorrower}),
          application AS (${insertRows('Application', [application])}),
          audited AS (${insertRows('AuditLog', [submitted])})
          ${insertRows('IdempotencyRecord', [idempotencyRow(SCOPE, input.idempotencyKey, output, clock.now())])}`;
        return output;
      };
      try {
        return await attempt();
      } catch (e) {
        // Two first applications with one ID number (or one key) at once: the loser reads the winner's rows.
        if (isUniqueViolation(e)) return attempt();
        throw e;
      }
    },
  };
}
