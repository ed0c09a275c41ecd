import { afterAll, describe, expect, it } from 'vitest';
import { renderReplyAsText } from '../bots/text/index.js';
import { demoPersona } from '../core/index.js';
import type { Reply } from '../flows/index.js';
import { chineseLeft } from '../flows/testing/chineseLeft.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, staffAuthHeaders, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * English is complete on the real services too: what the server itself puts in replies (the line's
 * product name, masked cards, receipt rows, schedules, staff messages) is English in an English
 * conversation — every reply text, option label and card string, and the same replies as the
 * terminal renders them. Only the names people typed may be Chinese.
 */
const person = demoPersona('excellent').profile.person;
let database: TestDatabase | undefined;
let server: Server | undefined;
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

describe(`an English conversation over REST on ${testDatabaseKind()}`, () => {
  it('applies, accepts, borrows, repays, pays off and talks to staff without a word of Chinese', async () => {
    database = await createTestDatabase();
    const clock = manualClock('2026-11-22T02:00:00Z');
    server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0' }), createLogger('silent'), { clock, spec: (ctx) => createLendingConversation(ctx) });
    const problems: string[] = [];
    const seen: Reply[] = [];
    let last: Reply[] = [];
    let n = 0;
    const check = (replies: Reply[], said: string) => {
      problems.push(...chineseLeft(replies, said, [person.name, '小王'], (r) => [renderReplyAsText(r, { locale: 'en' })]));
      seen.push(...replies);
      last = replies;
    };
    const say = async (text: string) => {
      clock.advance(60_000);
      const res = await server!.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'en-rest', messageId: `m${++n}`, text, locale: 'en' } });
      expect(res.statusCode, res.body).toBe(200);
      const replies = (res.json() as { replies: Reply[] }).replies;
      expect(replies.length, `no reply to "${text}"`).toBeGreaterThan(0);
      check(replies, text);
    };
    const tap = async (label: RegExp) => {
      const option = [...last].reverse().flatMap((r) => r.options ?? []).find((o) => label.test(o.label));
      if (!option) throw new Error(`no option ${label} in ${JSON.stringify(last.map((r) => [r.text, r.options?.map((o) => o.label)]))}`);
      await say(option.value);
    };

    await say('hello');
    await tap(/^Apply/);
    await tap(/personal loan/);
    for (const answer of [person.name, person.idNumber, person.mobile, '123456']) await say(answer);
    await tap(/Home renovation/);
    await say('200000');
    await tap(/^Submit$/);
    await tap(/Agree to all/);
    await tap(/example/i);
    await tap(/^Accept$/);
    await tap(/I have read and agree/);
    await tap(/^Borrow$/);
    await say('30000');
    await tap(/^12 months$/);
    await tap(/^Equal instalments$/);
    await tap(/^Confirm$/);
    await say('123456'); // the step-up SMS code
    await tap(/^Limit and bills$/);
    await say('repay');
    await tap(/early|instalment/i);
    await tap(/^Confirm/);
    await say('repay');
    await tap(/Pay off/);
    await tap(/^Confirm/);
    await say('what is the rate?');

    expect(seen.filter((r) => r.card?.type === 'receipt'), 'a drawdown and two repayments').toHaveLength(3);

    // A staff member writes in (words of their own, in English); fetched later like any message.
    await say('human');
    const conversation = await server.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'en-rest' } });
    const staff = (path: string, payload: object) => server!.app.inject({ method: 'POST', url: `/api/v1/staff/conversations/${conversation.id}${path}`, headers: staffAuthHeaders, payload });
    await staff('/takeover', { staffName: '小王' });
    await staff('/messages', { text: 'Hello, how can I help?', staffName: '小王' });
    await staff('/handback', {});
    const later = (await server.app.inject({ method: 'GET', url: '/api/v1/chat/messages?userId=en-rest&afterSeq=0&limit=200' })).json() as { messages: Reply[] };
    check(later.messages, 'fetched later');

    expect(problems).toEqual([]);
    expect(seen.map((r) => r.card?.type)).toEqual(expect.arrayContaining(['consent', 'offer', 'schedule', 'receipt', 'account']));
    expect(later.messages.some((m) => m.sender?.kind === 'staff' && m.text === 'Hello, how can I help?')).toBe(true);
  }, 60_000);
});
