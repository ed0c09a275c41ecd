import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../server/db/index.js';

const at = (iso: string) => new Date(iso);
const PRODUCT = 'changde-kuaidai-personal';

/**
 * The funnels' and dashboards' scenario (Beijing dates 2026-12-01 … 07), as the sender, the tracked
 * links, the chat and the end-of-day batch would have stored it:
 * - campaign 春耕贷 (manager's, branch 0736): 4 sent (3 on 12-02, one at 01:00 on 12-03 Beijing), 3
 *   delivered; opened/clicked: a web recipient on 12-02, another on 12-03, in the WeCom group visitor
 *   v1 on 12-03 (twice), v2 and a tap without a visitor id on 12-04 (a personal recipient's LinkClick
 *   is not counted again); applications: 12-03 (consent in its conversation, approved, drawn on
 *   12-05) and 12-04 (consent only in another conversation, declined); one delivery sent in November;
 * - the manager's own link: visitor v5 on 12-05 and 12-06; an application on 12-05 (consent, no decision);
 * - the branch's own link (0736): visitor v7 on 12-06;
 * - campaign 惠农贷 (another manager's, branch 0731): 1 sent on 12-06, an application on 12-06;
 * - two portfolio snapshots, early-warning signals and collection work orders.
 */
export async function seedFunnelScenario(prisma: PrismaClient, o: { managerId?: string; otherManagerId?: string } = {}) {
  const managerId = o.managerId ?? (await prisma.staffUser.create({ data: { username: `km-${randomUUID().slice(0, 8)}`, displayName: '刘经理', roles: ['manager'], branch: '0736', passwordHash: '', referralCode: 'KM736' } })).id;
  const otherId = o.otherManagerId ?? (await prisma.staffUser.create({ data: { username: `km-${randomUUID().slice(0, 8)}`, displayName: '陈经理', roles: ['manager'], branch: '0731', passwordHash: '' } })).id;
  const spring = await prisma.campaign.create({ data: { code: 'CG2026', name: '春耕贷', createdById: managerId, status: 'running', content: { text: '春耕贷款' }, channels: ['web', 'wecom_robot'], branch: '0736', createdAt: at('2026-12-01T08:00:00Z'), startedAt: at('2026-12-02T01:00:00Z') } });
  const farm = await prisma.campaign.create({ data: { code: 'HN2026', name: '惠农贷', createdById: otherId, status: 'running', content: { text: '惠农贷款' }, channels: ['web'], branch: '0731', createdAt: at('2026-12-05T08:00:00Z'), startedAt: at('2026-12-06T01:00:00Z') } });

  const borrower = async (name: string) => (await prisma.borrower.create({ data: { name } })).id;
  const conversation = async (channel: 'web' | 'wechat', borrowerId: string) => (await prisma.conversation.create({ data: { channel, externalUserId: randomUUID(), borrowerId, machineId: 'session', machineVersion: 1 } })).id;
  const b1 = await borrower('王小明');
  const b2 = await borrower('李春花');
  const b3 = await borrower('赵大牛');
  const b4 = await borrower('孙二娘');
  const x1 = await conversation('web', b1);
  const x2 = await conversation('wechat', b2);
  const x9 = await conversation('web', b2);

  const delivery = (campaignId: string, channel: string, extra: Record<string, unknown>) =>
    prisma.campaignDelivery.create({ data: { campaignId, channel, target: randomUUID(), recipientKey: `${channel}:${randomUUID()}`, token: randomUUID(), status: 'sent', ...extra } });
  const d1 = await delivery(spring.id, 'web', { borrowerId: b1, sentAt: at('2026-12-02T02:00:00Z'), deliveredAt: at('2026-12-02T02:01:00Z'), openedAt: at('2026-12-02T03:05:00Z'), clickedAt: at('2026-12-02T03:00:00Z') });
  const d2 = await delivery(spring.id, 'web', { borrowerId: b2, sentAt: at('2026-12-02T02:00:00Z'), deliveredAt: at('2026-12-02T02:01:00Z'), clickedAt: at('2026-12-03T01:00:00Z') });
  await delivery(spring.id, 'web', { sentAt: at('2026-12-02T17:00:00Z') });
  const group = await delivery(spring.id, 'wecom_robot', { recipientKey: 'robot:branch-0736', sentAt: at('2026-12-02T02:00:00Z'), deliveredAt: at('2026-12-02T02:00:05Z') });
  await delivery(spring.id, 'web', { sentAt: at('2026-11-20T02:00:00Z'), deliveredAt: at('2026-11-20T02:00:05Z') });
  await delivery(farm.id, 'web', { sentAt: at('2026-12-06T02:00:00Z') });

  const click = (data: { code: string; at: string; campaignId?: string; deliveryId?: string; staffId?: string; branch?: string; visitorId?: string }) => prisma.linkClick.create({ data: { ...data, at: at(data.at) } });
  await click({ code: 'cmp_CG2026', at: '2026-12-02T03:00:00Z', campaignId: spring.id, deliveryId: d1.id, visitorId: 'v-d1' });
  await click({ code: 'cmp_CG2026', at: '2026-12-03T01:00:00Z', campaignId: spring.id, deliveryId: d2.id, visitorId: 'v9' });
  await click({ code: 'cmp_CG2026', at: '2026-12-03T04:00:00Z', campaignId: spring.id, deliveryId: group.id, visitorId: 'v1' });
  await click({ code: 'cmp_CG2026', at: '2026-12-04T04:00:00Z', campaignId: spring.id, deliveryId: group.id, visitorId: 'v1' });
  await click({ code: 'cmp_CG2026', at: '2026-12-04T05:00:00Z', campaignId: spring.id, deliveryId: group.id, visitorId: 'v2' });
  await click({ code: 'cmp_CG2026', at: '2026-12-04T06:00:00Z', campaignId: spring.id, deliveryId: group.id });
  await click({ code: 'mgr_KM736', at: '2026-12-05T02:00:00Z', staffId: managerId, branch: '0736', visitorId: 'v5' });
  await click({ code: 'mgr_KM736', at: '2026-12-06T02:00:00Z', staffId: managerId, branch: '0736', visitorId: 'v5' });
  await click({ code: 'br_0736', at: '2026-12-06T03:00:00Z', branch: '0736', visitorId: 'v7' });

  const application = (data: { borrowerId: string; createdAt: string; conversationId?: string; attributedCampaignId?: string; attributedStaffId?: string; attributedBranch?: string }) =>
    prisma.application.create({ data: { ...data, productId: PRODUCT, status: 'submitted', createdAt: at(data.createdAt) } });
  const consent = (borrowerId: string, grantedAt: string, conversationId?: string) =>
    prisma.consent.create({ data: { borrowerId, conversationId: conversationId ?? null, source: 'credit_bureau', textVersion: 'v1', textHash: 'x', channel: 'web', grantedAt: at(grantedAt) } });
  const a1 = await application({ borrowerId: b1, createdAt: '2026-12-03T02:00:00Z', conversationId: x1, attributedCampaignId: spring.id, attributedBranch: '0736' });
  await consent(b1, '2026-12-03T02:05:00Z', x1);
  const dec1 = await prisma.decision.create({ data: { applicationId: a1.id, outcome: 'approved', reasonCodes: [], modelVersion: 't', limitFen: 5_000_000n, createdAt: at('2026-12-03T02:10:00Z') } });
  const line = await prisma.creditLine.create({
    data: { borrowerId: b1, productId: PRODUCT, decisionId: dec1.id, limitFen: 5_000_000n, availableFen: 2_000_000n, ratePpm: 64_800, validFrom: at('2026-12-03'), validUntil: at('2027-12-03'), reviewAt: at('2027-12-03'), attributedCampaignId: spring.id, attributedBranch: '0736' },
  });
  await prisma.drawdown.create({ data: { creditLineId: line.id, amountFen: 3_000_000n, termMonths: 12, method: 'equal_installment', ratePpm: 64_800, status: 'active', idempotencyKey: randomUUID(), startDate: at('2026-12-05'), disbursedAt: at('2026-12-05T03:00:00Z') } });
  const a2 = await application({ borrowerId: b2, createdAt: '2026-12-04T02:00:00Z', conversationId: x2, attributedCampaignId: spring.id, attributedBranch: '0736' });
  await consent(b2, '2026-12-04T02:05:00Z', x9);
  await prisma.decision.create({ data: { applicationId: a2.id, outcome: 'declined', reasonCodes: ['X'], modelVersion: 't', createdAt: at('2026-12-04T02:10:00Z') } });
  await application({ borrowerId: b3, createdAt: '2026-12-05T03:00:00Z', attributedStaffId: managerId, attributedBranch: '0736' });
  await consent(b3, '2026-12-05T03:05:00Z');
  await application({ borrowerId: b4, createdAt: '2026-12-06T03:00:00Z', attributedCampaignId: farm.id, attributedBranch: '0731' });

  // Two end-of-day snapshots: 1.25 亿 then 1.3 亿 outstanding of 3 亿 of limits.
  const snapshot = (businessDate: string, outstandingFen: number) => ({
    businessDate,
    lines: { total: 12_000, active: 11_800, frozen: 150, expiredOwing: 50, withBalance: 9_000, overdue: 120 },
    limitFen: 30_000_000_000,
    outstandingFen,
    availableFen: 30_000_000_000 - outstandingFen,
    utilisation: Math.round((outstandingFen / 30_000_000_000) * 1e6) / 1e6,
    drawdowns: { count: 15_600, balanceFen: outstandingFen },
    byBucket: { M0: { count: 15_400, balanceFen: outstandingFen - 300_000_000 }, M1: { count: 120, balanceFen: 200_000_000 }, M2: { count: 50, balanceFen: 60_000_000 }, M3: { count: 20, balanceFen: 25_000_000 }, 'M3+': { count: 10, balanceFen: 15_000_000 } },
    byClass: { normal: { count: 15_400, balanceFen: outstandingFen - 300_000_000 }, special_mention: { count: 120, balanceFen: 200_000_000 }, substandard: { count: 50, balanceFen: 60_000_000 }, doubtful: { count: 20, balanceFen: 25_000_000 }, loss: { count: 10, balanceFen: 15_000_000 } },
    penaltyAccruedFen: 123_456,
    nplFen: 100_000_000,
    nplRatio: Math.round((100_000_000 / outstandingFen) * 1e6) / 1e6,
  });
  await prisma.portfolioSnapshot.create({ data: { businessDate: at('2026-12-05'), data: snapshot('2026-12-05', 12_500_000_000) } });
  await prisma.portfolioSnapshot.create({ data: { businessDate: at('2026-12-06'), data: snapshot('2026-12-06', 13_000_000_000) } });

  // Early warnings on the drawn line: one red open, one orange confirmed, one yellow open on another date.
  const signal = (level: string, status: string, businessDate: string) => prisma.riskSignal.create({ data: { creditLineId: line.id, borrowerId: b1, businessDate: at(businessDate), level, reasons: [], status } });
  await signal('red', 'open', '2026-12-06');
  await signal('orange', 'confirmed', '2026-12-05');
  await signal('yellow', 'open', '2026-12-04');

  // The collection queue: one open past its deadline, one in progress, one resolved on 12-04.
  const order = (status: 'open' | 'in_progress' | 'resolved', dueAt: string, doneAt?: string) =>
    prisma.workItem.create({ data: { kind: 'collection', status, reason: 'repayment_question', dueAt: at(dueAt), borrowerId: b1, ...(doneAt ? { doneAt: at(doneAt) } : {}) } });
  await order('open', '2026-11-30T02:00:00Z');
  await order('in_progress', '2026-12-09T02:00:00Z');
  await order('resolved', '2026-12-04T02:00:00Z', '2026-12-04T01:00:00Z');

  return { managerId, otherId, springId: spring.id, farmId: farm.id, lineId: line.id };
}
