import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateResidentId } from '../core/index.js';
import { asSubmitted, openLineFor, openServices, personaApplication, shanghai, type ServicesHarness } from './servicesHarness.js';
import { testDatabaseKind } from './support/testDatabase.js';

const PRODUCT = 'changde-kuaidai-personal-demo';

/**
 * First-touch attribution through the application service: the referral (mgr_, cmp_, br_, prd_ or a
 * bare legacy code) resolves to a manager, campaign and branch; the borrower keeps the first touch
 * for good, each application carries it (and its own referral as the last touch), and the line
 * opened from an application carries it on.
 */
describe(`first-touch attribution on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  const at = shanghai('2026-01-15');
  const ids: Record<string, string> = {};
  let serial = 40;
  const newcomer = (referral: string) => {
    const idNumber = generateResidentId({ regionCode: '430702', birthDate: '1991-05-09', sex: 'female', serial: ++serial });
    return { ...personaApplication('excellent', at, { referral }), idNumber, name: `周${serial}` };
  };

  beforeAll(async () => {
    h = await openServices();
    const p = h.db.prisma;
    await p.branch.createMany({ data: [{ code: '0101', name: '城关支行' }, { code: '0202', name: '河洑支行' }, { code: '0303', name: '德山支行' }] });
    ids.a = (await p.staffUser.create({ data: { username: 'mgr-a', displayName: '张经理', roles: ['manager'], passwordHash: 'x', referralCode: 'KMA', branch: '0101' } })).id;
    ids.b = (await p.staffUser.create({ data: { username: 'mgr-b', displayName: '王经理', roles: ['manager'], passwordHash: 'x', referralCode: 'KMB', branch: '0202' } })).id;
    ids.campaign = (await p.campaign.create({ data: { code: 'SPRING', name: '春季', content: {}, branch: '0303' } })).id;
  });
  afterAll(async () => h?.close());

  it('keeps the first manager across a second application through another manager’s link, on the borrower, both applications and both lines', async () => {
    const first = await openLineFor(h, 'excellent', at, { referral: 'mgr_KMA' });
    const touchA = { firstTouch: 'mgr_KMA', attributedStaffId: ids.a, attributedCampaignId: null, attributedBranch: '0101' };
    const borrower = await h.db.prisma.borrower.findUniqueOrThrow({ where: { id: first.borrowerId } });
    expect(borrower).toMatchObject(touchA);
    expect(borrower.firstTouchAt).toBeInstanceOf(Date);
    expect(await h.db.prisma.application.findUniqueOrThrow({ where: { id: first.applicationId } })).toMatchObject({ ...touchA, referral: 'mgr_KMA' });
    expect(first.line).not.toBeNull();
    expect(await h.db.prisma.creditLine.findFirstOrThrow({ where: { borrowerId: first.borrowerId } })).toMatchObject(touchA);

    // Later, through manager B's link: openLineFor closes the first line and applies again.
    const second = await openLineFor(h, 'excellent', at + 86_400_000, { referral: 'mgr_KMB' });
    expect(second.borrowerId).toBe(first.borrowerId);
    expect(second.applicationId).not.toBe(first.applicationId);
    expect(await h.db.prisma.borrower.findUniqueOrThrow({ where: { id: first.borrowerId } })).toMatchObject({ ...touchA, firstTouchAt: borrower.firstTouchAt });
    expect(await h.db.prisma.application.findUniqueOrThrow({ where: { id: second.applicationId } })).toMatchObject({ ...touchA, referral: 'mgr_KMB' });
    const lines = await h.db.prisma.creditLine.findMany({ where: { borrowerId: first.borrowerId }, orderBy: { createdAt: 'asc' } });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject(touchA);
    const audit = await h.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'application.submitted', subjectId: first.applicationId } });
    expect(audit.detail).toMatchObject({ referral: 'mgr_KMA', attributedStaffId: ids.a, firstTouch: 'mgr_KMA' });
  });

  it('resolves campaign, branch, product and legacy bare codes; an unknown code attributes nothing', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['cmp_SPRING', { firstTouch: 'cmp_SPRING', attributedStaffId: null, attributedCampaignId: ids.campaign, attributedBranch: '0303' }],
      ['br_0202', { firstTouch: 'br_0202', attributedStaffId: null, attributedCampaignId: null, attributedBranch: '0202' }],
      [`prd_${PRODUCT}`, { firstTouch: `prd_${PRODUCT}`, attributedStaffId: null, attributedCampaignId: null, attributedBranch: null }],
      ['KMB', { firstTouch: 'mgr_KMB', attributedStaffId: ids.b, attributedBranch: '0202' }],
      ['SPRING', { firstTouch: 'cmp_SPRING', attributedCampaignId: ids.campaign }],
      ['mgr_NOPE', { firstTouch: null, attributedStaffId: null, attributedCampaignId: null, attributedBranch: null, firstTouchAt: null }],
      ['br_9999', { firstTouch: null, attributedBranch: null }],
      ['prd_unknown-product', { firstTouch: null }],
    ];
    for (const [referral, expected] of cases) {
      const s = asSubmitted(await h.effects.submitApplication(newcomer(referral)));
      expect(await h.db.prisma.borrower.findUniqueOrThrow({ where: { id: s.borrowerId } }), referral).toMatchObject(expected);
      const { firstTouchAt: _at, ...onApplication } = expected;
      expect(await h.db.prisma.application.findUniqueOrThrow({ where: { id: s.applicationId } }), referral).toMatchObject({ ...onApplication, referral });
    }
  });

  it('gives a borrower with no touch yet the touch of their next application', async () => {
    const s = asSubmitted(await h.effects.submitApplication(newcomer('')));
    expect(await h.db.prisma.borrower.findUniqueOrThrow({ where: { id: s.borrowerId } })).toMatchObject({ firstTouch: null });
    const app = await h.db.prisma.application.findUniqueOrThrow({ where: { id: s.applicationId } });
    await h.db.prisma.application.update({ where: { id: app.id }, data: { status: 'cancelled' } });
    const borrower = await h.db.prisma.borrower.findUniqueOrThrow({ where: { id: s.borrowerId } });
    const idNumber = generateResidentId({ regionCode: '430702', birthDate: '1991-05-09', sex: 'female', serial });
    const again = asSubmitted(await h.effects.submitApplication({ ...personaApplication('excellent', at, { referral: 'br_0101' }), idNumber, name: borrower.name ?? '' }));
    expect(again.borrowerId).toBe(s.borrowerId);
    expect(await h.db.prisma.borrower.findUniqueOrThrow({ where: { id: s.borrowerId } })).toMatchObject({ firstTouch: 'br_0101', attributedBranch: '0101' });
    expect(await h.db.prisma.application.findUniqueOrThrow({ where: { id: again.applicationId } })).toMatchObject({ firstTouch: 'br_0101', referral: 'br_0101' });
  });

  it('takes the conversation’s stored referral when the machine brings none (a campaign card tapped inside the chat)', async () => {
    const conversation = await h.db.prisma.conversation.create({ data: { channel: 'web', externalUserId: `tapper-${serial}`, machineId: 'lending', machineVersion: 1, referral: 'cmp_SPRING' } });
    const { referral: _none, ...application } = newcomer('');
    const s = asSubmitted(await h.effects.submitApplication({ ...application, conversationId: conversation.id }));
    expect(await h.db.prisma.application.findUniqueOrThrow({ where: { id: s.applicationId } })).toMatchObject({ referral: 'cmp_SPRING', firstTouch: 'cmp_SPRING', attributedCampaignId: ids.campaign });
  });
});
