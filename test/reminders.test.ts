import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTACT_POLICY, demoPersona } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { createOfficialAccountApi } from '../server/channels/officialAccount/index.js';
import { manualClock } from '../server/clock.js';
import { ContactService } from '../server/contact/index.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import type { PostLoanContext } from '../server/postLoan/index.js';
import { sweepReminders } from '../server/postLoan/reminders.js';
import type { SandboxProviders } from '../server/providers/index.js';
import { openSql, type Sql } from '../server/runtime/index.js';
import { fieldContext, type FieldCipher } from '../server/security/fieldCipher.js';
import { startFakeWechatApi, type FakeWechatApi } from './support/fakeWechatApi.js';
import { createTestDatabase, staffAuthHeaders, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';
import { sessionCookieOf, TestSocket, userIdOf } from './webTestClient.js';

/**
 * Reminders and the contact rules end to end on the real server: a borrower borrows over REST, the
 * reminder sweep tells the instalment due in their conversation (fetched with GET /api/v1/chat/messages),
 * once however often the sweep runs; the borrower answers 已还 / 转人工 / 还款; a message at 21:30 waits
 * for 08:00; the daily cap holds; never a group chat; SMS for a borrower without a conversation; the
 * official account by customer-service message inside 48 hours and by template message outside.
 */
const chen = demoPersona('excellent').profile.person;
const APP_ID = 'wx1234567890abcdef';
const APP_SECRET = '0123456789abcdef0123456789abcdef';
/** Epoch of a Shanghai wall-clock time. */
const sh = (iso: string) => new Date(`${iso}+08:00`);

interface ReplyBody {
  text: string;
  options?: { label: string; value: string }[];
}

describe(`reminders and the contact rules, on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  let providers: SandboxProviders;
  let cipher: FieldCipher;
  let fake: FakeWechatApi;
  let sql: Sql;
  let contacts: ContactService;
  let ctx: PostLoanContext;
  const clock = manualClock('2026-11-22T02:00:00Z');
  let n = 0;

  beforeAll(async () => {
    fake = await startFakeWechatApi({ appId: APP_ID, appSecret: APP_SECRET });
    database = await createTestDatabase();
    const config = testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0', RATE_LIMIT_PER_USER: '10000' });
    server = await bootServer(config, createLogger('silent'), {
      clock,
      spec: (c) => {
        providers = c.providers as SandboxProviders;
        cipher = c.cipher;
        return createLendingConversation(c);
      },
    });
    sql = await openSql(server.db);
    contacts = new ContactService({
      prisma: server.db.prisma,
      sql,
      clock,
      logger: createLogger('silent'),
      policy: DEFAULT_CONTACT_POLICY,
      conversations: server.conversations!.runtime,
      sms: providers.sms,
      cipher,
      officialAccount: { api: createOfficialAccountApi({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: fake.url, tokenApi: 'stable' }), templates: { reminder: 'TPL_REMINDER_0001', overdue: 'TPL_OVERDUE_00001' } },
    });
    ctx = { prisma: server.db.prisma, sql, clock, config, logger: createLogger('silent'), contacts };
  });
  afterAll(async () => {
    await sql?.close();
    await server?.app.close();
    await fake?.close();
    await database?.drop();
  });

  const say = async (text: string): Promise<ReplyBody[]> => {
    clock.advance(5_000);
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'chen', messageId: `m${++n}`, text } });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { replies: ReplyBody[] }).replies;
  };
  let seen = 0;
  /** Messages stored for chen since the last look (what a bank's app fetches). */
  const fetched = async (): Promise<ReplyBody[]> => {
    const res = await server.app.inject({ method: 'GET', url: `/api/v1/chat/messages?userId=chen&afterSeq=${seen}&limit=200` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { messages: (ReplyBody & { seq: number })[]; nextAfterSeq: number };
    seen = body.nextAfterSeq;
    return body.messages;
  };
  const texts = (rs: ReplyBody[]) => rs.map((r) => r.text).join('\n');
  const chenId = async () => (await server.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'chen' } })).borrowerId!;
  const log = (key: string) => server.db.prisma.contactLog.findUniqueOrThrow({ where: { key } });

  it('a borrower borrows: the reminder sweep tells T−1 in the REST conversation once, however often it runs', async () => {
    for (const text of ['你好', '申请额度', '1', chen.name, chen.idNumber, chen.mobile, '123456', '家庭装修', '20万', '确认提交', '同意全部授权', '接受额度', '我已阅读并同意', '借款', '3万', '12', '等额本息', '确认借款', '123456']) await say(text);
    await fetched();
    const drawdown = await server.db.prisma.drawdown.findFirstOrThrow();
    expect(drawdown.status).toBe('active');

    // 2026-12-21 10:30 Shanghai: the day before the first due date.
    clock.set(sh('2026-12-21T10:30:00'));
    const first = await sweepReminders(ctx);
    expect(first).toMatchObject({ drawdowns: 1, planned: 1, outcomes: { sent: 1 } });
    const told = await fetched();
    expect(texts(told)).toMatch(/【常德快贷[^】]*】温馨提示：您的借款本期明天（2026-12-22）到期，应还 ¥2,588\.\d\d/);
    expect(told.at(-1)!.options?.map((o) => o.label)).toEqual(['还款', '已还', '转人工']);
    const row = await log(`reminder:${drawdown.id}:1:T-1`);
    expect(row).toMatchObject({ status: 'sent', channel: 'rest', purpose: 'reminder', template: 'reminder.T-1', attempts: 1 });
    expect(row.sentAt?.getTime()).toBe(clock.now().getTime());

    // Run again at the same moment, and later that day: nothing more is sent.
    expect(await sweepReminders(ctx)).toMatchObject({ planned: 0, outcomes: { sent: 0 } });
    clock.set(sh('2026-12-21T16:00:00'));
    expect(await sweepReminders(ctx)).toMatchObject({ planned: 0, outcomes: { sent: 0 } });
    expect(await fetched()).toEqual([]);
    expect(await server.db.prisma.contactLog.count()).toBe(1);
  });

  it('已还 before paying: not arrived yet; 转人工: a collection work order; 还款: the amount due filled in; then 已还: received', async () => {
    expect(texts(await say('已还'))).toMatch(/暂未查到这一期的还款入账，目前应还 ¥2,588\.\d\d[\s\S]*1–2 个工作日/);
    expect(texts(await say('转人工'))).toMatch(/已为您转接还款专员，工单号 GD\d{8}-\d{4}/);
    const order = await server.db.prisma.workItem.findFirstOrThrow({ where: { kind: 'collection' } });
    expect(order).toMatchObject({ status: 'open', borrowerId: await chenId() });
    // In the collection staff's queue: the work-order list filtered by kind.
    const queue = await server.app.inject({ method: 'GET', url: '/api/v1/staff/work-orders?kind=collection', headers: staffAuthHeaders });
    expect(queue.statusCode, queue.body).toBe(200);
    expect(JSON.stringify(queue.json())).toContain(order.number!);
    // A tap on the reminder's 还款 (what the option sends): the repayment opens on the instalment due.
    const repay = await say('notice.repay');
    expect(texts(repay)).toMatch(/提前还清 2026-12-22 到期的这一期|扣款 ¥2,588\.\d\d/);
    expect(texts(await say('确认还款'))).toMatch(/还款成功|已还款|入账/);
    expect(texts(await say('已还'))).toMatch(/已收到您的还款，谢谢！[\s\S]*2027-01-22/);
    await fetched();
  });

  it('a message at 21:30 is deferred to 08:00 the next day and sent then; the daily cap defers the fourth', async () => {
    const borrowerId = await chenId();
    await fetched();
    clock.set(sh('2027-01-05T21:30:00'));
    const request = (key: string) => ({ key, borrowerId, purpose: 'reminder' as const, template: 'reminder.T-3', params: { drawdownId: 'x', period: 2, dueDate: '2027-01-22', amount: 258_862, penalty: 0, dpd: 0, productZh: '常德快贷', productEn: 'Changde Kuaidai' } });
    expect(await contacts.contact(request('test:quiet'))).toMatchObject({ status: 'deferred', notBefore: sh('2027-01-06T08:00:00'), reason: 'outside_window' });
    expect(await contacts.contact(request('test:quiet'))).toMatchObject({ status: 'deferred' });
    expect(await fetched()).toEqual([]);
    clock.set(sh('2027-01-06T07:59:00'));
    expect(await contacts.sendDeferred()).toEqual({ sent: 0, deferred: 0, failed: 0 });
    clock.set(sh('2027-01-06T08:00:00'));
    expect(await contacts.sendDeferred()).toEqual({ sent: 1, deferred: 0, failed: 0 });
    expect(await log('test:quiet')).toMatchObject({ status: 'sent', sentAt: sh('2027-01-06T08:00:00') });
    expect(texts(await fetched())).toContain('2027-01-22 到期');
    expect(await contacts.contact(request('test:quiet'))).toMatchObject({ status: 'duplicate' });

    // Three a day (the one at 08:00 counts): two more go, the fourth waits for tomorrow 08:00.
    clock.set(sh('2027-01-06T10:00:00'));
    expect((await contacts.contact(request('test:cap-1'))).status).toBe('sent');
    expect((await contacts.contact(request('test:cap-2'))).status).toBe('sent');
    expect(await contacts.contact(request('test:cap-3'))).toMatchObject({ status: 'deferred', notBefore: sh('2027-01-07T08:00:00'), reason: 'daily_cap' });
    clock.set(sh('2027-01-07T08:00:00'));
    expect(await contacts.sendDeferred()).toMatchObject({ sent: 1 });
    expect((await fetched()).length).toBe(3);
  });

  it('never a group chat: a borrower seen last in a group is told in private, or by SMS without a private chat', async () => {
    const borrowerId = await chenId();
    clock.set(sh('2027-01-08T10:00:00'));
    // Chen spoke in a WeChat group just now: the notice still goes to the private REST chat.
    await server.db.prisma.conversation.create({ data: { channel: 'wechat', externalUserId: 'wx-chen', externalChatId: 'room-1', borrowerId, machineId: 'session', machineVersion: 1, lastInboundAt: clock.now() } });
    const request = { key: 'test:group', borrowerId, purpose: 'reminder' as const, template: 'reminder.DUE', params: { drawdownId: 'x', period: 2, dueDate: '2027-01-22', amount: 100, penalty: 0, dpd: 0, productZh: '常德快贷', productEn: 'Changde Kuaidai' } };
    expect(await contacts.contact(request)).toMatchObject({ status: 'sent', channel: 'rest' });

    // Someone known only in a group and by mobile: an SMS to their own mobile, never the group.
    const other = await server.db.prisma.borrower.create({ data: { name: '王五' } });
    await server.db.prisma.borrower.update({ where: { id: other.id }, data: { phoneEnc: cipher.encrypt('13900001111', fieldContext('Borrower', 'phoneEnc', other.id)) } });
    await server.db.prisma.conversation.create({ data: { channel: 'wechat', externalUserId: 'wx-wang', externalChatId: 'room-1', borrowerId: other.id, machineId: 'session', machineVersion: 1, lastInboundAt: clock.now() } });
    expect(await contacts.contact({ ...request, key: 'test:sms', borrowerId: other.id })).toMatchObject({ status: 'sent', channel: 'sms' });
    expect(await contacts.contact({ ...request, key: 'test:sms', borrowerId: other.id })).toMatchObject({ status: 'duplicate' });
    const sms = providers.sms.notices().filter((x) => x.key === 'test:sms');
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ mobile: '13900001111', template: 'reminder.DUE' });
    expect(sms[0]!.text).toContain('今天（2027-01-22）到期');
    expect(await server.db.prisma.message.count({ where: { conversation: { externalChatId: { not: '' } } } })).toBe(0);

    // Nobody to reach: suppressed and logged, never sent anywhere.
    const nobody = await server.db.prisma.borrower.create({ data: { name: '赵六' } });
    expect(await contacts.contact({ ...request, key: 'test:none', borrowerId: nobody.id })).toMatchObject({ status: 'suppressed', reason: 'no_channel' });
  });

  it('official account: a customer-service message inside 48 hours, the template message outside', async () => {
    clock.set(sh('2027-01-09T10:00:00'));
    const borrower = await server.db.prisma.borrower.create({ data: { name: '刘七' } });
    const conversation = await server.db.prisma.conversation.create({ data: { channel: 'official_account', externalUserId: 'openid-liu', borrowerId: borrower.id, machineId: 'session', machineVersion: 1, lastInboundAt: new Date(clock.now().getTime() - 3_600_000) } });
    const request = { key: 'test:oa-inside', borrowerId: borrower.id, purpose: 'collection' as const, template: 'reminder.DPD3', params: { drawdownId: 'x', period: 1, dueDate: '2027-01-06', amount: 260_000, penalty: 1_200, dpd: 3, productZh: '常德快贷', productEn: 'Changde Kuaidai' } };
    expect(await contacts.contact(request)).toMatchObject({ status: 'sent', channel: 'official_account' });
    const stored = await server.db.prisma.message.findFirstOrThrow({ where: { conversationId: conversation.id, direction: 'outbound' } });
    expect(stored.text).toContain('已逾期 3 天，目前应还 ¥2,600.00（其中罚息 ¥12.00）');
    expect(fake.templates).toHaveLength(0);

    // Three days later (no message from her since): outside the window, the overdue template message.
    clock.set(sh('2027-01-12T10:00:00'));
    expect(await contacts.contact({ ...request, key: 'test:oa-outside' })).toMatchObject({ status: 'sent', channel: 'official_account' });
    expect(fake.templates).toHaveLength(1);
    expect(fake.templates[0]).toMatchObject({ touser: 'openid-liu', templateId: 'TPL_OVERDUE_00001' });
    expect(JSON.stringify(fake.templates[0]!.body)).toContain('¥2,600.00');
    expect(await log('test:oa-outside')).toMatchObject({ status: 'sent', channel: 'official_account', result: { templateId: 'TPL_OVERDUE_00001' } });
  });

  it('reaches the web chat: pushed to the open page of the borrower\'s latest private conversation', async () => {
    const borrowerId = await chenId();
    clock.set(sh('2027-01-13T10:00:00'));
    const cookie = await sessionCookieOf(server.app);
    const tab = await TestSocket.open(server.app, cookie);
    await tab.hello();
    tab.say('w1', '你好');
    await tab.messagesUntil(2);
    const userId = await userIdOf(server.db.prisma, cookie);
    // The page belongs to Chen (as after she verified herself on it): her latest private chat.
    await server.db.prisma.conversation.update({ where: { channel_externalUserId_externalChatId: { channel: 'web', externalUserId: userId, externalChatId: '' } }, data: { borrowerId } });
    clock.advance(60_000);
    const outcome = await contacts.contact({ key: 'test:web', borrowerId, purpose: 'reminder', template: 'reminder.T-3', params: { drawdownId: 'x', period: 2, dueDate: '2027-01-16', amount: 258_862, penalty: 0, dpd: 0, productZh: '常德快贷', productEn: 'Changde Kuaidai' } });
    expect(outcome).toMatchObject({ status: 'sent', channel: 'web' });
    await server.conversations!.outbox.idle();
    const deadline = Date.now() + 10_000;
    while (!tab.messages.some((m) => m.text.includes('2027-01-16 到期')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const notice = tab.messages.find((m) => m.text.includes('2027-01-16 到期'));
    expect(notice?.text).toContain('应还 ¥2,588.62');
    tab.close();
    await tab.closed;
  });

  it('contactMany (a sweep chunk) keeps the same rules: the daily cap across the chunk, a key once, deferred and suppressed alike', async () => {
    const borrowerId = await chenId();
    const nobody = await server.db.prisma.borrower.create({ data: { name: '孙八' } });
    clock.set(sh('2027-01-20T10:00:00'));
    const request = (key: string, who = borrowerId) => ({ key, borrowerId: who, purpose: 'reminder' as const, template: 'reminder.T-1', params: { drawdownId: 'x', period: 3, dueDate: '2027-01-21', amount: 100, penalty: 0, dpd: 0, productZh: '常德快贷', productEn: 'Changde Kuaidai' } });
    const outcomes = await contacts.contactMany([request('many:1'), request('many:2'), request('many:1'), request('many:3'), request('many:4'), request('many:5', nobody.id)]);
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'duplicate', 'sent', 'deferred', 'suppressed']);
    expect(outcomes[4]).toMatchObject({ notBefore: sh('2027-01-21T08:00:00'), reason: 'daily_cap' });
    expect(await server.db.prisma.contactLog.count({ where: { key: { startsWith: 'many:' } } })).toBe(5);
    expect(await server.db.prisma.contactLog.count({ where: { key: { startsWith: 'many:' }, status: 'sent', sentAt: sh('2027-01-20T10:00:00') } })).toBe(3);
    expect((await contacts.contactMany([request('many:1'), request('many:4')])).map((o) => o.status)).toEqual(['duplicate', 'deferred']);
  });
});
