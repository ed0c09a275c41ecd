import { afterAll, describe, expect, it } from 'vitest';
import { demoPersona } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import type { Config } from '../server/config/index.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createContactService } from '../server/contact/index.js';
import type { PostLoanContext } from '../server/postLoan/contracts.js';
import { screenRenewals } from '../server/postLoan/renewalScreening.js';
import { createProviders } from '../server/providers/index.js';
import { openSql } from '../server/runtime/index.js';
import { createFieldCipher } from '../server/security/fieldCipher.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * A renewal end to end over REST on the real services, sandbox providers (monitoring feed included)
 * and the server's contact component: the enterprise owner applies and draws ¥200,000; before the
 * line's last day the screening invites her (told in her conversation, logged once), 续贷 shows the
 * renewed terms after a fresh decision — the data authorisation asked again because its text
 * changed since she agreed — and 确认续贷 runs the same line on a year without repaying; the
 * confirmation delivered again renews nothing more.
 */
const logger = createLogger('silent');
const owner = demoPersona('enterprise_owner').profile;
let database: TestDatabase;
let server: Server | undefined;
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

interface ReplyBody {
  text: string;
  options?: { label: string; value: string }[];
}

describe(`a renewal over REST on ${testDatabaseKind()}`, () => {
  it('is invited, asks consent again for a changed text, decides afresh and renews the same line once', async () => {
    database = await createTestDatabase();
    const config = testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0' });
    const clock = manualClock('2026-01-15T02:00:00Z');
    server = await bootServer(config, logger, { clock, spec: (ctx) => createLendingConversation(ctx) });
    const prisma = server.db.prisma;
    let n = 0;
    const send = async (text: string, messageId: string): Promise<ReplyBody[]> => {
      const res = await server!.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'owner', messageId, text } });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { replies: ReplyBody[] }).replies;
    };
    const say = (text: string) => {
      clock.advance(60_000);
      return send(text, `m${++n}`);
    };
    const texts = (rs: ReplyBody[]) => rs.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');

    for (const text of ['我要申请贷款', '2', owner.person.name, owner.person.idNumber, owner.person.mobile, '123456', owner.enterprise!.name, owner.enterprise!.uscc, '法定代表人', '经营周转', '50万', '确认', '同意全部授权', '接受额度']) await say(text);
    expect(texts(await say('我已阅读并同意'))).toContain('额度已开通');
    const line = await prisma.creditLine.findFirstOrThrow();
    expect(line.validUntil.toISOString().slice(0, 10)).toBe('2027-01-14');

    // In June she draws ¥200,000 for 6 months, paid back as she uses it (随借随还).
    clock.set('2026-06-25T02:00:00Z');
    for (const text of ['借款', '20万', '6', '随借随还', '确认借款']) await say(text);
    expect(texts(await say('123456'))).toContain('200,000.00');
    const drawdown = await prisma.drawdown.findFirstOrThrow();
    const drawn = await prisma.creditLine.findUniqueOrThrow({ where: { id: line.id } });

    // Screening on 2026-12-20 (25 days before the last day): the invitation is told in her conversation.
    clock.set('2026-12-20T01:00:00Z');
    // The server's own contact component: the borrower's conversation, inside the contact window, logged.
    const sql = await openSql(server.db);
    const cipher = createFieldCipher(config.dataKey, config.oldDataKeys);
    const providers = createProviders(config, logger, prisma);
    const contacts = createContactService({ config, db: server.db, sql, clock, logger, runtime: server.conversations!.runtime, sms: providers.sms, cipher });
    const ctx: PostLoanContext = { prisma, sql, clock, config: { renewalWindowDays: 30 } as Config, logger, contacts };
    // The sandbox's monitoring feed: the enterprise owner's company stays active and steady (the renewal demo).
    const sources = { behaviour: providers.behaviour, cipher };
    expect(await screenRenewals(ctx, '2026-12-20', { sources })).toMatchObject({ screened: 1, eligible: 1, invited: 1 });
    expect(await screenRenewals(ctx, '2026-12-20', { sources })).toMatchObject({ screened: 0, invited: 0 });
    await sql.close();
    const logged = await prisma.contactLog.findMany({ where: { purpose: 'renewal' } });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ key: `renewal:${line.id}:2027-01-14`, template: 'renewal.invite', status: 'sent', borrowerId: line.borrowerId });
    const inbox = await server.app.inject({ method: 'GET', url: '/api/v1/chat/messages?userId=owner&afterSeq=0&limit=200' });
    expect(inbox.body).toContain('符合无还本续贷条件');
    expect(inbox.body).toContain('2027-01-14');

    // The authorisation text changed since she agreed (an older version on file): 续贷 asks again first.
    await prisma.consent.updateMany({ where: { borrowerId: line.borrowerId }, data: { textVersion: 'auth-2025.1' } });
    clock.advance(3_600_000);
    const asked = texts(await say('续贷'));
    expect(asked).toContain('数据查询授权书已更新');
    const terms = texts(await say('同意授权'));
    expect(await prisma.consent.count({ where: { borrowerId: line.borrowerId, textVersion: 'auth-2026.1', revokedAt: null } })).toBe(6);
    expect(terms).toContain('续贷方案');
    expect(terms.indexOf('年化利率（APR')).toBeLessThan(terms.indexOf('额度 ¥'));
    expect(terms).toContain('有效期由 2027-01-14 延长至 2028-01-14');
    expect(terms).toContain('现有借款余额 ¥200,000.00 照常按原还款计划还款');

    clock.advance(60_000);
    const confirmId = `m${++n}`;
    const done = await send('确认续贷', confirmId);
    expect(texts(done)).toContain('续贷成功');
    expect(texts(done)).toContain('2028-01-14');
    // The same confirmation delivered again: the same answer, renewed once.
    expect(await send('确认续贷', confirmId)).toEqual(done);

    const renewed = await prisma.creditLine.findUniqueOrThrow({ where: { id: line.id } });
    expect(renewed.validUntil.toISOString().slice(0, 10)).toBe('2028-01-14');
    expect(renewed.version).toBe(drawn.version + 1);
    expect(renewed.availableFen).toBe(renewed.limitFen - 20_000_000n);
    expect(await prisma.creditLine.count()).toBe(1);
    expect(await prisma.drawdown.findUniqueOrThrow({ where: { id: drawdown.id } })).toMatchObject({ status: 'active', amountFen: drawdown.amountFen });
    const reviews = await prisma.lineReview.findMany();
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({ kind: 'renewal', outcome: 'accepted' });
    expect(reviews[0]!.newValidUntil!.toISOString().slice(0, 10)).toBe('2028-01-14');
    expect(await prisma.auditLog.count({ where: { action: 'renewal.accepted' } })).toBe(1);
    // Nothing open any more: 续贷 again is answered politely.
    expect(texts(await say('续贷'))).toContain('您目前没有可办理的续贷');
  });
});
