import { maskIdNumber, maskMobile, shanghaiDateOf, validateMobile, validateResidentId, validateSocialCreditCode } from '../../core/index.js';
import type { FlowEffects } from '../../flows/host.js';
import { AppError } from '../errors.js';
import { audit, inTransaction, isUniqueViolation, productById, recalled, remember, toBigFen, uuidOrNull, type Tx } from './persistence.js';
import type { ServiceContext } from './serviceDeps.js';

type SubmitOutput = Awaited<ReturnType<FlowEffects['submitApplication']>>;

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

      const attempt = () =>
        inTransaction(db.prisma, async (tx): Promise<SubmitOutput> => {
          const previous = await recalled<SubmitOutput>(tx, 'submitApplication', input.idempotencyKey);
          if (previous) return previous;
          const attribution = input.referral ? await attributionOf(tx, input.referral) : {};
          const identity = {
            name,
            phoneEnc: cipher.encrypt(mobile.value),
            phoneHash: cipher.lookupHash(mobile.value),
            phoneMasked: maskMobile(mobile.value),
            ...(input.enterprise
              ? { kind: 'enterprise' as const, enterpriseName: input.enterprise.name, uscc: input.enterprise.uscc.trim().toUpperCase(), enterpriseRole: input.enterprise.role }
              : {}),
          };
          const idNumberHash = cipher.lookupHash(idNumber);
          const existing = await tx.borrower.findUnique({ where: { idNumberHash } });
          const borrower = existing
            ? await tx.borrower.update({
                where: { id: existing.id },
                data: {
                  ...identity,
                  // First touch wins: a borrower stays with the manager or campaign that brought them.
                  ...(existing.attributedStaffId === null && existing.attributedCampaignId === null ? attribution : {}),
                },
              })
            : await tx.borrower.create({ data: { ...identity, idNumberEnc: cipher.encrypt(idNumber), idNumberHash, idNumberMasked: maskIdNumber(idNumber), ...attribution } });
          const application = await tx.application.create({
            data: {
              borrowerId: borrower.id,
              productId: product.id,
              status: 'submitted',
              purpose: input.purpose,
              purposeDetail: input.purposeDetail,
              requestedAmount: toBigFen(input.requestedAmount),
              conversationId: uuidOrNull(input.conversationId),
              referral: input.referral ?? null,
            },
          });
          await audit(tx, {
            actorType: 'borrower',
            actorId: borrower.id,
            action: 'application.submitted',
            subjectType: 'Application',
            subjectId: application.id,
            at: input.at,
            detail: { productId: product.id, channel: input.channel, conversationId: input.conversationId, requestedAmount: input.requestedAmount, newBorrower: !existing, referral: input.referral ?? null, ...attribution },
          });
          const output: SubmitOutput = { borrowerId: borrower.id, applicationId: application.id, borrowerName: name };
          await remember(tx, 'submitApplication', input.idempotencyKey, output, clock.now());
          return output;
        });
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

async function attributionOf(tx: Tx, referral: string): Promise<{ attributedStaffId?: string; attributedCampaignId?: string }> {
  const code = referral.trim();
  if (!code) return {};
  const staff = await tx.staffUser.findFirst({ where: { referralCode: code, active: true }, select: { id: true } });
  if (staff) return { attributedStaffId: staff.id };
  const campaign = await tx.campaign.findUnique({ where: { code }, select: { id: true } });
  return campaign ? { attributedCampaignId: campaign.id } : {};
}
