import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';
import { sessionCookieOf, TestSocket } from './webTestClient.js';

/**
 * The web chat greets once: the assistant's greeting comes with `ready` while the conversation is
 * empty (nothing stored for a visitor who never writes), and the first message after it is not
 * greeted again. A staff member's words reach the page as theirs (author staff, their name).
 */
const logger = createLogger('silent');
let database: TestDatabase;
let server: Server;
beforeAll(async () => {
  database = await createTestDatabase();
  server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), logger, { spec: (ctx) => createLendingConversation(ctx) });
});
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

describe(`the web chat's greeting and a staff member's words on ${testDatabaseKind()}`, () => {
  it('sends the greeting with ready to an empty conversation only, and does not greet again', async () => {
    const cookie = await sessionCookieOf(server.app);
    const a = await TestSocket.open(server.app, cookie);
    const ready = await a.hello(0, { locale: 'zh' });
    expect(ready.welcome?.zh.text).toMatch(/^您好，我是快贷助手 .*年化利率（单利）6\.48% 起/);
    expect(ready.welcome?.zh.text).not.toContain('4.00%');
    expect(ready.welcome?.en.text).toMatch(/^Hello, I'm the Kuaidai loan assistant .*from 6\.48% a year \(simple\)/);
    expect(ready.welcome?.zh.options.map((o) => o.label)).toEqual(['申请额度', '借款用款', '还款', '额度与账单', '常见问题', '转人工']);
    // Showing it stores nothing.
    expect(await server.db.prisma.conversation.count({ where: { channel: 'web' } })).toBe(0);

    a.say('c1', ready.welcome!.zh.options[0]!.value);
    const [, ...replies] = await a.messagesUntil(2);
    expect(replies.map((m) => m.text).join('\n')).toContain('请选择要申请的产品');
    expect(a.messages.filter((m) => m.author === 'bot' && m.text.includes('您好，我是快贷助手'))).toEqual([]);

    // The conversation has begun: a reconnecting page gets no greeting.
    const b = await TestSocket.open(server.app, cookie);
    const again = await b.hello(a.lastSeq, { locale: 'zh' });
    expect(again.welcome).toBeUndefined();

    // A staff member writes in: the page gets it as theirs.
    const conversation = await server.db.prisma.conversation.findFirstOrThrow({ where: { channel: 'web' } });
    const runtime = server.conversations!.runtime;
    await runtime.dispatch(conversation.id, { type: 'staff.takeover', staffId: 's1', staffName: '小王', at: Date.now() });
    await runtime.dispatch(conversation.id, { type: 'staff.message', staffId: 's1', text: '您好，我来帮您。', at: Date.now() });
    const staff = await b.waitFor((f) => f.type === 'message' && f.text === '您好，我来帮您。');
    expect(staff).toMatchObject({ author: 'staff', senderName: '小王' });
    const joined = b.messages.find((m) => m.text.includes('为您服务'));
    expect(joined).toMatchObject({ author: 'bot' });
    expect(joined).not.toHaveProperty('senderName');
    a.close();
    b.close();
  });

  it('other channels still greet with their first reply', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'rest-1', messageId: 'm1', text: '你好' } });
    const replies = (res.json() as { replies: { text: string }[] }).replies;
    expect(replies[0]!.text).toMatch(/^您好，我是快贷助手 .*年化利率（单利）6\.48% 起/);
  });
});
