import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createContactService } from '../server/contact/index.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { openSql, type Sql } from '../server/runtime/index.js';
import type { FieldCipher } from '../server/security/fieldCipher.js';
import { drain } from './support/campaignRig.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/** 退订 said in the web chat: the next campaign is suppressed for that person, while their repayment reminder still goes. */
const clock = manualClock('2026-03-02T10:00:00+08:00');
let database: TestDatabase;
let server: Server;
let sql: Sql;
let cipher: FieldCipher;
beforeAll(async () => {
  database = await createTestDatabase();
  server = await bootServer(testConfig(database), createLogger('silent'), {
    clock,
    spec: (c) => {
      cipher = c.cipher;
      return createLendingConversation(c);
    },
  });
  sql = await openSql(server.db);
}, 180_000);
afterAll(async () => {
  await sql?.close();
  await server?.app.close();
  await database?.drop();
});

describe(`marketing opt-out and the sender, on ${testDatabaseKind()}`, () => {
  it('an opted-out borrower gets no campaign message, and still gets a repayment reminder', async () => {
    const runtime = server.conversations!.runtime;
    const prisma = server.db.prisma;
    await runtime.receive({ channel: 'web', userId: 'optout-1', messageId: 'o1', text: '你好' });
    await runtime.receive({ channel: 'web', userId: 'optout-1', messageId: 'o2', text: '退订' });
    await runtime.receive({ channel: 'web', userId: 'stays-1', messageId: 's1', text: '你好' });
    expect(await prisma.contactPreference.count({ where: { externalUserId: 'optout-1', marketingOptOut: true } })).toBe(1);
    // Both are borrowers (their conversations linked), as after an application.
    for (const userId of ['optout-1', 'stays-1']) {
      const borrower = await prisma.borrower.create({ data: { name: userId } });
      await prisma.conversation.updateMany({ where: { channel: 'web', externalUserId: userId }, data: { borrowerId: borrower.id } });
    }

    const campaign = await prisma.campaign.create({ data: { code: 'OPTOUT', name: '测试', status: 'scheduled', scheduledAt: clock.now(), channels: ['web'], content: { text: '春耕贷款', withQr: false } } });
    await server.campaigns.startDue();
    await drain(server.campaigns, clock, campaign.id);
    const deliveries = await prisma.campaignDelivery.findMany({ where: { campaignId: campaign.id }, orderBy: { target: 'asc' } });
    expect(deliveries.map((d) => [d.target, d.status, d.reason])).toEqual([
      ['optout-1', 'suppressed', 'opted_out'],
      ['stays-1', 'sent', null],
    ]);
    const optedOut = (await prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'optout-1' } }))!;
    expect(await prisma.message.count({ where: { conversationId: optedOut.id, author: 'campaign:OPTOUT' } })).toBe(0);

    // A reminder is a service message: the contact component sends it whatever the marketing preference.
    const contacts = createContactService({ config: testConfig(database), db: server.db, sql, clock, logger: createLogger('silent'), runtime, sms: { sendNotice: async () => ({ ok: true as const, messageId: 'unused' }) }, cipher });
    const outcome = await contacts.contact({ key: 'reminder:optout', borrowerId: optedOut.borrowerId!, purpose: 'reminder', template: 'reminder.T-1', params: { productZh: '快贷', productEn: 'Kuaidai', dueDate: '2026-03-03', amount: 10_000 } });
    expect(outcome).toMatchObject({ status: 'sent', channel: 'web' });
    const told = await prisma.message.findMany({ where: { conversationId: optedOut.id, direction: 'outbound', text: { contains: '温馨提示' } } });
    expect(told).toHaveLength(1);
  }, 180_000);
});
