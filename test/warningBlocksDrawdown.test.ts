import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPersona, DEMO_PRODUCTS } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createContactService } from '../server/contact/index.js';
import { createLogger } from '../server/logging/index.js';
import { createEarlyWarningJob } from '../server/postLoan/earlyWarningJob.js';
import type { Providers } from '../server/providers/index.js';
import { openSql } from '../server/runtime/index.js';
import type { FieldCipher } from '../server/security/fieldCipher.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * Issue 12: "a red signal blocks a drawdown in the chat". The excellent persona borrows over REST;
 * her loan falls 40 days past due (as the end-of-day batch would record it); the early-warning batch
 * raises a red signal, freezes the line and tells her once in her chat (the server's own contact
 * component); asked again to borrow, the chat says the line is paused for a review and offers a
 * person, and no money moves.
 */
const chen = demoPersona('excellent').profile.person;

interface ReplyBody {
  text: string;
  options?: { label: string; value: string }[];
  card?: Record<string, unknown> & { type: string };
}
const texts = (rs: ReplyBody[]) => rs.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');

describe(`a red early warning blocks a drawdown in the chat, on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  let providers: Providers;
  let cipher: FieldCipher;
  let config: ReturnType<typeof testConfig>;
  const clock = manualClock('2026-11-22T02:00:00Z');
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    config = testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0' });
    server = await bootServer(config, createLogger('silent'), {
      clock,
      spec: (ctx) => {
        providers = ctx.providers;
        cipher = ctx.cipher;
        return createLendingConversation(ctx);
      },
    });
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  const say = async (text: string): Promise<ReplyBody[]> => {
    clock.advance(5_000);
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'chen', messageId: `m${++n}`, text } });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { replies: ReplyBody[] }).replies;
  };

  it('borrows, is warned red, and is then told politely that the line is paused', async () => {
    for (const text of ['申请额度', '1', chen.name, chen.idNumber, chen.mobile, '123456', '家庭装修', '20万', '确认提交', '同意全部授权', '接受额度']) await say(text);
    expect(texts(await say('我已阅读并同意'))).toContain('额度已开通');
    for (const text of ['借款', '3万', '12', '等额本息', '确认借款']) await say(text);
    expect(texts(await say('123456'))).toContain('30,000.00');

    const line = await server.db.prisma.creditLine.findFirstOrThrow({ where: { status: 'active' } });
    await server.db.prisma.drawdown.updateMany({ where: { creditLineId: line.id }, data: { dpd: 40 } });
    // A second drawdown previewed and its SMS code sent before the night's batch pauses the line.
    for (const text of ['借款', '1万', '12', '等额本息']) await say(text);
    expect(texts(await say('确认借款'))).toContain('验证码');
    // The server's own contact component: her conversation, inside the contact window, logged.
    const sql = await openSql(server.db);
    const logger = createLogger('silent');
    try {
      const contacts = createContactService({ config, db: server.db, sql, clock, logger, runtime: server.conversations!.runtime, sms: providers.sms, cipher });
      const job = createEarlyWarningJob({ behaviour: providers.behaviour, cipher, products: DEMO_PRODUCTS });
      const summary = await job.run({ prisma: server.db.prisma, sql, clock, config, logger, contacts }, '2026-11-22');
      expect(summary).toMatchObject({ signals: { red: 1 }, frozen: 1, told: 1 });
      expect(await job.run({ prisma: server.db.prisma, sql, clock, config, logger, contacts }, '2026-11-22')).toMatchObject({ signals: { red: 0 }, frozen: 0, told: 0 });
    } finally {
      await sql.close();
    }
    // Told once in her chat, politely, with the way to a person.
    expect(await server.db.prisma.contactLog.findMany({ where: { purpose: 'warning' } })).toEqual([expect.objectContaining({ template: 'warning.frozen', status: 'sent', key: `warning.frozen:${line.id}:2026-11-22` })]);
    const inbox = await server.app.inject({ method: 'GET', url: '/api/v1/chat/messages?userId=chen&afterSeq=0&limit=200' });
    expect(inbox.body.split('暂停新的借款').length - 1).toBe(1);
    expect(inbox.body).toContain('这并不代表对您有任何结论');
    expect(inbox.body).toContain('转人工');
    expect(await server.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.id } })).toMatchObject({ status: 'frozen', freezeReason: 'warning' });
    const drawdowns = await server.db.prisma.drawdown.count();
    // The code typed after the pause: told why, politely, and nothing is drawn.
    const late = texts(await say('123456'));
    expect(late).toContain('例行复核');
    expect(late).toContain('转人工');
    expect(await server.db.prisma.drawdown.count()).toBe(drawdowns);

    const paused = await say('借款');
    expect(texts(paused)).toContain('暂停新的借款');
    expect(texts(paused)).toContain('例行复核');
    expect(texts(paused)).toContain('转人工');
    expect(texts(paused)).not.toContain('申请');
    // Nothing was started: a number now is not an amount, and no drawdown was made.
    await say('5万');
    expect(await server.db.prisma.drawdown.count()).toBe(drawdowns);
    // The offered way to a person works from there.
    expect(texts(await say('转人工'))).toMatch(/人工|客服/);
  });
});
