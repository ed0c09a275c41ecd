import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPersona } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { consoleCall, consoleLogin, type ConsoleSession } from './support/consoleClient.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * Item 6 of issue 12, "see it happen", as a newcomer would with `npm run demo:advance`: a borrower
 * borrows over REST; the admin moves the sandbox's business date; the day before the first due date
 * a reminder is in the conversation (GET /api/v1/chat/messages), and a day after it, unpaid, an
 * overdue notice with penalty interest — sent by the server's own daily jobs and contact component.
 */
const chen = demoPersona('excellent').profile.person;
const sh = (iso: string) => new Date(`${iso}+08:00`);

describe(`demo:advance end to end on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  let admin: ConsoleSession;
  // 10:00 in Shanghai: inside the contact window, where each advanced day lands too.
  const clock = manualClock(sh('2026-11-22T10:00:00'));
  let n = 0;
  let seen = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', RATE_LIMIT_PER_USER: '10000' }), createLogger('silent'), { clock, spec: (c) => createLendingConversation(c) });
    await server.app.ready();
    admin = await consoleLogin(server.app, 'admin');
  }, 60_000);
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  const say = async (text: string) => {
    clock.advance(5_000);
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'chen', messageId: `m${++n}`, text } });
    expect(res.statusCode, res.body).toBe(200);
  };
  /** What the bank's app fetches for chen since the last look. */
  const fetched = async (): Promise<string> => {
    const res = await server.app.inject({ method: 'GET', url: `/api/v1/chat/messages?userId=chen&afterSeq=${seen}&limit=200` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { messages: { text: string }[]; nextAfterSeq: number };
    seen = body.nextAfterSeq;
    return body.messages.map((m) => m.text).join('\n');
  };
  const advance = async (days: number) => {
    const res = await consoleCall(server.app, 'POST', '/api/v1/staff/demo/advance', admin, { payload: { days } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { businessDate: string; days: { date: string; jobs: { name: string; ok: boolean; summary: unknown }[] }[] };
    for (const d of body.days) for (const j of d.jobs) expect(j.ok, `${d.date} ${j.name}: ${JSON.stringify(j.summary)}`).toBe(true);
    return body;
  };

  it('a reminder the day before the due date, then an overdue notice with penalty interest', async () => {
    for (const text of ['你好', '申请额度', '1', chen.name, chen.idNumber, chen.mobile, '123456', '家庭装修', '20万', '确认提交', '同意全部授权', '接受额度', '我已阅读并同意', '借款', '3万', '12', '等额本息', '确认借款', '123456']) await say(text);
    expect((await server.db.prisma.drawdown.findFirstOrThrow()).status).toBe('active');
    await fetched();

    // 29 days on: 2026-12-21, the day before the first instalment is due.
    expect((await advance(29)).businessDate).toBe('2026-12-21');
    expect(await fetched()).toMatch(/温馨提示：您的借款本期明天（2026-12-22）到期，应还 ¥2,588\.\d\d/);

    // Two more days, unpaid: overdue one day, with penalty interest.
    expect((await advance(2)).businessDate).toBe('2026-12-23');
    expect(await fetched()).toMatch(/2026-12-22 到期的一期借款尚未还清，已逾期 1 天，目前应还 ¥2,5\d\d\.\d\d（其中罚息 ¥\d+\.\d\d/);
  }, 240_000);
});
