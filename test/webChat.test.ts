import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { webChatPlugin } from '../server/channels/web/index.js';
import { createLogger } from '../server/logging/index.js';
import { createEchoSpec, ECHO } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';
import { sessionCookieOf, TestSocket, userIdOf } from './webTestClient.js';

const logger = createLogger('silent');
let database: TestDatabase;
let server: Server;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), logger, { spec: createEchoSpec({ lookupMs: 1 }) });
});
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

const texts = (s: TestSocket) => s.messages.map((m) => `${m.author}:${m.text}`);

describe(`web chat over a websocket on ${testDatabaseKind()}`, () => {
  it('serves the page at / with a signed httpOnly session cookie (a server-side session), and its hashed assets', async () => {
    const res = await server.app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('role="log"');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const cookie = String(res.headers['set-cookie']);
    // 256 random bits and their signature; the absolute lifetime is WEB_SESSION_MAX_MS (12 h).
    expect(cookie).toMatch(/^kd_session=s1\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    // X-Forwarded-Proto is believed only from a configured proxy (TRUST_PROXY; test/transportSecurity.test.ts).
    const forged = await server.app.inject({ url: '/', headers: { 'x-forwarded-proto': 'https' } });
    expect(String(forged.headers['set-cookie'])).not.toMatch(/Secure/);
    // A returning page keeps its session (no new cookie).
    const again = await server.app.inject({ url: '/', headers: { cookie: cookie.split(';')[0]! } });
    expect(again.headers['set-cookie']).toBeUndefined();

    const script = /src="(\/assets\/chat-[0-9a-f]{12}\.js)"/.exec(res.body)![1]!;
    const style = /href="(\/assets\/chat-[0-9a-f]{12}\.css)"/.exec(res.body)![1]!;
    const js = await server.app.inject(script);
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['cache-control']).toMatch(/immutable/);
    expect(js.body).not.toMatch(/\bzod\b/);
    expect((await server.app.inject(style)).headers['content-type']).toMatch(/^text\/css/);
    expect((await server.app.inject('/assets/chat-000000000000.js')).statusCode).toBe(404);
    const session = (await server.app.inject({ url: '/api/web/session', headers: { cookie: cookie.split(';')[0]! } })).json();
    expect(session).toEqual({ session: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/), expiresAt: expect.stringMatching(/Z$/) });
    expect((await server.app.inject('/ws/chat')).statusCode).toBe(401);
    expect((await server.app.inject({ url: '/ws/chat', headers: { cookie: cookie.split(';')[0]! } })).statusCode).toBe(426);
  });

  it('refuses a socket without a valid session cookie, or from another site', async () => {
    await expect(TestSocket.open(server.app, undefined)).rejects.toThrow(/401/);
    const cookie = await sessionCookieOf(server.app);
    const [name, token] = cookie.split('=') as [string, string];
    const [v, , signature] = token.split('.');
    // Another secret under this signature, a signature that is not ours, the old signed-token format.
    await expect(TestSocket.open(server.app, `${name}=${v}.${'A'.repeat(43)}.${signature}`)).rejects.toThrow(/401/);
    await expect(TestSocket.open(server.app, `${name}=${token.slice(0, -2)}xx`)).rejects.toThrow(/401/);
    await expect(TestSocket.open(server.app, `${name}=v1.w_AAAAAAAAAAAAAAAA.zzzzzz.${signature}`)).rejects.toThrow(/401/);
    await expect(TestSocket.open(server.app, cookie, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    await expect(TestSocket.open(server.app, cookie, { origin: 'http://localhost:8080', host: 'localhost:3000' })).rejects.toThrow(/403/);
    // The page's own origin: the Host it was served from, or PUBLIC_BASE_URL behind a proxy.
    const ok = await TestSocket.open(server.app, cookie, { origin: 'http://localhost:3000', host: 'localhost:3000' });
    await ok.hello();
    ok.close();
  });

  it('answers a message with its echo and the replies, each with a sequence number, and resumes after a reconnect without repeats', async () => {
    const cookie = await sessionCookieOf(server.app);
    const a = await TestSocket.open(server.app, cookie);
    const ready = await a.hello(0, { locale: 'zh', referral: 'mgr-42' });
    expect(ready).toMatchObject({ type: 'ready', v: 1, lastSeq: 0, resumeFrom: 0, limits: { maxFrameBytes: 16384, ratePerSec: 5, rateBurst: 10, maxText: 2000 } });
    a.say('c1', '张三');
    const first = await a.messagesUntil(3);
    expect(first.map((m) => [m.seq, m.author, m.text, m.clientMessageId])).toEqual([
      [1, 'borrower', '张三', 'c1'],
      [2, 'bot', ECHO.askName, undefined],
      [3, 'bot', ECHO.greeting('张三'), undefined],
    ]);
    expect(first[1]).toEqual({ type: 'message', seq: 2, id: expect.any(String), author: 'bot', text: ECHO.askName, at: expect.stringMatching(/Z$/) });
    a.say('c2', '菜单');
    const menu = (await a.messagesUntil(5))[4]!;
    expect(menu).toMatchObject({ seq: 5, text: '请选择：', options: [{ label: '申请贷款', value: '申请贷款' }, { label: '查询额度', value: '查询额度' }] });
    a.close();
    await a.closed;

    // The page saw up to seq 3: a new socket gets 4 and 5 only. The referral stuck to the conversation.
    const b = await TestSocket.open(server.app, cookie);
    expect(await b.hello(3)).toMatchObject({ lastSeq: 5, resumeFrom: 3 });
    await b.messagesUntil(2);
    expect(b.messages.map((m) => m.seq)).toEqual([4, 5]);
    // A message resent after the reconnect (same client id) is not processed again.
    b.say('c2', '菜单');
    b.say('c3', '你好');
    await b.waitFor((f) => f.type === 'message' && f.seq === 7);
    expect(texts(b)).toEqual(['borrower:菜单', 'bot:请选择：', 'borrower:你好', `bot:${ECHO.echo('你好')}`]);
    const conversation = await server.db.prisma.conversation.findFirstOrThrow({ where: { channel: 'web', externalUserId: await userIdOf(server.db.prisma, cookie) } });
    expect(conversation.referral).toBe('mgr-42');
    // Replies on the socket are stored delivered.
    expect(await server.db.prisma.message.count({ where: { conversationId: conversation.id, deliveryStatus: 'pending' } })).toBe(0);
    b.close();
  });

  it("echoes the borrower's message as stored: an ID number or a mobile number masked, live and on replay alike", async () => {
    const cookie = await sessionCookieOf(server.app);
    const live = await TestSocket.open(server.app, cookie);
    await live.hello();
    live.say('n1', '周九');
    await live.messagesUntil(3);
    live.say('n2', '我的身份证 430702198605120230，手机 13807360001');
    const echo = (await live.messagesUntil(5))[3]!;
    expect(echo).toMatchObject({ author: 'borrower', clientMessageId: 'n2', text: '我的身份证 430702********0230，手机 138****0001' });
    live.close();
    const replay = await TestSocket.open(server.app, cookie);
    await replay.hello(0);
    await replay.messagesUntil(5);
    expect(replay.messages).toEqual(live.messages.map((m) => ({ ...m, at: expect.any(String) })));
    replay.close();
  });

  it('serves each socket only the conversation of its own cookie', async () => {
    const alice = await sessionCookieOf(server.app);
    const bob = await sessionCookieOf(server.app);
    const a = await TestSocket.open(server.app, alice);
    const b = await TestSocket.open(server.app, bob);
    await a.hello();
    await b.hello();
    a.say('same-id', '爱丽丝');
    await a.messagesUntil(3);
    // Bob uses the same client message id: it is his own message, not a duplicate of Alice's.
    b.say('same-id', '鲍勃');
    await b.messagesUntil(3);
    expect(texts(b)).toEqual(['borrower:鲍勃', `bot:${ECHO.askName}`, `bot:${ECHO.greeting('鲍勃')}`]);
    a.say('x', '秘密');
    await a.messagesUntil(5);
    await new Promise((r) => setTimeout(r, 50));
    expect(b.messages).toHaveLength(3);
    expect(JSON.stringify(b.frames)).not.toMatch(/爱丽丝|秘密/);
    // Even asking for everything from seq 0 gives Bob only his own.
    const b2 = await TestSocket.open(server.app, bob);
    await b2.hello(0);
    await b2.messagesUntil(3);
    await new Promise((r) => setTimeout(r, 50));
    expect(texts(b2)).toEqual(texts(b));
    for (const s of [a, b, b2]) s.close();
  });

  it('pushes later messages (staff) to every open tab of the borrower, and replays them to a borrower who was away', async () => {
    const cookie = await sessionCookieOf(server.app);
    const tab1 = await TestSocket.open(server.app, cookie);
    const tab2 = await TestSocket.open(server.app, cookie);
    await tab1.hello();
    await tab2.hello();
    tab1.say('m1', '王五');
    await tab1.messagesUntil(3);
    await tab2.messagesUntil(3); // the other tab shows the borrower's message and the replies too
    const userId = await userIdOf(server.db.prisma, cookie);
    const conversation = await server.db.prisma.conversation.findFirstOrThrow({ where: { channel: 'web', externalUserId: userId } });
    const { runtime, outbox } = server.conversations!;
    await runtime.dispatch(conversation.id, { type: 'staff.takeover', staffId: 's1', staffName: '小陈', at: Date.now() });
    await runtime.dispatch(conversation.id, { type: 'staff.message', staffId: 's1', text: '您好，我是客服小陈', at: Date.now() });
    await outbox.idle();
    for (const tab of [tab1, tab2]) {
      await tab.messagesUntil(5);
      expect(tab.messages.slice(3).map((m) => [m.seq, m.author, m.text])).toEqual([
        [4, 'bot', ECHO.takeover('小陈')],
        // Seq 5 is the staff member's own row (the console's record); the borrower reads the reply.
        [6, 'bot', '您好，我是客服小陈'],
      ]);
    }
    expect(await server.db.prisma.message.count({ where: { conversationId: conversation.id, deliveryStatus: 'pending' } })).toBe(0);
    tab1.close();
    tab2.close();
    await Promise.all([tab1.closed, tab2.closed]);

    // Away: the message waits in the conversation and comes with the next hello.
    await runtime.dispatch(conversation.id, { type: 'staff.message', staffId: 's1', text: '还在吗？', at: Date.now() });
    await outbox.idle();
    const back = await TestSocket.open(server.app, cookie);
    await back.hello(6);
    expect((await back.messagesUntil(1)).map((m) => [m.seq, m.text])).toEqual([[8, '还在吗？']]);
    back.close();
  });

  it('closes the oldest socket when a session opens more than allowed', async () => {
    const cookie = await sessionCookieOf(server.app);
    const sockets: TestSocket[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await TestSocket.open(server.app, cookie);
      await s.hello();
      sockets.push(s);
    }
    expect(await sockets[0]!.closed).toEqual({ code: 4001, reason: 'too many open chat windows for this session' });
    for (const s of sockets.slice(1)) s.close();
  });

  it.each([
    ['not JSON', 'hello?', 1007, 'invalid frame: not JSON'],
    ['an unknown frame type', { type: 'shout' }, 1007, /^invalid frame: type: /],
    ['a hello of another version', { type: 'hello', v: 2, lastSeq: 0 }, 1007, /^invalid frame: v: /],
    ['a hello with extra fields', { type: 'hello', v: 1, lastSeq: 0, userId: 'someone-else' }, 1007, /^invalid frame: /],
    ['a message before hello', { type: 'message', id: 'm1', text: 'hi' }, 1008, 'hello expected before message'],
  ])('closes on %s with a code and reason', async (_what, frame, code, reason) => {
    const s = await TestSocket.open(server.app, await sessionCookieOf(server.app));
    s.send(frame);
    const closed = await s.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(reason);
  });

  it('closes on a malformed message after hello, a binary frame, and a 1 MB frame (1009, not read)', async () => {
    const cookie = await sessionCookieOf(server.app);
    const empty = await TestSocket.open(server.app, cookie);
    await empty.hello();
    empty.send({ type: 'message', id: 'm1', text: '' });
    expect(await empty.closed).toEqual({ code: 1007, reason: 'invalid frame: text: must not be empty' });
    const long = await TestSocket.open(server.app, cookie);
    await long.hello();
    long.send({ type: 'message', id: 'bad id!', text: 'x' });
    expect((await long.closed).code).toBe(1007);
    const binary = await TestSocket.open(server.app, cookie);
    binary.ws.send(Buffer.from([1, 2, 3]));
    expect(await binary.closed).toEqual({ code: 1003, reason: 'binary frames are not supported; send JSON text' });
    const huge = await TestSocket.open(server.app, cookie);
    await huge.hello();
    huge.send({ type: 'message', id: 'big', text: 'x'.repeat(1024 * 1024) });
    expect((await huge.closed).code).toBe(1009);
  });

  it('throttles a flood with an error frame, then closes it with 1008; another borrower is unaffected', async () => {
    const flooder = await TestSocket.open(server.app, await sessionCookieOf(server.app));
    const calm = await TestSocket.open(server.app, await sessionCookieOf(server.app));
    await flooder.hello();
    await calm.hello();
    for (let i = 0; i < 40; i++) flooder.say(`f${i}`, `消息${i}`);
    const closed = await flooder.closed;
    expect(closed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
    const limited = flooder.errors.filter((e) => e.code === 'rate_limited');
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toMatchObject({ clientMessageId: expect.stringMatching(/^f\d+$/), retryAfterMs: expect.any(Number) });
    calm.say('c1', '赵六');
    await calm.messagesUntil(3);
    expect(texts(calm).at(-1)).toBe(`bot:${ECHO.greeting('赵六')}`);
    calm.close();
  });

  it('closes a socket that says no hello in time; without a session secret in production the plugin refuses to start', async () => {
    const app = Fastify();
    const config = testConfig(database);
    await webChatPlugin(app, { runtime: server.conversations!.runtime, config, prisma: server.db.prisma, limits: { helloTimeoutMs: 50 } });
    await app.ready();
    try {
      const s = await TestSocket.open(app, await sessionCookieOf(app));
      expect(await s.closed).toEqual({ code: 4002, reason: 'hello expected' });
    } finally {
      await app.close();
    }
    const production = { ...config, env: 'production' as const, web: { ...config.web, sessionSecret: undefined } };
    await expect(webChatPlugin(Fastify(), { runtime: server.conversations!.runtime, config: production, prisma: server.db.prisma })).rejects.toThrow(/^SESSION_SECRET: is required in production/);
  });
});

describe(`web chat across a server restart on ${testDatabaseKind()}`, () => {
  it('loses nothing and repeats nothing: the page resumes from what it showed, and its resent message is deduped', async () => {
    const persistent = await createTestDatabase({ persistent: true });
    const config = testConfig(persistent, { JOBS_POLL_MS: '0' });
    let first: Server | undefined = await bootServer(config, logger, { spec: createEchoSpec({ lookupMs: 1 }) });
    let second: Server | undefined;
    try {
      const cookie = await sessionCookieOf(first.app);
      const before = await TestSocket.open(first.app, cookie);
      await before.hello();
      before.say('r1', '孙七');
      await before.messagesUntil(3);
      before.say('r2', '在吗');
      await before.messagesUntil(5);
      await first.app.close();
      first = undefined;
      expect((await before.closed).code).toBe(1001);

      // Say the page had only shown up to seq 3 and never saw the echo of r2: it resumes and resends r2.
      second = await bootServer(config, logger, { spec: createEchoSpec({ lookupMs: 1 }) });
      await second.app.ready();
      const after = await TestSocket.open(second.app, cookie);
      expect(await after.hello(3)).toMatchObject({ lastSeq: 5, resumeFrom: 3 });
      after.say('r2', '在吗');
      after.say('r3', '好的');
      await after.waitFor((f) => f.type === 'message' && f.seq === 7);
      expect(after.messages.map((m) => [m.seq, m.author, m.text, m.clientMessageId])).toEqual([
        [4, 'borrower', '在吗', 'r2'],
        [5, 'bot', ECHO.echo('在吗'), undefined],
        [6, 'borrower', '好的', 'r3'],
        [7, 'bot', ECHO.echo('好的'), undefined],
      ]);
      after.close();
    } finally {
      await first?.app.close();
      await second?.app.close();
      await persistent.drop();
    }
  });
});

// PostgreSQL: the borrower's socket is on one server and the staff member's message is stored and
// delivered by another (the outbox of the server that stored it); the socket's server hears of it by
// LISTEN/NOTIFY. PGlite serves one process, so there both are the same server: the same assertions.
const pushTopology = testDatabaseKind() === 'postgres' ? 'two servers on one PostgreSQL database' : 'one server on embedded PGlite';

describe(`a later message reaches the borrower's open page at once: ${pushTopology}`, () => {
  it('a staff message stored by another server shows on the socket without a reconnect', async () => {
    const shared = await createTestDatabase();
    const servers: Server[] = [];
    try {
      const boot = async () => {
        const s = await bootServer(testConfig(shared, { JOBS_POLL_MS: '0' }), logger, { spec: createEchoSpec({ lookupMs: 1 }) });
        servers.push(s);
        await s.app.ready();
        return s;
      };
      const a = await boot();
      const b = testDatabaseKind() === 'postgres' ? await boot() : a;
      const cookie = await sessionCookieOf(a.app);
      const page = await TestSocket.open(a.app, cookie);
      await page.hello();
      page.say('m1', '周八');
      await page.messagesUntil(3);
      const conversation = await a.db.prisma.conversation.findFirstOrThrow({ where: { channel: 'web', externalUserId: await userIdOf(a.db.prisma, cookie) } });

      await b.conversations!.runtime.dispatch(conversation.id, { type: 'staff.takeover', staffId: 's1', staffName: '小陈', at: Date.now() });
      await b.conversations!.runtime.dispatch(conversation.id, { type: 'staff.message', staffId: 's1', text: '我是另一台服务器上的客服', at: Date.now() });
      await b.conversations!.outbox.idle();
      await page.messagesUntil(5);
      expect(page.messages.slice(3).map((m) => [m.seq, m.author, m.text])).toEqual([
        [4, 'bot', ECHO.takeover('小陈')],
        [6, 'bot', '我是另一台服务器上的客服'],
      ]);
      page.close();
      await page.closed;
    } finally {
      await Promise.allSettled(servers.map((s) => s.app.close()));
      await shared.drop();
    }
  });
});
