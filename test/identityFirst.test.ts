import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideApplication, DEMO_PRODUCTS, demoPersona, shanghaiDateOf } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import type { FlowEffects } from '../flows/host.js';
import { openDatabase, type Database } from '../server/db/index.js';
import type { Providers } from '../server/providers/index.js';
import { createFlowEffects } from '../server/services/index.js';
import { asSubmitted, key, openServices, spyOnDataSources, personaApplication, shanghai, type ServicesHarness } from './servicesHarness.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * Identity before any data pull, and one person one borrower, one line per product: an impostor
 * who types another person's ID number and mobile gets nothing of theirs, and the same person on two
 * chats (or two acceptances at once) never ends up with two lines.
 */
const chen = demoPersona('excellent').profile.person;

interface ReplyBody {
  text: string;
  options?: { label: string; value: string }[];
  card?: Record<string, unknown> & { type: string };
}
const texts = (rs: ReplyBody[]) => rs.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');

describe(`identity first and one line per person, over REST on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  let providers: Providers;
  const clock = manualClock('2026-11-22T02:00:00Z');
  const counters = new Map<string, number>();

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0' }), createLogger('silent'), {
      clock,
      spec: (ctx) => {
        providers = ctx.providers;
        return createLendingConversation(ctx);
      },
    });
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  const say = async (userId: string, text: string): Promise<ReplyBody[]> => {
    clock.advance(30_000);
    const n = (counters.get(userId) ?? 0) + 1;
    counters.set(userId, n);
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId, messageId: `m${n}`, text } });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { replies: ReplyBody[] }).replies;
  };
  const apply = async (userId: string, who: { name: string; idNumber: string; mobile: string }) => {
    for (const text of ['你好', '申请额度', '1', who.name, who.idNumber, who.mobile, '123456', '家庭装修', '20万']) await say(userId, text);
    return say(userId, '确认提交');
  };

  it('opens 陈思远 a line on one chat', async () => {
    await apply('chen-web', chen);
    await say('chen-web', '同意全部授权');
    await say('chen-web', '接受额度');
    expect(texts(await say('chen-web', '我已阅读并同意'))).toContain('额度已开通');
  });

  it('an impostor with his ID number and mobile but another name gets nothing of his: no pull, no change, no link', async () => {
    const before = await server.db.prisma.borrower.findFirstOrThrow({ where: { name: chen.name } });
    const applications = await server.db.prisma.application.count();
    const spies = spyOnDataSources(providers);
    const codes = await server.db.prisma.otpChallenge.count();
    try {
      // Name, ID number and mobile must belong together before any SMS code is sent.
      const typed = async (userId: string, who: { name: string; idNumber: string; mobile: string }) => {
        for (const text of ['你好', '申请额度', '1', who.name, who.idNumber]) await say(userId, text);
        return texts(await say(userId, who.mobile));
      };
      const refused = await typed('impostor', { ...chen, name: '王小明' });
      expect(refused).toContain('不匹配');
      expect(refused).toContain('验证码没有发送');
      // Whatever the impostor asks next, nothing of 陈思远's is shown.
      const account = texts(await say('impostor', '额度'));
      expect(account).not.toContain('179,000');
      expect(account).not.toContain('可用额度');
      // Another mobile with the right name does not verify either (the operator three-factor check).
      expect(await typed('impostor-2', { ...chen, mobile: '13912345678' })).toContain('验证码没有发送');
      expect(await server.db.prisma.otpChallenge.count()).toBe(codes); // no SMS to anyone
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const after = await server.db.prisma.borrower.findFirstOrThrow({ where: { id: before.id } });
    expect(after).toEqual(before);
    expect(await server.db.prisma.borrower.count()).toBe(1);
    expect(await server.db.prisma.application.count()).toBe(applications);
    const chats = await server.db.prisma.conversation.findMany({ where: { externalUserId: { in: ['impostor', 'impostor-2'] } } });
    expect(chats).toHaveLength(2);
    for (const c of chats) expect(c.borrowerId).toBeNull();
    expect(await server.db.prisma.auditLog.count({ where: { action: 'otp.identity_mismatch' } })).toBe(2);
  });

  it('陈思远 applying again from another chat is shown his line and linked to it, with no second application or line', async () => {
    const applications = await server.db.prisma.application.count();
    const replies = await apply('chen-wechat', chen);
    expect(texts(replies)).toContain('您已开通额度');
    expect(texts(await say('chen-wechat', '额度'))).toContain('可用额度 ¥179,000.00');
    expect(await server.db.prisma.application.count()).toBe(applications);
    expect(await server.db.prisma.creditLine.count()).toBe(1);
    const [web, wechat] = await Promise.all(['chen-web', 'chen-wechat'].map((u) => server.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: u } })));
    expect(wechat!.borrowerId).toBe(web!.borrowerId);
  });
});

describe(`two acceptances of one person at the same moment, on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  let second: Database | undefined;
  /** A second server on the same database (PostgreSQL); on PGlite the same process. */
  let other: FlowEffects;
  const at = shanghai('2026-01-15');

  beforeAll(async () => {
    h = await openServices();
    other = h.effects;
    if (testDatabaseKind() === 'postgres') {
      second = await openDatabase(h.database.target, { poolSize: 4 });
      other = createFlowEffects({ db: second, cipher: h.cipher, clock: manualClock('2026-01-15T02:00:00Z'), logger: createLogger('silent'), providers: h.providers, products: DEMO_PRODUCTS });
    }
  });
  afterAll(async () => {
    await second?.close();
    await h?.close();
  });

  it('leaves one line: the database refuses the second', async () => {
    const persona = demoPersona('excellent');
    const product = DEMO_PRODUCTS.find((p) => p.id === persona.productId)!;
    const sources = [...product.dataSources.required, ...product.dataSources.optional];
    // Two approved applications of the same person (as two channels made them before either was decided).
    const s = asSubmitted(await h.effects.submitApplication(personaApplication('excellent', at)));
    await h.effects.recordConsent({ borrowerId: s.borrowerId, applicationId: s.applicationId, conversationId: 'c', channel: 'web', granted: sources, refused: [], textVersion: 'auth-1', text: '授权', idempotencyKey: key('consent'), at });
    const pulled = await h.effects.pullData({ borrowerId: s.borrowerId, applicationId: s.applicationId, sources, idempotencyKey: key('pull'), at });
    if (!pulled.ok) throw new Error(JSON.stringify(pulled));
    const decided = decideApplication(product, pulled.profile, shanghaiDateOf(at));
    if (!decided.ok || decided.value.outcome !== 'approved') throw new Error('expected an approval');
    const twin = await h.db.prisma.application.create({ data: { borrowerId: s.borrowerId, productId: product.id, status: 'submitted', requestedAmount: 20_000_000n } });
    const offers = await Promise.all(
      [s.applicationId, twin.id].map(async (applicationId) => ({ applicationId, ...(await h.effects.recordDecision({ applicationId, decision: decided.value, offerExpiresAt: at + 86_400_000, at })) })),
    );
    const accepted = await Promise.all(
      offers.map(({ applicationId, decisionId }, i) =>
        (i === 0 ? h.effects : other).acceptOffer({ applicationId, borrowerId: s.borrowerId, decisionId, termsVersion: 't1', termsText: '条款', idempotencyKey: key('accept'), at }),
      ),
    );
    expect(accepted.filter((a) => a.ok)).toHaveLength(1);
    expect(accepted.filter((a) => !a.ok).map((a) => !a.ok && a.reason)).toEqual(['has_line']);
    expect(await h.db.prisma.creditLine.count({ where: { borrowerId: s.borrowerId } })).toBe(1);
  });
});
