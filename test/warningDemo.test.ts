import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPersona } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { consoleCall, consoleLogin, type ConsoleSession } from './support/consoleClient.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The early warning as the README's demo shows it, with the server's own daily jobs, sandbox
 * monitoring and contact component: 李晓薇 (thin file) is approved by a reviewer and borrows over
 * REST; the admin moves the business date one day; the warning batch finds her behaviour score red
 * (the sandbox's monitoring data), freezes her line and tells her once, politely; her next 借款 is
 * refused as paused; the reviewer sees the red signal in the risk view.
 */
const li = demoPersona('thin_file').profile.person;
const sh = (iso: string) => new Date(`${iso}+08:00`);

describe(`a red warning with demo:advance on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  let admin: ConsoleSession;
  let reviewer: ConsoleSession;
  const clock = manualClock(sh('2026-11-22T10:00:00'));
  let n = 0;
  let seen = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', RATE_LIMIT_PER_USER: '10000' }), createLogger('silent'), { clock, spec: (c) => createLendingConversation(c) });
    await server.app.ready();
    admin = await consoleLogin(server.app, 'admin');
    reviewer = await consoleLogin(server.app, 'shenpi');
  }, 60_000);
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  const say = async (text: string): Promise<string> => {
    clock.advance(5_000);
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'li', messageId: `m${++n}`, text } });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { replies: { text: string; options?: { label: string }[] }[] }).replies.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');
  };
  const fetched = async (): Promise<string> => {
    const res = await server.app.inject({ method: 'GET', url: `/api/v1/chat/messages?userId=li&afterSeq=${seen}&limit=200` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { messages: { text: string }[]; nextAfterSeq: number };
    seen = body.nextAfterSeq;
    return body.messages.map((m) => m.text).join('\n');
  };

  it('she borrows, a day later her line is paused with a polite message, 借款 says so, and the reviewer sees the red signal', async () => {
    for (const text of ['你好', '申请额度', '1', li.name, li.idNumber, li.mobile, '123456', '日常消费', '5万', '确认提交']) await say(text);
    expect(await say('同意全部授权')).toContain('人工审核');
    const application = await server.db.prisma.application.findFirstOrThrow({ where: { borrower: { name: li.name } } });
    const approved = await consoleCall(server.app, 'POST', `/api/v1/staff/reviews/${application.id}/approve`, reviewer, { payload: { limitFen: 5_000_000, annualRate: 0.0798, reason: '代发工资稳定，核实无误' } });
    expect(approved.statusCode, approved.body).toBe(200);
    for (const text of ['接受额度', '我已阅读并同意', '借款', '2万', '12', '等额本息', '确认借款']) await say(text);
    expect(await say('123456')).toContain('20,000.00');
    await fetched();

    const res = await consoleCall(server.app, 'POST', '/api/v1/staff/demo/advance', admin, { payload: { days: 1 } });
    expect(res.statusCode, res.body).toBe(200);
    const warning = (res.json() as { days: { jobs: { name: string; ok: boolean; summary: unknown }[] }[] }).days[0]!.jobs.find((j) => j.name === 'postloan.warning')!;
    expect(warning).toMatchObject({ ok: true, summary: { signals: { red: 1 }, frozen: 1, told: 1 } });

    const told = await fetched();
    expect(told).toContain('暂停新的借款');
    expect(told).toContain('转人工');
    expect(told).not.toMatch(/违约|欺诈|失信/);
    const paused = await say('借款');
    expect(paused).toContain('例行复核');
    expect(paused).toContain('转人工');

    const signals = await consoleCall(server.app, 'GET', '/api/v1/staff/risk-signals?level=red', reviewer);
    expect(signals.json()).toMatchObject({ counts: { red: 1 }, signals: [{ level: 'red', status: 'open', borrower: { name: '李**' }, line: { status: 'frozen', freezeReason: 'warning' } }] });
  }, 240_000);
});
