import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { drain, openCampaignRig, type CampaignRig } from './support/campaignRig.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

let database: TestDatabase;
let rig: CampaignRig;

beforeEach(async () => {
  database = await createTestDatabase();
  rig = await openCampaignRig(database.target);
}, 180_000);
afterEach(async () => {
  await rig.close();
  await database.drop();
});

const statuses = async (campaignId: string) => {
  const rows = await rig.db.prisma.campaignDelivery.groupBy({ by: ['status', 'reason'], where: { campaignId }, _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [`${r.status}${r.reason ? `:${r.reason}` : ''}`, r._count._all]));
};

describe('campaign sender (web chat)', () => {
  it('starts a due campaign, materialises one delivery per recipient, appends one message each to their conversation, and finishes', async () => {
    await rig.seedWebUsers(12);
    const sender = rig.sender({ batchSize: 5 });
    const campaignId = await rig.campaign();
    expect(await sender.startDue()).toEqual([campaignId]);
    await drain(sender, rig.clock, campaignId, new Date(rig.clock.now().getTime() + 60_000));
    expect(await statuses(campaignId)).toEqual({ sent: 12 });
    const campaign = await rig.db.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(campaign.status).toBe('done');
    expect(campaign.startedAt).not.toBeNull();
    expect(campaign.finishedAt).not.toBeNull();
    const messages = await rig.db.prisma.message.findMany({ where: { author: { startsWith: 'campaign:' } }, include: { conversation: true } });
    expect(messages).toHaveLength(12);
    expect(new Set(messages.map((m) => m.conversationId)).size).toBe(12);
    for (const m of messages) {
      expect(m.seq).toBe(m.conversation.lastSeq);
      expect(m.text.startsWith('【快贷助手示范银行】春耕贷款')).toBe(true);
      expect(m.text.endsWith('回复"退订"不再接收')).toBe(true);
      expect(m.deliveryStatus).toBe('pending'); // the outbox pushes it to open sockets
    }
    const delivery = await rig.db.prisma.campaignDelivery.findFirstOrThrow({ where: { campaignId } });
    const message = messages.find((m) => m.conversationId === delivery.conversationId)!;
    expect((message.payload as { card: { url: string } }).card.url).toBe(`https://loans.example.cn/r/${delivery.token}`);
    expect(delivery.deliveredAt).not.toBeNull();
    // Materialising again adds nobody.
    expect(await sender.materialise(campaignId)).toBe(0);
  }, 180_000);

  it('quiet hours defer every delivery to the next window start and send then, never dropping one', async () => {
    await rig.seedWebUsers(5);
    rig.clock.set('2026-03-02T21:30:00+08:00');
    const sender = rig.sender();
    const campaignId = await rig.campaign();
    await sender.startDue();
    const first = await sender.sendBatch(campaignId);
    expect(first.nextAt?.toISOString()).toBe(new Date('2026-03-03T09:00:00+08:00').toISOString());
    expect(await statuses(campaignId)).toEqual({ 'deferred:quiet_hours': 5 });
    rig.clock.set('2026-03-03T08:59:00+08:00');
    await sender.sendBatch(campaignId);
    expect(await statuses(campaignId)).toEqual({ 'deferred:quiet_hours': 5 });
    expect(await rig.db.prisma.message.count({ where: { author: { startsWith: 'campaign:' } } })).toBe(0);
    rig.clock.set(first.nextAt!);
    await drain(sender, rig.clock, campaignId);
    expect(await statuses(campaignId)).toEqual({ sent: 5 });
  }, 180_000);

  it('suppresses over the daily and weekly caps, opted-out, overdue and recently complaining borrowers', async () => {
    await rig.seedWebUsers(6, { borrowers: true });
    const sender = rig.sender();
    const first = await rig.campaign({ code: 'FIRST' });
    await sender.startDue();
    await drain(sender, rig.clock, first);
    expect(await statuses(first)).toEqual({ sent: 6 });

    // Same day: the daily cap (1) holds.
    const second = await rig.campaign({ code: 'SECOND' });
    await sender.startDue();
    await drain(sender, rig.clock, second);
    expect(await statuses(second)).toEqual({ 'suppressed:daily_cap': 6 });

    // Next day: allowed (2 a week); the day after, the weekly cap holds.
    rig.clock.set('2026-03-03T10:00:00+08:00');
    const third = await rig.campaign({ code: 'THIRD' });
    await sender.startDue();
    await drain(sender, rig.clock, third);
    expect(await statuses(third)).toEqual({ sent: 6 });
    rig.clock.set('2026-03-04T10:00:00+08:00');
    const fourth = await rig.campaign({ code: 'FOURTH' });
    await sender.startDue();
    await drain(sender, rig.clock, fourth);
    expect(await statuses(fourth)).toEqual({ 'suppressed:weekly_cap': 6 });

    // A week later: opted out, overdue and complained are held back, the rest go.
    rig.clock.set('2026-03-12T10:00:00+08:00');
    const conversations = await rig.db.prisma.conversation.findMany({ orderBy: { externalUserId: 'asc' } });
    const [a, b, c] = conversations;
    await rig.db.prisma.contactPreference.create({ data: { channel: 'web', externalUserId: a!.externalUserId, conversationId: a!.id, marketingOptOut: true, optedOutAt: rig.clock.now() } });
    await rig.db.prisma.creditLine.create({
      data: { borrowerId: b!.borrowerId!, productId: 'p', limitFen: 100n, availableFen: 100n, ratePpm: 100, validFrom: new Date('2026-01-01'), validUntil: new Date('2027-01-01'), reviewAt: new Date('2027-01-01'), dpd: 3, bucket: 'M1' },
    });
    await rig.db.prisma.workItem.create({ data: { kind: 'complaint', borrowerId: c!.borrowerId!, reason: '投诉', dueAt: rig.clock.now(), createdAt: new Date(rig.clock.now().getTime() - 29 * 86_400_000) } });
    const fifth = await rig.campaign({ code: 'FIFTH' });
    await sender.startDue();
    await drain(sender, rig.clock, fifth);
    expect(await statuses(fifth)).toEqual({ 'suppressed:opted_out': 1, 'suppressed:overdue': 1, 'suppressed:complained': 1, sent: 3 });
  }, 180_000);
});
