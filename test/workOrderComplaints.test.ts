import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectKey } from '../flows/shared/effectKeys.js';
import { testDatabaseKind } from './support/testDatabase.js';
import { openServices, shanghai, type ServicesHarness } from './servicesHarness.js';

const at = shanghai('2026-01-15'); // Thursday 10:00 in Shanghai

describe(`complaints from the borrower on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  beforeAll(async () => {
    h = await openServices();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('opens one complaint work order per message, redelivered or not, with deadlines in working hours', async () => {
    const conversationId = randomUUID();
    const borrowerId = randomUUID();
    const requestKey = effectKey('complaint', conversationId, 'msg-1');
    const first = await h.effects.openComplaint({ conversationId, borrowerId, text: '我要投诉，客服态度太差', requestKey, at });
    // 2 working hours to answer, 16 to resolve: Thursday 12:00, and Friday 17:00 (Thursday 10–18, Friday 09–17).
    expect(first).toEqual({ number: expect.stringMatching(/^GD20260115-\d{4}$/), kind: 'complaint', status: 'open', createdAt: at, respondBy: shanghai('2026-01-15', '12:00'), resolveBy: shanghai('2026-01-16', '17:00') });
    const again = await h.effects.openComplaint({ conversationId, borrowerId, text: '我要投诉，客服态度太差', requestKey, at: at + 5_000 });
    expect(again).toEqual(first);
    const rows = await h.db.prisma.workItem.findMany({ where: { conversationId, kind: 'complaint' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ number: first.number, priority: 'high', reason: '我要投诉，客服态度太差', borrowerId });
    expect(await h.db.prisma.auditLog.count({ where: { action: 'workOrder.opened', subjectId: rows[0]!.id } })).toBe(1);
    expect(await h.db.prisma.job.count({ where: { key: { startsWith: `workOrder:${rows[0]!.id}:` } } })).toBe(4);

    const second = await h.effects.openComplaint({ conversationId, borrowerId, text: '投诉', requestKey: effectKey('complaint', conversationId, 'msg-2'), at: at + 60_000 });
    expect(second.number).not.toBe(first.number);
  });

  it('answers the borrower about their own work orders only, and 进度 carries the open ones', async () => {
    const conversationId = randomUUID();
    const borrowerId = randomUUID();
    const mine = await h.effects.openComplaint({ conversationId, borrowerId, text: '投诉', requestKey: effectKey('complaint', conversationId, 'm'), at });
    const otherConversation = randomUUID();
    const theirs = await h.effects.openComplaint({ conversationId: otherConversation, text: '投诉', requestKey: effectKey('complaint', otherConversation, 'm'), at });

    expect((await h.effects.workOrderStatus({ conversationId, at })).orders.map((o) => o.number)).toEqual([mine.number]);
    // Known by the borrower from another conversation (another channel) too.
    expect((await h.effects.workOrderStatus({ conversationId: randomUUID(), borrowerId, at })).orders.map((o) => o.number)).toEqual([mine.number]);
    expect((await h.effects.workOrderStatus({ conversationId, number: mine.number, at })).orders).toHaveLength(1);
    expect((await h.effects.workOrderStatus({ conversationId, number: theirs.number, at })).orders).toEqual([]);

    const account = await h.effects.loadAccount({ borrowerId, at });
    expect(account.workOrders).toEqual([mine]);

    // Answered and resolved by staff: the borrower hears when it was resolved, and 进度 no longer lists it.
    const row = await h.db.prisma.workItem.findUniqueOrThrow({ where: { number: mine.number } });
    await h.db.prisma.workItem.update({ where: { id: row.id }, data: { status: 'resolved', firstRespondedAt: new Date(at + 60_000), doneAt: new Date(at + 3_600_000), resolution: '已致歉' } });
    expect((await h.effects.workOrderStatus({ conversationId, at })).orders).toEqual([{ number: mine.number, kind: 'complaint', status: 'resolved', createdAt: at, resolvedAt: at + 3_600_000 }]);
    expect((await h.effects.loadAccount({ borrowerId, at })).workOrders).toBeUndefined();
  });
});
