import { afterAll, describe, expect, it } from 'vitest';
import { demoPersona } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const logger = createLogger('silent');
const person = demoPersona('excellent').profile.person;
const TOKEN = 'staff-token-0123456789abcdef';
const databases: TestDatabase[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.app.close();
  for (const d of databases) await d.drop();
});

async function boot(env: Record<string, string> = {}) {
  const database = await createTestDatabase();
  databases.push(database);
  const clock = manualClock('2026-11-22T02:00:00Z');
  const server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0', STAFF_API_TOKEN: TOKEN, ...env }), logger, { clock, spec: (ctx) => createLendingConversation(ctx) });
  servers.push(server);
  let n = 0;
  const say = async (text: string) => {
    clock.advance(30_000);
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'b1', messageId: `m${++n}`, text } });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
  };
  const staff = (method: 'GET' | 'POST', url: string, payload?: object, token: string | null = TOKEN) =>
    server.app.inject({ method, url: `/api/v1/staff${url}`, ...(payload ? { payload } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { server, say, staff, clock };
}

describe(`staff hand-off API on ${testDatabaseKind()}`, () => {
  it('lists the waiting borrower, takes over, relays, hands back, and the borrower continues where they were', async () => {
    const { say, staff } = await boot({ STAFF_API_TOKEN: TOKEN });
    await say('申请');
    await say('1');
    expect(await say(person.name)).toContain('身份证号');
    expect(await say('转人工')).toContain('转接人工客服');

    expect((await staff('GET', '/conversations?handoff=requested', undefined, null)).statusCode).toBe(401);
    const list = (await staff('GET', '/conversations?handoff=requested')).json() as { conversations: { id: string; userId: string; handoff: string }[] };
    expect(list.conversations).toHaveLength(1);
    const id = list.conversations[0]!.id;
    expect(list.conversations[0]).toMatchObject({ userId: 'b1', handoff: 'requested' });

    expect(await say(`我的身份证号是${person.idNumber}可以吗`)).toContain('人工客服正在接入中');
    const transcript = (await staff('GET', `/conversations/${id}/messages`)).json() as { messages: { direction: string; text: string }[] };
    const inbound = transcript.messages.filter((m) => m.direction === 'inbound').map((m) => m.text);
    expect(inbound.join('\n')).toContain('430702********0230'); // masked for staff
    expect(inbound.join('\n')).not.toContain(person.idNumber);

    expect((await staff('POST', `/conversations/${id}/takeover`, { staffName: '小王' })).statusCode).toBe(200);
    expect((await staff('GET', '/conversations?handoff=staff')).json()).toMatchObject({ conversations: [{ id, handoff: 'staff' }] });
    expect(await say('你好，请问还要多久')).toBe(''); // the bot is quiet while a person has the conversation
    await staff('POST', `/conversations/${id}/messages`, { staffName: '小王', text: '您好，我来帮您。' });
    await staff('POST', `/conversations/${id}/handback`, {});

    // The REST user fetches what was said meanwhile: the staff words, then the bot's resumption.
    const messages = await staffLater();
    const later = messages.map((m) => m.text).join('\n');
    expect(later).toContain('人工客服 小王 为您服务');
    // The staff member's words as written, marked as theirs (not the bot's, not prefixed into the text).
    expect(messages).toContainEqual(expect.objectContaining({ text: '您好，我来帮您。', sender: { kind: 'staff', name: '小王' } }));
    expect(later).toContain('请输入您的18位身份证号');
    expect(await say(person.idNumber)).toContain('手机号');

    async function staffLater() {
      const res = await servers.at(-1)!.app.inject({ method: 'GET', url: '/api/v1/chat/messages?userId=b1&afterSeq=0&limit=200' });
      return (res.json() as { messages: { text: string; sender?: { kind: string; name: string } }[] }).messages;
    }
  });

  it('answers bad requests specifically and unknown conversations with 404', async () => {
    const { staff } = await boot();
    expect((await staff('POST', '/conversations/not-a-uuid/takeover', { staffName: '小王' })).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'id' } });
    expect((await staff('POST', '/conversations/00000000-0000-4000-8000-000000000000/handback', {})).statusCode).toBe(404);
    expect((await staff('POST', '/conversations/00000000-0000-4000-8000-000000000000/messages', {})).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'text' } });
    // No staff route answers without a staff session or the token, in any mode (this is the test mode).
    for (const [method, url] of [['GET', '/conversations'], ['POST', '/conversations/00000000-0000-4000-8000-000000000000/handback']] as const) {
      expect((await staff(method, url, method === 'POST' ? {} : undefined, null)).statusCode).toBe(401);
      expect((await staff(method, url, method === 'POST' ? {} : undefined, 'not-the-token-0123456789abcdef')).statusCode).toBe(401);
    }
  });
});
