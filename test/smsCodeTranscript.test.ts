import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPersona } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The SMS code a borrower types is a credential: the machine reads it, the stored transcript (what
 * staff and the page read back) shows it masked. Only while the bot's last turn asked for the code:
 * six digits elsewhere (an amount, a reference) stay as typed.
 */
const person = demoPersona('excellent').profile.person;
let database: TestDatabase;
let server: Server;
const clock = manualClock('2026-11-22T02:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0' }), createLogger('silent'), { clock, spec: (ctx) => createLendingConversation(ctx) });
});
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

let n = 0;
async function say(userId: string, text: string) {
  clock.advance(30_000);
  const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId, messageId: `m${++n}`, text } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { replies: { text: string; expects?: string }[] };
}
async function inboundTexts(userId: string): Promise<string[]> {
  const conversation = await server.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: userId } });
  const rows = await server.db.prisma.message.findMany({ where: { conversationId: conversation.id, direction: 'inbound' }, orderBy: { seq: 'asc' } });
  return rows.map((m) => m.text);
}

describe(`the SMS code in the transcript on ${testDatabaseKind()}`, () => {
  it('is masked when typed at the code question, however typed, and still accepted', async () => {
    await say('c1', '123456');
    await say('c1', '申请');
    await say('c1', '1');
    await say('c1', person.name);
    await say('c1', person.idNumber);
    const asked = await say('c1', person.mobile);
    expect(asked.replies.some((r) => r.expects === 'otp')).toBe(true);
    const wrong = await say('c1', '654 321');
    expect(wrong.replies.some((r) => r.expects === 'otp')).toBe(true);
    const accepted = await say('c1', '１２３４５６');
    expect(accepted.replies.some((r) => r.expects === 'otp')).toBe(false);
    // Once the code is accepted, six digits are what the borrower typed again.
    await say('c1', '654321');

    const texts = await inboundTexts('c1');
    // Before any code was asked, six digits are just what the borrower typed.
    expect(texts[0]).toBe('123456');
    expect(texts.slice(-3)).toEqual(['******', '******', '654321']);
    const stored = JSON.stringify(await server.db.prisma.message.findMany({ where: { text: { contains: '654 ' } } }));
    expect(stored).not.toMatch(/654 321/);
  });
});
