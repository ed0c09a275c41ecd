import { afterAll, describe, expect, it } from 'vitest';
import { demoPersona } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The newcomer's journey through the REST channel on the real services, sandbox providers and the
 * configured database: apply, authorise, accept, draw ¥30,000 over 12 months 等额本息, repay one
 * instalment early and pay off — with the server stopped and started again between every message.
 */
const logger = createLogger('silent');
const person = demoPersona('excellent').profile.person;
let database: TestDatabase;
let server: Server | undefined;
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

interface ReplyBody {
  text: string;
  options?: { label: string; value: string }[];
  card?: Record<string, unknown> & { type: string };
}

describe(`the whole journey over REST on ${testDatabaseKind()}, restarting between every message`, () => {
  it('applies, authorises, accepts, draws, repays early and pays off', async () => {
    database = await createTestDatabase({ persistent: true });
    const config = testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0' });
    const clock = manualClock('2026-11-22T02:00:00Z');
    let n = 0;
    let restarts = 0;

    /** Stops the server (if running), starts a new one on the same database, and sends one message. */
    const say = async (text: string): Promise<ReplyBody[]> => {
      if (server) {
        await server.app.close();
        restarts++;
      }
      server = await bootServer(config, logger, { clock, spec: (ctx) => createLendingConversation(ctx) });
      clock.advance(60_000);
      const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'newcomer', messageId: `m${++n}`, text } });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { replies: ReplyBody[] }).replies;
    };
    const texts = (rs: ReplyBody[]) => rs.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');
    const card = (rs: ReplyBody[], type: string) => rs.find((r) => r.card?.type === type)?.card;

    expect(texts(await say('你好'))).toContain('请回复数字');
    expect(texts(await say('申请额度'))).toContain('请选择要申请的产品');
    expect(texts(await say('1'))).toContain('真实姓名');
    expect(texts(await say(person.name))).toContain('身份证号');
    expect(texts(await say(person.idNumber))).toContain('手机号');
    expect(texts(await say(person.mobile))).toContain('验证码');
    expect(texts(await say('123456'))).toContain('借款用途');
    expect(texts(await say('家庭装修'))).toContain('申请多少额度');
    expect(texts(await say('20万'))).toContain('430702********0230');
    const consent = await say('确认提交');
    expect(card(consent, 'consent')).toMatchObject({ textVersion: expect.any(String) });

    const offerReplies = await say('同意全部授权');
    const offer = card(offerReplies, 'offer')!;
    // The APR is the range over the product's methods and terms at the offered rate, and says so.
    expect(offer).toMatchObject({ limit: '179,000.00', apr: '6.57%–6.73%', aprSimple: '6.48%–6.57%', annualRate: '6.48%', dailyRate: '0.018%', aprBasis: expect.stringContaining('随还款方式和期限而定') });
    // The APR comes first in the words too, before any daily rate.
    expect(texts(offerReplies).indexOf('年化利率')).toBeGreaterThanOrEqual(0);

    expect(texts(await say('接受额度'))).toContain('我已阅读并同意');
    expect(texts(await say('我已阅读并同意'))).toContain('额度已开通');

    expect(texts(await say('借款'))).toContain('可用额度 ¥179,000.00');
    expect(texts(await say('3万'))).toContain('借款期限');
    expect(texts(await say('12'))).toContain('还款方式');
    const preview = await say('等额本息');
    expect(card(preview, 'schedule')).toMatchObject({ principal: '30,000.00', termMonths: 12, apr: '6.68%', aprSimple: '6.48%', totalInterest: '1,063.40' });
    expect((card(preview, 'schedule')!.rows as { total: string }[])[0]!.total).toBe('2,588.62');
    // The step-up: money moves only after a fresh SMS code to the mobile on file, for exactly these terms.
    expect(texts(await say('确认借款'))).toMatch(/本次借款 ¥30,000\.00（12 期）需要短信确认：验证码已发送至 \d{3}\*{4}\d{4}/);
    expect(texts(await say('654321'))).toContain('验证码不正确');
    const receipt = await say('123456');
    expect(card(receipt, 'receipt')).toMatchObject({ kind: 'drawdown', amount: '30,000.00' });

    // Ten days later: the next instalment paid ahead of its date (it is settled: the next due date moves on), then everything.
    clock.advance(10 * 86_400_000);
    const repayMenu = await say('还款');
    expect(repayMenu[0]!.options!.map((o) => o.label)[0]).toContain('提前还下一期 ¥2,588.62（2026-12-22 到期）');
    expect(texts(await say('1'))).toContain('扣款 ¥2,588.62，提前还清 2026-12-22 到期的这一期');
    const early = await say('确认还款');
    expect(card(early, 'receipt')).toMatchObject({ kind: 'repayment', amount: '2,588.62' });
    const lines = (card(early, 'receipt')!.lines as { label: string; value: string }[]).map((l) => `${l.label}=${l.value}`);
    expect(lines).toEqual(expect.arrayContaining(['归还本金=¥2,426.62', '归还利息=¥162.00'])); // instalment 1 as scheduled: ¥30,000 × 6.48% / 12
    const account = await say('额度');
    expect(card(account, 'account')).toMatchObject({ outstanding: '27,573.38', nextDue: { date: '2027-01-22', amount: '2,588.62' } });

    expect(texts(await say('还款'))).toContain('全部结清');
    expect(texts(await say('全部结清'))).toContain('含截至今日的利息');
    const payoff = await say('确认还款');
    expect(texts(payoff)).toContain('已全部结清');
    expect(texts(await say('额度'))).toContain('可用额度 ¥179,000.00');
    expect(restarts).toBe(n - 1); // a fresh server for every message but the first

    // The books: every posting balances, the loan left nothing on the receivable accounts.
    const entries = await server!.db.prisma.ledgerEntry.findMany();
    const byPosting = new Map<string, bigint>();
    for (const e of entries) byPosting.set(e.postingId, (byPosting.get(e.postingId) ?? 0n) + e.debitFen - e.creditFen);
    expect([...byPosting.values()].every((v) => v === 0n)).toBe(true);
    const line = await server!.db.prisma.creditLine.findFirstOrThrow();
    expect(line.availableFen).toBe(line.limitFen);
    // Personal data at rest: the borrower's ID number only encrypted, the transcript masked.
    const raw = JSON.stringify(await server!.db.prisma.$queryRawUnsafe('SELECT * FROM "Borrower"')) + JSON.stringify(await server!.db.prisma.message.findMany());
    expect(raw).not.toContain(person.idNumber);
    expect(raw).not.toContain(person.mobile);
  }, 180_000);
});
