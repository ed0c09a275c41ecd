import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPersona } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { schedulePaymentRecovery } from '../server/jobs/index.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import type { SandboxProviders } from '../server/providers/index.js';
import { checkBooks } from '../server/services/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * What the borrower is told about money is what happened: a payout whose outcome the gateway did
 * not confirm is "processing" (never "failed, limit unchanged" while the limit is held), and the
 * outcome settled later by the recovery job reaches the same conversation.
 */
const chen = demoPersona('excellent').profile.person;

interface ReplyBody {
  text: string;
  options?: { label: string; value: string }[];
  card?: Record<string, unknown> & { type: string };
}
const texts = (rs: ReplyBody[]) => rs.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');

describe(`a payout whose outcome is unknown, on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  let providers: SandboxProviders;
  const clock = manualClock('2026-11-22T02:00:00Z');
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0', RECOVERY_AFTER_MS: '60000' }), createLogger('silent'), {
      clock,
      spec: (ctx) => {
        providers = ctx.providers as SandboxProviders;
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
  const later = async (): Promise<string[]> => {
    const res = await server.app.inject({ method: 'GET', url: `/api/v1/chat/messages?userId=chen&afterSeq=0&limit=200` });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { messages: { text: string }[] }).messages.map((m) => m.text);
  };

  it('is "processing" while the limit is held, and the settled outcome is told in the conversation', async () => {
    for (const text of ['你好', '申请额度', '1', chen.name, chen.idNumber, chen.mobile, '123456', '家庭装修', '20万', '确认提交', '同意全部授权', '接受额度', '我已阅读并同意', '借款', '3万', '12', '等额本息']) await say(text);
    // The bank paid, but its answer never arrived.
    providers.payments.failNext('disburse', 'lost_response');
    expect(texts(await say('确认借款'))).toContain('需要短信确认');
    const processing = texts(await say('123456'));
    expect(processing).toContain('正在处理中');
    expect(processing).not.toContain('没有扣减您的额度。请稍后再试');
    expect(texts(await say('额度'))).toContain('可用额度 ¥149,000.00');
    // Confirming another drawdown (a new message) while that one is unsettled is "processing" too: no second loan.
    for (const text of ['借款', '1万', '12', '等额本息']) await say(text);
    expect(texts(await say('确认借款'))).toContain('需要短信确认');
    expect(texts(await say('123456'))).toContain('正在处理中');
    expect(await server.db.prisma.drawdown.count()).toBe(1);

    // Past RECOVERY_AFTER_MS the recovery job asks the gateway by key: paid, so the drawdown is completed.
    clock.advance(120_000);
    const scheduler = server.conversations!.scheduler;
    await schedulePaymentRecovery(scheduler, clock.now());
    await scheduler.runDue(clock.now());
    expect((await later()).some((t) => t.includes('已放款成功') && t.includes('30,000.00'))).toBe(true);
    const drawdowns = await server.db.prisma.drawdown.findMany();
    expect(drawdowns.map((d) => d.status)).toEqual(['active']);
    expect(await checkBooks(server.db.prisma)).toEqual([]);
  });
});
