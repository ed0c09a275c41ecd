import type { SceneReferral } from '../../../bots/officialAccount/index.js';
import type { Clock } from '../../clock.js';
import type { PrismaClient } from '../../db/index.js';

export type AttributionResult =
  | { readonly status: 'attributed'; readonly borrowerId: string; readonly staffId?: string; readonly campaignId?: string; readonly branch?: string }
  /** The borrower already has a first touch (manager, campaign, branch or product): the first one keeps them. */
  | { readonly status: 'kept'; readonly borrowerId: string }
  /** No borrower behind this openid yet: the conversation's referral attributes them when they apply. */
  | { readonly status: 'no_borrower' }
  | { readonly status: 'unknown_code' };

/**
 * Records who brought a person who scanned a manager's, campaign's, branch's or product's QR code.
 * The runtime keeps the scene on the conversation (Conversation.referral, first one wins) and the
 * application service attributes a new borrower from it; this covers the borrower who is known
 * already (the conversation has a borrowerId) and has no first touch yet: first touch wins, as
 * everywhere. A product's code is attributed when well formed (and, given `productIds`, a known product).
 */
export function createSceneAttribution(deps: { readonly prisma: PrismaClient; readonly clock: Clock; readonly productIds?: readonly string[] }) {
  const { prisma, clock } = deps;

  /** What the scene names, with the branch it belongs to; undefined when it names nothing known. */
  async function resolve(scene: SceneReferral): Promise<{ ref: string; staffId: string | null; campaignId: string | null; branch: string | null } | undefined> {
    // A bare scene (a code printed before prefixes) is a manager's first, else a campaign's.
    if (scene.kind === 'manager' || scene.kind === 'other') {
      const staff = await prisma.staffUser.findFirst({ where: { referralCode: scene.code, active: true }, select: { id: true, branch: true, referralCode: true } });
      if (staff) return { ref: `mgr_${staff.referralCode}`, staffId: staff.id, campaignId: null, branch: staff.branch };
    }
    if (scene.kind === 'campaign' || scene.kind === 'other') {
      const campaign = await prisma.campaign.findUnique({ where: { code: scene.code }, select: { id: true, branch: true, code: true } });
      if (campaign) return { ref: `cmp_${campaign.code}`, staffId: null, campaignId: campaign.id, branch: campaign.branch };
    }
    if (scene.kind === 'branch') {
      const branch = await prisma.branch.findFirst({ where: { code: scene.code, active: true }, select: { code: true } });
      if (branch) return { ref: `br_${branch.code}`, staffId: null, campaignId: null, branch: branch.code };
    }
    if (scene.kind === 'product' && /^[A-Za-z0-9_-]{1,40}$/.test(scene.code) && (deps.productIds === undefined || deps.productIds.includes(scene.code))) return { ref: `prd_${scene.code}`, staffId: null, campaignId: null, branch: null };
    return undefined;
  }

  return {
    async record(openid: string, scene: SceneReferral): Promise<AttributionResult> {
      const conversation = await prisma.conversation.findUnique({
        where: { channel_externalUserId_externalChatId: { channel: 'official_account', externalUserId: openid, externalChatId: '' } },
        select: { borrowerId: true },
      });
      const borrowerId = conversation?.borrowerId;
      if (!borrowerId) return { status: 'no_borrower' };
      const touch = await resolve(scene);
      if (!touch) return { status: 'unknown_code' };
      const now = clock.now();
      const attribution = {
        ...(touch.staffId ? { attributedStaffId: touch.staffId } : {}),
        ...(touch.campaignId ? { attributedCampaignId: touch.campaignId } : {}),
        ...(touch.branch ? { attributedBranch: touch.branch } : {}),
      };
      return prisma.$transaction(async (tx) => {
        const updated = await tx.borrower.updateMany({
          where: { id: borrowerId, firstTouch: null, attributedStaffId: null, attributedCampaignId: null },
          data: { ...attribution, firstTouch: touch.ref, firstTouchAt: now },
        });
        if (updated.count === 0) return { status: 'kept', borrowerId } as const;
        await tx.auditLog.create({
          data: {
            at: now,
            actorType: 'system',
            action: 'borrower.attributed',
            subjectType: 'Borrower',
            subjectId: borrowerId,
            detail: { channel: 'official_account', scene: scene.scene, firstTouch: touch.ref, ...attribution },
          },
        });
        return {
          status: 'attributed',
          borrowerId,
          ...(touch.staffId ? { staffId: touch.staffId } : {}),
          ...(touch.campaignId ? { campaignId: touch.campaignId } : {}),
          ...(touch.branch ? { branch: touch.branch } : {}),
        } as const;
      }, { maxWait: 15_000, timeout: 30_000 });
    },
  };
}

export type SceneAttribution = ReturnType<typeof createSceneAttribution>;
