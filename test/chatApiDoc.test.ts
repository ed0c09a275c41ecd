import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoPersona } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, staffAuthHeaders, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * docs/chat-api.md shows what the server sends: its three answers are replayed here (same clock,
 * same messages) and must match the document to the character, message ids aside (random UUIDs).
 */
const person = demoPersona('excellent').profile.person;
let database: TestDatabase | undefined;
let server: Server | undefined;
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const withoutIds = (json: unknown) => JSON.parse(JSON.stringify(json).replace(UUID, '<id>')) as unknown;

/** The JSON code block that follows `marker` in the document. */
function exampleAfter(doc: string, marker: string): unknown {
  const at = doc.indexOf(marker);
  expect(at, `docs/chat-api.md has no "${marker}"`).toBeGreaterThanOrEqual(0);
  const block = /```json\n([\s\S]*?)\n```/.exec(doc.slice(at));
  return withoutIds(JSON.parse(block![1]!));
}

describe(`docs/chat-api.md's examples are what the server sends (${testDatabaseKind()})`, () => {
  it('the first answer, the offer and a staff message fetched later', async () => {
    const doc = await readFile(path.resolve(import.meta.dirname, '..', 'docs', 'chat-api.md'), 'utf8');
    database = await createTestDatabase();
    const clock = manualClock('2026-11-22T02:00:00Z');
    server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0' }), createLogger('silent'), { clock, spec: (ctx) => createLendingConversation(ctx) });
    let n = 0;
    const say = async (text: string) => {
      clock.advance(60_000);
      return (await server!.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'u1', messageId: `m${++n}`, text } })).json() as { replies: { seq: number }[] };
    };

    expect(withoutIds(await say('我要借款'))).toEqual(exampleAfter(doc, 'Answer `200`'));
    for (const answer of ['1', person.name, person.idNumber, person.mobile, '123456', '家庭装修', '20万', '确认提交']) await say(answer);
    const offer = await say('同意全部授权');
    expect(withoutIds(offer)).toEqual(exampleAfter(doc, 'carries the\noffer card'));

    const conversation = await server.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'u1' } });
    await server.app.inject({ method: 'POST', url: `/api/v1/staff/conversations/${conversation.id}/takeover`, headers: staffAuthHeaders, payload: { staffName: '小陈' } });
    await server.app.inject({ method: 'POST', url: `/api/v1/staff/conversations/${conversation.id}/messages`, headers: staffAuthHeaders, payload: { text: '您好，我是客户经理小陈。', staffName: '小陈' } });
    const later = await server.app.inject({ method: 'GET', url: `/api/v1/chat/messages?userId=u1&afterSeq=${offer.replies.at(-1)!.seq}` });
    expect(withoutIds(later.json())).toEqual(exampleAfter(doc, 'GET /api/v1/chat/messages?userId=u1'));
  }, 60_000);
});
