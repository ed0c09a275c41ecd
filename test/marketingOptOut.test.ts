import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTACT_POLICY } from '../core/index.js';
import type { ConversationEvent } from '../flows/index.js';
import { ContactService } from '../server/contact/index.js';
import { createLogger } from '../server/logging/index.js';
import { openSql, type Sql } from '../server/runtime/index.js';
import { isMarketingOptedOut } from '../server/studio/index.js';
import { testDatabaseKind } from './support/testDatabase.js';
import { asSubmitted, openServices, personaApplication, shanghai, type ServicesHarness } from './servicesHarness.js';

/**
 * 退订 on one channel opts the person out of all marketing (MARKETING_OPT_OUT_RULE, the sender's
 * suppression); the record is kept and audited both ways; reminders are service messages and still go.
 */
describe(`marketing opt-out across channels on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  let sql: Sql;
  const at = shanghai('2026-01-15');
  beforeAll(async () => {
    h = await openServices();
    sql = await openSql(h.db);
  });
  afterAll(async () => {
    await sql?.close();
    await h?.close();
  });

  const conversation = (channel: 'web' | 'official_account' | 'wechat', externalUserId: string, borrowerId?: string) =>
    h.db.prisma.conversation.create({ data: { channel, externalUserId, machineId: 'm', machineVersion: 1, ...(borrowerId ? { borrowerId } : {}) } });
  const audits = (subjectId: string) => h.db.prisma.auditLog.findMany({ where: { subjectType: 'ContactPreference', subjectId }, orderBy: { at: 'asc' } });

  it('a borrower who says 退订 on the web chat is opted out on the official account too, and the row says who they are', async () => {
    const { borrowerId } = asSubmitted(await h.effects.submitApplication(personaApplication('excellent', at)));
    const web = await conversation('web', 'web-user-1', borrowerId);
    await conversation('official_account', 'oa-openid-1', borrowerId);
    expect(await isMarketingOptedOut(h.db.prisma, { borrowerId, channel: 'official_account', externalUserId: 'oa-openid-1' })).toBe(false);

    await h.effects.setMarketingOptOut({ conversationId: web.id, borrowerId, optOut: true, at });
    const row = await h.db.prisma.contactPreference.findFirstOrThrow({ where: { channel: 'web', externalUserId: 'web-user-1' } });
    expect(row).toMatchObject({ borrowerId, marketingOptOut: true });
    expect(row.optedOutAt?.getTime()).toBe(at);
    expect(await isMarketingOptedOut(h.db.prisma, { borrowerId, channel: 'official_account', externalUserId: 'oa-openid-1' })).toBe(true);
    expect(await isMarketingOptedOut(h.db.prisma, { borrowerId })).toBe(true);
    // Someone else on the same channel is not.
    expect(await isMarketingOptedOut(h.db.prisma, { channel: 'official_account', externalUserId: 'oa-openid-2' })).toBe(false);
    expect((await audits(row.id)).map((a) => a.action)).toEqual(['marketing.opted_out']);
  });

  it('an opt-out said before the person was known counts once a conversation of theirs is linked to the borrower', async () => {
    const { borrowerId } = asSubmitted(await h.effects.submitApplication(personaApplication('thin_file', at)));
    const oa = await conversation('official_account', 'oa-anonymous-1');
    await h.effects.setMarketingOptOut({ conversationId: oa.id, optOut: true, at });
    expect(await h.db.prisma.contactPreference.findFirstOrThrow({ where: { channel: 'official_account', externalUserId: 'oa-anonymous-1' } })).toMatchObject({ borrowerId: null });
    // Campaigns reach this borrower on the web chat: not opted out until the official-account user is theirs.
    expect(await isMarketingOptedOut(h.db.prisma, { borrowerId, channel: 'web', externalUserId: 'web-user-2' })).toBe(false);
    await h.db.prisma.conversation.update({ where: { id: oa.id }, data: { borrowerId } });
    expect(await isMarketingOptedOut(h.db.prisma, { borrowerId, channel: 'web', externalUserId: 'web-user-2' })).toBe(true);
  });

  it('恢复推送 lifts the person\'s opt-outs on every channel, each audited; the rows are kept', async () => {
    const borrower = await h.db.prisma.borrower.findFirstOrThrow({ where: { conversations: { some: { externalUserId: 'oa-anonymous-1' } } } });
    const web = await conversation('web', 'web-user-2', borrower.id);
    await h.effects.setMarketingOptOut({ conversationId: web.id, borrowerId: borrower.id, optOut: true, at: at + 1_000 });
    expect(await h.db.prisma.contactPreference.count({ where: { marketingOptOut: true, OR: [{ borrowerId: borrower.id }, { externalUserId: 'oa-anonymous-1' }] } })).toBe(2);

    await h.effects.setMarketingOptOut({ conversationId: web.id, borrowerId: borrower.id, optOut: false, at: at + 2_000 });
    expect(await isMarketingOptedOut(h.db.prisma, { borrowerId: borrower.id, channel: 'web', externalUserId: 'web-user-2' })).toBe(false);
    const rows = await h.db.prisma.contactPreference.findMany({ where: { OR: [{ externalUserId: 'web-user-2' }, { externalUserId: 'oa-anonymous-1' }] } });
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ marketingOptOut: false, optedOutAt: null });
      expect((await audits(row.id)).map((a) => a.action)).toEqual(['marketing.opted_out', 'marketing.opted_in']);
    }
  });

  it('a reminder still reaches an opted-out borrower: service messages are not marketing', async () => {
    const borrower = await h.db.prisma.borrower.findFirstOrThrow({ where: { conversations: { some: { externalUserId: 'web-user-1' } } } });
    expect(await isMarketingOptedOut(h.db.prisma, { borrowerId: borrower.id })).toBe(true);
    const web = await h.db.prisma.conversation.update({ where: { channel_externalUserId_externalChatId: { channel: 'web', externalUserId: 'web-user-1', externalChatId: '' } }, data: { lastInboundAt: new Date(h.clock.now().getTime() - 60_000) } });
    const dispatched: { conversationId: string; event: ConversationEvent }[] = [];
    const texted: unknown[] = [];
    const contacts = new ContactService({
      prisma: h.db.prisma,
      sql,
      clock: h.clock,
      logger: createLogger('silent'),
      policy: DEFAULT_CONTACT_POLICY,
      conversations: { dispatch: async (conversationId, event) => void dispatched.push({ conversationId, event }) },
      sms: { sendNotice: async (notice: unknown) => (texted.push(notice), { ok: true, messageId: 'sms-1' }) } as never,
      cipher: h.cipher,
    });
    const outcome = await contacts.contact({ key: `reminder:opted-out:${borrower.id}`, borrowerId: borrower.id, purpose: 'reminder', template: 'reminder.T-3', params: { productZh: '常德快贷', productEn: 'Changde Kuaidai', dueDate: '2026-01-18', amount: 100_000 } });
    expect(outcome.status).toBe('sent');
    // Told in the chat the borrower last wrote in.
    expect(dispatched.map((d) => d.conversationId)).toEqual([web.id]);
    expect(texted).toEqual([]);
    const log = await h.db.prisma.contactLog.findUniqueOrThrow({ where: { key: `reminder:opted-out:${borrower.id}` } });
    expect(log).toMatchObject({ status: 'sent', purpose: 'reminder' });
  });
});
