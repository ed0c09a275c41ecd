import type { SceneReferral } from '../../../bots/officialAccount/index.js';
import type { Clock } from '../../clock.js';
import type { PrismaClient } from '../../db/index.js';

export type AttributionResult =
  | { readonly status: 'attributed'; readonly borrowerId: string; readonly staffId?: string; readonly campaignId?: string }
  /** The borrower already belongs to a manager or campaign: the first one keeps them. */
  | { readonly status: 'kept'; readonly borrowerId: string }
  /** No borrower behind this openid yet: the conversation's referral attributes them when they apply. */
  | { readonly status: 'no_borrower' }
  | { readonly status: 'unknown_code' };

/**
 * Records who brought a person who scanned a manager's or campaign's QR code. The runtime keeps
 * the code on the conversation (Conversation.referral, first one wins) and the application service
 * attributes a new borrower from it; this covers the borrower who is known already (the
 * conversation has a borrowerId) and has no attribution yet: first touch wins, as everywhere.
 */
export function createSceneAttribution(deps: { readonly prisma: PrismaClient; readonly clock: Clock }) {
  const { prisma, clock } = deps;
  return {
    async record(openid: string, scene: SceneReferral): Promise<AttributionResult> {
      const conversation = await prisma.conversation.findUnique({
        where: { channel_externalUserId_externalChatId: { channel: 'official_account', externalUserId: openid, externalChatId: '' } },
        select: { borrowerId: true },
      });
      const borrowerId = conversation?.borrowerId;
      if (!borrowerId) return { status: 'no_borrower' };
      const staff = scene.kind !== 'campaign' ? await prisma.staffUser.findFirst({ where: { referralCode: scene.code, active: true }, select: { id: true } }) : null;
      const campaign = !staff && scene.kind !== 'manager' ? await prisma.campaign.findUnique({ where: { code: scene.code }, select: { id: true } }) : null;
      if (!staff && !campaign) return { status: 'unknown_code' };
      const attribution = staff ? { attributedStaffId: staff.id } : { attributedCampaignId: campaign!.id };
      return prisma.$transaction(async (tx) => {
        const updated = await tx.borrower.updateMany({ where: { id: borrowerId, attributedStaffId: null, attributedCampaignId: null }, data: attribution });
        if (updated.count === 0) return { status: 'kept', borrowerId } as const;
        await tx.auditLog.create({
          data: {
            at: clock.now(),
            actorType: 'system',
            action: 'borrower.attributed',
            subjectType: 'Borrower',
            subjectId: borrowerId,
            detail: { channel: 'official_account', scene: scene.scene, ...attribution },
          },
        });
        return { status: 'attributed', borrowerId, ...(staff ? { staffId: staff.id } : { campaignId: campaign!.id }) } as const;
      }, { maxWait: 15_000, timeout: 30_000 });
    },
  };
}

export type SceneAttribution = ReturnType<typeof createSceneAttribution>;
