import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from '../../../test/support/testDatabase.js';
import { bootServer, type Server } from '../../boot.js';
import { manualClock } from '../../clock.js';
import { createLogger } from '../../logging/index.js';
import { readCookie, sessionCookie, TICKET_TTL_MS, WebSessions } from './webSessions.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const clock = manualClock('2026-11-22T12:00:00Z');
let database: TestDatabase;
let server: Server;
let sessions: WebSessions;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await bootServer(testConfig(database), createLogger('silent'));
  sessions = new WebSessions(server.db.prisma, clock, { secret: 'a-test-secret-that-is-long-enough-000', idleMs: 30 * MINUTE, maxMs: 12 * HOUR });
});
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

describe(`WebSessions on ${testDatabaseKind()}`, () => {
  it('issues a random secret in a signed cookie; the row is keyed by its hash, and garbage is refused without a read', async () => {
    const { token, session } = await sessions.start();
    expect(token).toMatch(/^s1\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(session.userId).toMatch(/^w_[A-Za-z0-9_-]{16}$/);
    expect(session.expiresAt).toBe(clock.now().getTime() + 12 * HOUR);
    const row = await server.db.prisma.webSession.findUniqueOrThrow({ where: { id: session.id } });
    expect(JSON.stringify(row)).not.toContain(token.split('.')[1]);
    expect(await sessions.find(token)).toEqual(session);
    const [v, secret, signature] = token.split('.');
    for (const junk of [undefined, '', 'v1.w_AAAAAAAAAAAAAAAA.1.x', `${v}.${'A'.repeat(43)}.${signature}`, `${v}.${secret}.${'A'.repeat(43)}`, 'x'.repeat(500)]) {
      expect(sessions.idOf(junk)).toBeUndefined();
    }
    const other = new WebSessions(server.db.prisma, clock, { ...sessions.settings, secret: 'another-secret-that-is-long-enough-111' });
    expect(other.idOf(token)).toBeUndefined();
  });

  it('lapses after the idle timeout, is kept alive by use (seen at most once a minute), and ends at its absolute lifetime', async () => {
    const idle = await sessions.start();
    clock.advance(30 * MINUTE);
    expect(await sessions.find(idle.token)).toBeUndefined();

    const used = await sessions.start();
    const lastSeen = async () => (await server.db.prisma.webSession.findUniqueOrThrow({ where: { id: used.session.id } })).lastSeenAt.getTime();
    const began = await lastSeen();
    clock.advance(30_000);
    expect(await sessions.find(used.token)).toBeDefined();
    expect(await lastSeen(), 'not written again within a minute').toBe(began);
    // Used every 20 minutes for 12 hours: alive until the absolute end, not a moment after.
    for (let t = 20 * MINUTE; t < 12 * HOUR; t += 20 * MINUTE) {
      clock.set(new Date(began + t));
      expect(await sessions.find(used.token), `at ${t / MINUTE} min`).toBeDefined();
    }
    expect(await lastSeen()).toBeGreaterThan(began + 11 * HOUR);
    clock.set(new Date(began + 12 * HOUR));
    expect(await sessions.find(used.token)).toBeUndefined();
  });

  it('is refused once revoked', async () => {
    const { token, session } = await sessions.start();
    expect(await sessions.revoke(session.id, 'logout')).toEqual({ userId: session.userId });
    expect(await sessions.revoke(session.id, 'logout')).toBeUndefined();
    expect(await sessions.find(token)).toBeUndefined();
    expect(await server.db.prisma.webSession.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ revokedWhy: 'logout', revokedAt: clock.now() });
  });

  it('is renewed once an SMS code of its conversation was used up; the ticket gives the new cookie once, within a minute', async () => {
    const { token, session } = await sessions.start();
    expect(await sessions.renewIfCodeVerified(session.id), 'no conversation yet').toBeUndefined();
    const conversation = await server.db.prisma.conversation.create({ data: { channel: 'web', externalUserId: session.userId, machineId: 'test', machineVersion: 1 } });
    const challenge = { conversationId: conversation.id, mobileHash: 'm', codeHash: 'c', sentAt: clock.now(), expiresAt: new Date(clock.now().getTime() + 5 * MINUTE) };
    await server.db.prisma.otpChallenge.create({ data: challenge });
    expect(await sessions.renewIfCodeVerified(session.id), 'a code sent, not used').toBeUndefined();
    clock.advance(1_000);
    await server.db.prisma.otpChallenge.create({ data: { ...challenge, consumedAt: clock.now() } });
    clock.advance(1_000);

    const renewed = (await sessions.renewIfCodeVerified(session.id))!;
    expect(renewed.session).toMatchObject({ userId: session.userId, expiresAt: session.expiresAt, verifiedAt: clock.now().getTime() });
    expect(renewed.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await sessions.find(token), 'the old cookie').toBeUndefined();
    expect(await server.db.prisma.webSession.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ revokedWhy: 'renewed' });
    // The same code does not renew the new session again.
    expect(await sessions.renewIfCodeVerified(renewed.session.id)).toBeUndefined();

    const cookie = (await sessions.redeem(renewed.ticket))!;
    expect(cookie.session).toEqual(renewed.session);
    expect(await sessions.find(cookie.token)).toEqual(renewed.session);
    expect(await sessions.redeem(renewed.ticket), 'used once').toBeUndefined();

    // A later code (the step-up before a drawdown) renews again; a ticket not redeemed in time is worth nothing.
    clock.advance(1_000);
    await server.db.prisma.otpChallenge.create({ data: { ...challenge, consumedAt: clock.now() } });
    clock.advance(1_000);
    const again = (await sessions.renewIfCodeVerified(renewed.session.id))!;
    clock.advance(TICKET_TTL_MS);
    expect(await sessions.redeem(again.ticket)).toBeUndefined();
    expect(await sessions.redeem('A'.repeat(43))).toBeUndefined();
    expect(await sessions.redeem('not a ticket')).toBeUndefined();
  });

  it('deletes sessions that expired more than a day ago when issuing', async () => {
    const old = await sessions.start();
    clock.advance(12 * HOUR + 25 * HOUR);
    await sessions.start();
    expect(await server.db.prisma.webSession.findUnique({ where: { id: old.session.id } })).toBeNull();
  });
});

describe('cookies', () => {
  it('reads one cookie out of a header', () => {
    expect(readCookie('a=1; kd_session=s1.x.y; b=2', 'kd_session')).toBe('s1.x.y');
    expect(readCookie('kd_session="quoted"', 'kd_session')).toBe('quoted');
    expect(readCookie('xkd_session=1', 'kd_session')).toBeUndefined();
    expect(readCookie(undefined, 'kd_session')).toBeUndefined();
  });

  it('writes an httpOnly, SameSite=Lax cookie, Secure over https, and clears it with Max-Age=0', () => {
    expect(sessionCookie('kd_session', 't', { maxAgeMs: HOUR, secure: false })).toBe('kd_session=t; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax');
    expect(sessionCookie('kd_session', 't', { maxAgeMs: HOUR, secure: true })).toMatch(/; Secure$/);
    expect(sessionCookie('kd_session', '', { maxAgeMs: 0, secure: false })).toBe('kd_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax');
  });

  it('tags a user without revealing the id', () => {
    const tag = WebSessions.tagOf('w_AAAAAAAAAAAAAAAA');
    expect(tag).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(tag).not.toContain('AAAA');
    expect(WebSessions.tagOf('w_AAAAAAAAAAAAAAAA')).toBe(tag);
  });
});
