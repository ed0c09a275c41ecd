import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateResidentId } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation, type ConversationContext } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * Personal numbers typed with separators, a country prefix or full-width digits: masked in the
 * stored transcript (what staff read and the web page echoes) and in the logs, and read as the
 * borrower's 11-digit mobile / 18-character ID number at the application's questions.
 */
// A made-up person (not a demo persona, whose own mobile is another): the sandbox verifies them as typed.
const person = { name: '周雨桐', idNumber: generateResidentId({ regionCode: '430702', birthDate: '1991-04-23', sex: 'female', serial: 412 }) };
const STAFF_TOKEN = 'staff-token-0123456789abcdef';
const MOBILE = '13234608845';
let database: TestDatabase;
let server: Server;
let h: Awaited<ReturnType<typeof boot>>;
beforeAll(async () => {
  h = await boot();
});
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

async function boot() {
  database = await createTestDatabase();
  const lines: string[] = [];
  const logger = createLogger('debug', 'json', new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(chunk.toString()), cb()) }));
  const clock = manualClock('2026-11-22T02:00:00Z');
  let context: ConversationContext | undefined;
  server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0', STAFF_API_TOKEN: STAFF_TOKEN }), logger, {
    clock,
    spec: (ctx) => {
      context = ctx;
      return createLendingConversation(ctx);
    },
  });
  let n = 0;
  const say = async (userId: string, text: string) => {
    clock.advance(30_000);
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId, messageId: `m${++n}`, text } });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
  };
  const staff = (url: string) => server.app.inject({ method: 'GET', url: `/api/v1/staff${url}`, headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
  /** Gets a new borrower to the mobile question, the ID number typed with dashes. */
  const toMobileStep = async (userId: string) => {
    await say(userId, '申请');
    await say(userId, '1');
    expect(await say(userId, person.name)).toContain('身份证号');
    const id = person.idNumber;
    expect(await say(userId, `${id.slice(0, 6)}-${id.slice(6, 14)}-${id.slice(14)}`)).toContain('手机号');
  };
  const conversationOf = async (userId: string) => (await server.db.prisma.conversation.findFirst({ where: { externalUserId: userId }, select: { id: true } }))!.id;
  /** The hashes of the mobiles a borrower was sent a code to. */
  const codesSentTo = async (userId: string) => (await server.db.prisma.otpChallenge.findMany({ where: { conversationId: await conversationOf(userId) } })).map((c) => c.mobileHash);
  const lastInbound = async (userId: string) =>
    (await server.db.prisma.message.findFirst({ where: { conversationId: await conversationOf(userId), direction: 'inbound' }, orderBy: { seq: 'desc' }, select: { text: true } }))!.text;
  return { say, staff, toMobileStep, lines, conversationOf, codesSentTo, lastInbound, mobileHash: () => context!.cipher.lookupHash(MOBILE) };
}

describe(`personal numbers however typed, over REST on ${testDatabaseKind()}`, () => {
  it('stores 我的手机 132 3460 8845 masked for staff and the page, logs it masked, and takes 13234608845 as the mobile', async () => {
    const { say, staff, toMobileStep, lines, conversationOf, codesSentTo, mobileHash } = h;
    await toMobileStep('b1');
    const answer = await say('b1', '我的手机 132 3460 8845');
    expect(answer).toContain('验证码');
    expect(answer).toContain('132****8845');
    // The code went to the 11 digits: the challenge is keyed by their hash.
    expect(await codesSentTo('b1')).toEqual([mobileHash()]);

    const id = await conversationOf('b1');
    const transcript = (await staff(`/conversations/${id}/messages?limit=500`)).json() as { messages: { direction: string; text: string }[] };
    const inbound = transcript.messages.filter((m) => m.direction === 'inbound').map((m) => m.text);
    expect(inbound).toContain('我的手机 132****8845');
    expect(inbound).toContain(`${person.idNumber.slice(0, 6)}********${person.idNumber.slice(14)}`);
    const stored = (await server.db.prisma.message.findMany({ where: { conversationId: id }, select: { text: true } })).map((m) => m.text).join('\n');
    const log = lines.join('');
    expect(log).toContain('132****8845'); // the sandbox SMS line: the logs were captured
    for (const clear of ['3460 8845', MOBILE, person.idNumber.slice(6, 14)]) {
      expect(stored, 'stored messages').not.toContain(clear);
      expect(log, 'logs').not.toContain(clear);
    }
  });

  it.each([
    ['+8613234608845', 'plus'],
    ['0086 132-3460-8845', 'zeros'],
    ['86 132.3460.8845', 'dots'],
    ['１３２３４６０８８４５', 'wide'],
    ['＋８６\u3000１３２－３４６０－８８４５', 'wide-plus'],
  ])('takes %s as the mobile 13234608845 and stores it masked', async (typed, userId) => {
    await h.toMobileStep(userId);
    expect(await h.say(userId, typed)).toContain('132****8845');
    expect(await h.codesSentTo(userId)).toEqual([h.mobileHash()]);
    expect(await h.lastInbound(userId)).toBe('132****8845');
  });

  it('masks an ID number typed full-width, and a card number, in the stored transcript', async () => {
    await h.say('b3', '你好');
    await h.say('b3', '身份证 ４３０７０２１９８１０４１３４８６１ 卡号 6217 0012 3456 7890 123 借3万 2026-12-05 还');
    expect(await h.lastInbound('b3')).toBe('身份证 430702********4861 卡号 6217********0123 借3万 2026-12-05 还');
  });
});
