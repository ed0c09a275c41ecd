import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPersona, type DemoPersonaKey } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import type { FieldCipher } from '../server/security/fieldCipher.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * 一键激活 on the real server: a whitelisted person (a pre-credit entry seeded in SQL) who chats is,
 * after name, ID, mobile and the SMS code, offered the pre-approved limit; 激活 → 授权 → the key terms
 * → the line opens with that limit and the entry is marked activated once, however often the
 * messages are redelivered. An expired or activated entry is not offered; an excluded person applies
 * as anyone else.
 */
interface ReplyBody {
  id: string;
  text: string;
  options?: { label: string; value: string }[];
}

describe(`一键激活 (pre-approved limits) on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  let cipher: FieldCipher;
  let n = 0;
  const DAY = 86_400_000;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0', RATE_LIMIT_PER_USER: '10000' });
    server = await bootServer(config, createLogger('silent'), {
      spec: (c) => {
        cipher = c.cipher;
        return createLendingConversation(c);
      },
    });
    await server.app.ready();
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  const post = async (userId: string, text: string, messageId = `m${++n}`) => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId, messageId, text } });
    expect(res.statusCode).toBe(200);
    return { messageId, replies: (res.json() as { replies: ReplyBody[] }).replies };
  };
  const say = async (userId: string, text: string) => (await post(userId, text)).replies.map((r) => r.text).join('\n');

  /** A batch for the persona's product, with one entry for the persona. */
  async function seedEntry(persona: DemoPersonaKey, entry: { outcome: 'whitelisted' | 'excluded'; limitFen?: number; ratePpm?: number; expiresAt: Date; activatedAt?: Date }) {
    const p = demoPersona(persona);
    const batchId = randomUUID();
    const entryId = randomUUID();
    await server.db.prisma.$executeRaw`INSERT INTO "PrecreditBatch" (id, "fileSha256", "fileName", "productId", status, total, processed, whitelisted, excluded, "expiresAt", "finishedAt", "updatedAt")
      VALUES (${batchId}::uuid, ${randomUUID()}, 'customers.csv', ${p.productId}, 'done', 1, 1, ${entry.outcome === 'whitelisted' ? 1 : 0}, ${entry.outcome === 'excluded' ? 1 : 0}, ${entry.expiresAt}::timestamptz, now(), now())`;
    await server.db.prisma.$executeRaw`INSERT INTO "PrecreditEntry" (id, "batchId", "rowNo", "customerRef", "idNumberHash", "phoneHash", outcome, "limitFen", "ratePpm", score, grade, reasons, "activatedAt")
      VALUES (${entryId}::uuid, ${batchId}::uuid, 1, ${`C-${persona}`}, ${cipher.lookupHash(p.profile.person.idNumber)}, ${cipher.lookupHash(p.profile.person.mobile)}, ${entry.outcome},
        ${entry.limitFen ?? null}::bigint, ${entry.ratePpm ?? null}::int, 700, 'A', ${entry.outcome === 'excluded' ? ['MULTI_LENDER'] : []}::text[], ${entry.activatedAt ?? null}::timestamptz)`;
    return entryId;
  }

  /** 你好 → apply → the product → name, ID, mobile and the SMS code: what the bot says after the code. */
  async function identify(userId: string, persona: DemoPersonaKey) {
    const person = demoPersona(persona).profile.person;
    for (const text of ['你好', '申请额度', '1', person.name, person.idNumber, person.mobile]) await say(userId, text);
    return post(userId, '123456');
  }

  it('offers the pre-approved limit after the identity check and opens the line with it via 激活 → 授权 → terms, once', async () => {
    const entryId = await seedEntry('excellent', { outcome: 'whitelisted', limitFen: 15_000_000, ratePpm: 64_800, expiresAt: new Date(Date.now() + 30 * DAY) });
    const offered = await identify('chen-pre', 'excellent');
    const offerText = offered.replies.map((r) => r.text).join('\n');
    expect(offerText).toContain('手机号验证成功');
    expect(offerText).toMatch(/您已获得本行预授信额度 ¥150,000：年化利率（APR）[\d.]+%(–[\d.]+%)?，合同年利率 6\.48%（单利）/);
    // APR first, then the contract rate.
    expect(offerText.indexOf('APR')).toBeLessThan(offerText.indexOf('合同年利率'));
    expect(offered.replies.at(-1)!.options?.map((o) => o.label)).toEqual(['激活', '暂不']);
    // Nothing written yet: the application comes with 激活.
    expect(await server.db.prisma.application.count()).toBe(0);

    const activate = await post('chen-pre', '激活');
    expect(activate.replies.map((r) => r.text).join('\n')).toMatch(/为完成审批，需要您授权我们查询以下数据/);
    const application = await server.db.prisma.application.findFirstOrThrow({ where: { precreditEntryId: entryId } });
    expect(application).toMatchObject({ requestedAmount: 15_000_000n, status: 'submitted' });
    // A redelivered 激活 opens nothing new.
    await post('chen-pre', '激活', activate.messageId);
    expect(await server.db.prisma.application.count()).toBe(1);

    const terms = await say('chen-pre', '同意全部授权');
    expect(terms).toContain('已记录您的授权');
    expect(terms).toContain('《借款合同》主要条款');
    expect(terms).toContain('授信额度 ¥150,000.00');
    expect(terms).not.toContain('接受额度');

    const agreed = await post('chen-pre', '我已阅读并同意');
    expect(agreed.replies.map((r) => r.text).join('\n')).toContain('✅ 额度已开通！可用额度 ¥150,000.00');
    const line = await server.db.prisma.creditLine.findFirstOrThrow({ where: { borrowerId: application.borrowerId } });
    expect(line).toMatchObject({ limitFen: 15_000_000n, ratePpm: 64_800, status: 'active' });
    const entry = await server.db.prisma.precreditEntry.findUniqueOrThrow({ where: { id: entryId } });
    expect(entry.applicationId).toBe(application.id);
    expect(entry.activatedAt).not.toBeNull();

    // The agreement redelivered: the same line, the entry's activation unchanged.
    await post('chen-pre', '我已阅读并同意', agreed.messageId);
    expect(await server.db.prisma.creditLine.count({ where: { borrowerId: application.borrowerId } })).toBe(1);
    expect((await server.db.prisma.precreditEntry.findUniqueOrThrow({ where: { id: entryId } })).activatedAt).toEqual(entry.activatedAt);

    // Fewer turns than a full application: no purpose, amount or confirmation questions were asked.
    const asked = (await server.db.prisma.message.findMany({ where: { conversation: { externalUserId: 'chen-pre' }, direction: 'outbound' }, select: { text: true } })).map((m) => m.text ?? '').join('\n');
    expect(asked).not.toMatch(/请选择借款用途|您希望申请多少额度|请确认您的申请信息/);
  });

  it('does not offer an activated entry again, nor an expired one; 暂不 goes on with the usual application', async () => {
    // 陈思远's entry is activated now: a second chat of his goes on as usual (and is shown his line).
    const again = await identify('chen-second-chat', 'excellent');
    expect(again.replies.map((r) => r.text).join('\n')).not.toContain('预授信额度');

    await seedEntry('thin_file', { outcome: 'whitelisted', limitFen: 5_000_000, ratePpm: 90_000, expiresAt: new Date(Date.now() - DAY) });
    const expired = await identify('thin-expired', 'thin_file');
    const expiredText = expired.replies.map((r) => r.text).join('\n');
    expect(expiredText).not.toContain('预授信额度');
    expect(expiredText).toContain('请选择借款用途');

    await seedEntry('multi_lender', { outcome: 'whitelisted', limitFen: 5_000_000, ratePpm: 90_000, expiresAt: new Date(Date.now() + DAY) });
    const offered = await identify('multi-later', 'multi_lender');
    expect(offered.replies.map((r) => r.text).join('\n')).toContain('您已获得本行预授信额度 ¥50,000');
    const notNow = await say('multi-later', '暂不');
    expect(notNow).toContain('好的，我们按正常流程继续申请。');
    expect(notNow).toContain('请选择借款用途');
  });

  it('an excluded person applies as anyone else does', async () => {
    await seedEntry('blacklisted', { outcome: 'excluded', expiresAt: new Date(Date.now() + DAY) });
    const after = await identify('excluded-person', 'blacklisted');
    const text = after.replies.map((r) => r.text).join('\n');
    expect(text).not.toContain('预授信额度');
    expect(text).toContain('请选择借款用途');
  });
});
