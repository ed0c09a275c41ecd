import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionFrame } from '../bots/web/frames.js';
import { bootServer, type Server } from '../server/boot.js';
import { webChatPlugin } from '../server/channels/web/index.js';
import { manualClock } from '../server/clock.js';
import { createLogger } from '../server/logging/index.js';
import { createEchoSpec, ECHO } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';
import { sessionCookieOf, sessionRowOf, setCookieOf, TestSocket, userIdOf } from './webTestClient.js';

/**
 * Server-side web sessions end to end (docs/security.md §4): logout (button and chat words), the
 * idle timeout and absolute lifetime, revocation reaching open sockets, and the renewal after an SMS
 * code. The web chat is mounted on an app of its own with a manual clock, a session check on every
 * frame (the default is at most once a minute per socket) and no frame rate limit.
 */
const MINUTE = 60_000;
const logger = createLogger('silent');
const clock = manualClock('2026-11-22T12:00:00Z');
let database: TestDatabase;
let server: Server;
let app: FastifyInstance;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), logger, { spec: createEchoSpec({ lookupMs: 1 }) });
  app = Fastify();
  await webChatPlugin(app, { runtime: server.conversations!.runtime, config: testConfig(database), prisma: server.db.prisma, clock, limits: { sessionCheckMs: 0, ratePerSec: 1_000, rateBurst: 1_000 } });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await server?.app.close();
  await database?.drop();
});

