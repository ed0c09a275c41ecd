import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEchoSpec, ECHO } from '../../test/support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from '../../test/support/testDatabase.js';
import { bootServer, type Server } from '../boot.js';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../logging/index.js';
import { restMessageId } from './chatRoutes.js';

const logger = createLogger('silent');
const TOKEN = 'test-token-0123456789abcdef';
let database: TestDatabase;
let second: TestDatabase;
let open: Server;
let guarded: Server;

beforeAll(async () => {
  database = await createTestDatabase();
  // Two apps on one database (PGlite in memory gives each its own): open as in development, and with a token.
  open = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), logger, { spec: createEchoSpec({ lookupMs: 1 }) });
  second = await createTestDatabase();
  guarded = await bootServer(testConfig(second, { JOBS_POLL_MS: '0', CHAT_API_TOKEN: TOKEN }), logger, { spec: createEchoSpec({ lookupMs: 1 }) });
});
afterAll(async () => {
  await open?.app.close();
  await guarded?.app.close();
  await database?.drop();
  await second?.drop();
});

const chat = (app: Server['app'], payload: unknown, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/api/v1/chat', payload: payload as object, headers });

describe(`REST chat channel on ${testDatabaseKind()}`, () => {
  it('answers a message with replies carrying id, seq, and options only when present', async () => {
    const first = await chat(open.app, { userId: 'u1', messageId: 'm1', text: '张三' });
    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body.replies.map((r: { text: string }) => r.text)).toEqual([ECHO.askName, ECHO.greeting('张三')]);
    expect(Object.keys(body.replies[0]).sort()).toEqual(['id', 'seq', 'text']);
    const menu = (await chat(open.app, { userId: 'u1', messageId: 'm2', text: '菜单' })).json();
    expect(menu.replies[0]).toMatchObject({
      text: '请选择：',
      options: [
        { label: '申请贷款', value: '申请贷款' },
        { label: '查询额度', value: '查询额度' },
      ],
    });
    expect(menu.replies[0].card).toBeUndefined();
  });

  it('returns the same replies for a repeated messageId without processing it again; ids are per user', async () => {
    const a = (await chat(open.app, { userId: 'dup', messageId: 'x', text: '李四' })).json();
    const b = (await chat(open.app, { userId: 'dup', messageId: 'x', text: '李四' })).json();
    expect(b).toEqual(a);
    const other = (await chat(open.app, { userId: 'dup2', messageId: 'x', text: '王五' })).json();
    expect(other.replies.map((r: { text: string }) => r.text)).toEqual([ECHO.askName, ECHO.greeting('王五')]);
    expect(restMessageId('a:b', 'c')).not.toBe(restMessageId('a', 'b:c'));
  });

  it('accepts a 5,000-character message and answers it', async () => {
    const res = await chat(open.app, { userId: 'long', messageId: 'l1', text: 'x'.repeat(5_000) });
    expect(res.statusCode).toBe(200);
    expect(res.json().replies.map((r: { text: string }) => r.text)).toEqual([ECHO.askName, ECHO.tooLong]);
  });

  it.each([
    [{ messageId: 'm', text: 'hi' }, 'userId'],
    [{ userId: 'u', text: 'hi' }, 'messageId'],
    [{ userId: 'u', messageId: 'm' }, 'text'],
    [{ userId: 'u', messageId: 'm', text: '' }, 'text'],
    [{ userId: 'u', messageId: 'm', text: 'x'.repeat(10_001) }, 'text'],
    [{ userId: 'u'.repeat(129), messageId: 'm', text: 'hi' }, 'userId'],
    [{ userId: 'u\n1', messageId: 'm', text: 'hi' }, 'userId'],
    [{ userId: 'u', messageId: 'm', text: 'hi', locale: 'fr' }, 'locale'],
    [{ userId: 'u', messageId: 'm', text: 'hi', channel: 'wechat' }, 'channel'],
    [{ userId: 42, messageId: 'm', text: 'hi' }, 'userId'],
    [['not', 'an', 'object'], 'body'],
  ])('rejects an invalid body naming the field (case %#)', async (payload, field) => {
    const res = await chat(open.app, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'VALIDATION_FAILED', field, message: expect.stringMatching(new RegExp(`^${field}: `)) } });
  });

  it('rejects malformed JSON and non-JSON bodies with the error shape', async () => {
    const bad = await open.app.inject({ method: 'POST', url: '/api/v1/chat', payload: '{"userId":', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('BODY_INVALID');
    const xml = await open.app.inject({ method: 'POST', url: '/api/v1/chat', payload: '<chat/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.statusCode).toBe(415);
    const text = await open.app.inject({ method: 'POST', url: '/api/v1/chat', payload: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body' });
  });

  it('serves later messages after a sequence number, and marks them delivered', async () => {
    const start = (await chat(open.app, { userId: 'later', messageId: 'a', text: '赵六' })).json();
    const lastSeen = start.replies.at(-1).seq;
    const { conversationId } = await open.conversations!.runtime.receive({ channel: 'rest', userId: 'later', messageId: restMessageId('later', 'b'), text: '在吗' });
    await open.conversations!.runtime.dispatch(conversationId!, { type: 'staff.takeover', staffId: 's1', staffName: '小陈', at: Date.now() });
    await open.conversations!.runtime.dispatch(conversationId!, { type: 'staff.message', staffId: 's1', text: '您好', at: Date.now() });

    const res = await open.app.inject(`/api/v1/chat/messages?userId=later&afterSeq=${lastSeen}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.messages.map((m: { text: string }) => m.text)).toEqual([ECHO.echo('在吗'), ECHO.takeover('小陈'), '您好']);
    expect(body.messages[0]).toMatchObject({ id: expect.any(String), seq: lastSeen + 2, createdAt: expect.stringMatching(/Z$/) });
    expect(body.nextAfterSeq).toBe(body.messages.at(-1).seq);
    const pending = await open.db.prisma.message.count({ where: { conversationId: conversationId!, deliveryStatus: 'pending' } });
    expect(pending).toBe(0);

    const page = (await open.app.inject(`/api/v1/chat/messages?userId=later&afterSeq=0&limit=2`)).json();
    expect(page.messages).toHaveLength(2);
    expect(page.nextAfterSeq).toBe(page.messages[1].seq);
    const none = (await open.app.inject(`/api/v1/chat/messages?userId=nobody`)).json();
    expect(none).toEqual({ messages: [], nextAfterSeq: 0 });
    const invalid = await open.app.inject(`/api/v1/chat/messages?userId=later&afterSeq=-1`);
    expect(invalid.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'afterSeq' });
  });

  it('keeps the terminal channel apart from the bank app', async () => {
    await chat(open.app, { userId: 'same', messageId: 'a', text: '孙七' });
    const terminal = (await chat(open.app, { userId: 'same', messageId: 'a', text: '周八', channel: 'terminal' })).json();
    expect(terminal.replies.map((r: { text: string }) => r.text)).toEqual([ECHO.askName, ECHO.greeting('周八')]);
  });

  it('requires the bearer token when CHAT_API_TOKEN is set', async () => {
    const payload = { userId: 'u1', messageId: 'm1', text: 'hi' };
    const missing = await chat(guarded.app, payload);
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Authentication required' } });
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await chat(guarded.app, payload, { authorization: 'Bearer wrong-token-0123456789' })).statusCode).toBe(401);
    expect((await chat(guarded.app, payload, { authorization: TOKEN })).statusCode).toBe(401);
    expect((await guarded.app.inject('/api/v1/chat/messages?userId=u1')).statusCode).toBe(401);
    expect((await chat(guarded.app, payload, { authorization: `Bearer ${TOKEN}` })).statusCode).toBe(200);
    expect((await guarded.app.inject({ url: '/api/v1/chat/messages?userId=u1', headers: { authorization: `bearer ${TOKEN}` } })).statusCode).toBe(200);
    // Validation runs after authentication: nothing about the API leaks without the token.
    expect((await chat(guarded.app, {})).statusCode).toBe(401);
  });

  it('is absent from a server booted without a conversation spec', async () => {
    const bare = await createTestDatabase();
    const server = await bootServer(testConfig(bare), logger);
    try {
      expect(server.conversations).toBeUndefined();
      expect(server.app.conversations).toBeNull();
      const res = await chat(server.app, { userId: 'u', messageId: 'm', text: 'hi' });
      expect(res.statusCode).toBe(404);
    } finally {
      await server.app.close();
      await bare.drop();
    }
  });

  it('production configuration requires CHAT_API_TOKEN', () => {
    const production = { KUAIDAI_ENV: 'production', KUAIDAI_DATA_KEY: 'gesGZr7YqQoclzVZhA0QiG/U3csQXJgwGPSEdUZb7MI=', PROVIDERS: 'bank' };
    expect(() => loadConfig(production)).toThrow(/^CHAT_API_TOKEN: is required in production/);
    // A test token is too short and too regular for production; a random one of 48 characters is not.
    expect(() => loadConfig({ ...production, CHAT_API_TOKEN: TOKEN })).toThrow(/^CHAT_API_TOKEN: must be at least 32 characters/);
    const random = 'c748710c199a2595533f4002c7ac669a111386b3a22104cc';
    expect(loadConfig({ ...production, CHAT_API_TOKEN: random }).chatApiToken).toBe(random);
  });
});