const tagOf = async (cookie: string) => (await app.inject({ url: '/api/web/session', headers: { cookie } })).json<{ session: string }>().session;
const logout = (cookie: string | undefined, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/api/web/logout', headers: { ...(cookie ? { cookie } : {}), ...headers } });
const renew = (ticket: string, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/api/web/session/renew', payload: { ticket }, headers });

/** A borrower who has started their conversation: cookie, socket, and their user's conversation id. */
async function borrower(name: string) {
  const cookie = await sessionCookieOf(app);
  const socket = await TestSocket.open(app, cookie);
  await socket.hello(0, { locale: 'zh' });
  socket.say('n1', name);
  await socket.messagesUntil(3);
  const conversation = await server.db.prisma.conversation.findFirstOrThrow({ where: { channel: 'web', externalUserId: await userIdOf(server.db.prisma, cookie) } });
  return { cookie, socket, conversationId: conversation.id };
}

describe(`web sessions kept on the server (${testDatabaseKind()})`, () => {
  it('logout revokes the session: its sockets close at once, the cookie is cleared, and a copy of it is refused', async () => {
    const { cookie, socket } = await borrower('李雷');
    const tag = await tagOf(cookie);
    expect(await tagOf(cookie)).toBe(tag);
    const copied = cookie;

    expect((await logout(undefined)).statusCode).toBe(401);
    expect((await logout(cookie, { origin: 'https://evil.example' })).statusCode).toBe(403);
    const res = await logout(cookie, { origin: 'http://localhost:3000', host: 'localhost:3000' });
    expect(res.statusCode).toBe(204);
    expect(String(res.headers['set-cookie'])).toMatch(/^kd_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax$/);
    expect(await socket.closed).toEqual({ code: 4003, reason: 'logged out' });
    expect(await sessionRowOf(server.db.prisma, cookie)).toMatchObject({ revokedWhy: 'logout' });

    // The copied cookie: no socket, and a page load starts a new session (another user, another conversation).
    await expect(TestSocket.open(app, copied)).rejects.toThrow(/401/);
    const page = await app.inject({ url: '/', headers: { cookie: copied } });
    const fresh = setCookieOf(page.headers)!;
    expect(fresh).toMatch(/^kd_session=s1\./);
    expect(await tagOf(fresh)).not.toBe(tag);
    const s = await TestSocket.open(app, fresh);
    expect(await s.hello(3)).toMatchObject({ lastSeq: 0, resumeFrom: 0 });
    s.close();
  });

  it('a borrower typing 退出登录 / log out (full-width too) is logged out by the web channel, before the conversation', async () => {
    const { cookie, socket, conversationId } = await borrower('韩梅梅');
    const stored = await server.db.prisma.message.count({ where: { conversationId } });
    const tab2 = await TestSocket.open(app, cookie);
    await tab2.hello(3);
    socket.say('bye', '  退出登录 ');
    expect(await socket.waitFor((f) => f.type === 'logged_out')).toEqual({ type: 'logged_out', text: '您已安全退出。本页对话已清除，如需继续请刷新页面重新开始。' });
    expect(await socket.closed).toEqual({ code: 4003, reason: 'logged out' });
    expect(await tab2.closed).toEqual({ code: 4003, reason: 'logged out' });
    expect(await server.db.prisma.message.count({ where: { conversationId } }), 'nothing stored').toBe(stored);
    await expect(TestSocket.open(app, cookie)).rejects.toThrow(/401/);

    // In English, written with full-width letters.
    const en = await borrower('Lucy');
    en.socket.send({ type: 'message', id: 'bye', text: 'ＬＯＧ　ＯＵＴ', locale: 'en' });
    expect(await en.socket.waitFor((f) => f.type === 'logged_out')).toMatchObject({ text: expect.stringMatching(/^You have logged out\./) });
    expect((await en.socket.closed).code).toBe(4003);
    // A sentence that mentions it is an ordinary message.
    const other = await borrower('王五');
    other.socket.say('m2', '怎么退出登录？');
    await other.socket.messagesUntil(5);
    expect(other.socket.messages.at(-1)!.text).toBe(ECHO.echo('怎么退出登录？'));
    other.socket.close();
  });

  it('an idle session lapses after WEB_SESSION_IDLE_MS and any session after WEB_SESSION_MAX_MS: the socket closes, the page starts over', async () => {
    const idle = await borrower('赵六');
    clock.advance(29 * MINUTE);
    idle.socket.say('m2', '还在');
    await idle.socket.messagesUntil(5);
    clock.advance(30 * MINUTE);
    idle.socket.say('m3', '我回来了');
    expect(await idle.socket.closed).toEqual({ code: 1008, reason: 'session expired' });
    await expect(TestSocket.open(app, idle.cookie)).rejects.toThrow(/401/);
    const next = setCookieOf((await app.inject({ url: '/api/web/session', headers: { cookie: idle.cookie } })).headers);
    expect(next).toMatch(/^kd_session=s1\./);
    expect(next).not.toBe(idle.cookie);

    // Busy all along, the session still ends 12 hours after it began.
    const busy = await borrower('孙七');
    for (let i = 0; i < 24; i++) {
      clock.advance(29 * MINUTE);
      busy.socket.send({ type: 'ack', seq: 3 });
      // The frame was checked and the session seen now (not a fixed sleep: slower on a loaded PostgreSQL).
      await expect.poll(async () => (await sessionRowOf(server.db.prisma, busy.cookie)).lastSeenAt.getTime(), { timeout: 10_000 }).toBe(clock.now().getTime());
    }
    expect(await sessionRowOf(server.db.prisma, busy.cookie)).toMatchObject({ revokedAt: null });
    await expect(TestSocket.open(app, busy.cookie).then((s) => s.close())).resolves.toBeUndefined();
    clock.advance(29 * MINUTE);
    busy.socket.send({ type: 'ack', seq: 3 });
    expect(await busy.socket.closed).toEqual({ code: 1008, reason: 'session expired' });
    await expect(TestSocket.open(app, busy.cookie)).rejects.toThrow(/401/);
  });

  it('a session revoked elsewhere (another server) closes its open socket at the next check', async () => {
    const { cookie, socket } = await borrower('周八');
    const row = await sessionRowOf(server.db.prisma, cookie);
    await server.db.prisma.webSession.update({ where: { id: row.id }, data: { revokedAt: clock.now(), revokedWhy: 'logout' } });
    socket.say('m2', '你好');
    expect(await socket.closed).toEqual({ code: 1008, reason: 'session expired' });
    expect(socket.messages).toHaveLength(3);
  });

  it('after the SMS code is verified the session gets a new id: the old cookie is refused, the new one keeps the conversation', async () => {
    const { cookie, socket, conversationId } = await borrower('吴九');
    const tag = await tagOf(cookie);
    const otherTab = await TestSocket.open(app, cookie);
    await otherTab.hello(3);
    // Six digits without a verified code: nothing happens.
    socket.say('m2', '123456');
    await socket.messagesUntil(5);
    // The conversation verifies a code (as the application's SMS step does), and the borrower's next code-like message renews.
    const sentAt = clock.now();
    clock.advance(1_000);
    await server.db.prisma.otpChallenge.create({ data: { conversationId, mobileHash: 'm', codeHash: 'c', sentAt, expiresAt: new Date(sentAt.getTime() + 5 * MINUTE), consumedAt: clock.now() } });
    clock.advance(1_000);
    socket.say('m3', '６５４３２１');
    const { ticket } = await socket.waitFor((f): f is SessionFrame => f.type === 'session');
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await otherTab.closed).toEqual({ code: 1008, reason: 'session renewed' });
    await expect(TestSocket.open(app, cookie)).rejects.toThrow(/401/);

    // The page exchanges the ticket for the new cookie: from this site only, once.
    expect((await renew(ticket, { origin: 'https://evil.example' })).statusCode).toBe(403);
    const res = await renew(ticket);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ session: tag, expiresAt: expect.stringMatching(/Z$/) });
    const renewed = setCookieOf(res.headers)!;
    expect(renewed).not.toBe(cookie);
    expect((await renew(ticket)).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/web/session/renew', payload: { ticket: 'x' } })).statusCode).toBe(400);

    // The renewing socket goes on, and the new cookie opens the same conversation.
    socket.say('m4', '继续');
    await socket.messagesUntil(9);
    const again = await TestSocket.open(app, renewed);
    expect(await again.hello(9)).toMatchObject({ session: tag, lastSeq: 9, resumeFrom: 9 });
    again.close();
    // A page load with the old cookie starts over.
    const page = setCookieOf((await app.inject({ url: '/', headers: { cookie } })).headers)!;
    expect(await tagOf(page)).not.toBe(tag);
    expect(await sessionRowOf(server.db.prisma, cookie)).toMatchObject({ revokedWhy: 'renewed' });
    expect(await sessionRowOf(server.db.prisma, renewed)).toMatchObject({ verifiedAt: expect.any(Date), ticketHash: null });
    socket.close();
  });

  it('a renewal ticket not exchanged within a minute is worth nothing', async () => {
    const { socket, conversationId } = await borrower('郑十');
    clock.advance(1_000);
    await server.db.prisma.otpChallenge.create({ data: { conversationId, mobileHash: 'm', codeHash: 'c', sentAt: clock.now(), expiresAt: new Date(clock.now().getTime() + 5 * MINUTE), consumedAt: clock.now() } });
    clock.advance(1_000);
    socket.say('m2', '111111');
    const { ticket } = await socket.waitFor((f): f is SessionFrame => f.type === 'session');
    clock.advance(61_000);
    expect((await renew(ticket)).statusCode).toBe(401);
    socket.close();
  });
});
