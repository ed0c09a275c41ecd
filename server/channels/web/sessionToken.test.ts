import { describe, expect, it } from 'vitest';
import { readCookie, sessionCookie, SessionTokens } from './sessionToken.js';

const HOUR = 3_600_000;
const tokens = new SessionTokens('a-test-secret-that-is-long-enough-000', 24 * HOUR);
const now = Date.UTC(2026, 10, 22, 12);

describe('SessionTokens', () => {
  it('issues a token naming the user that verifies until it expires', () => {
    const userId = SessionTokens.newUserId();
    expect(userId).toMatch(/^w_[A-Za-z0-9_-]{16}$/);
    const { token, session } = tokens.issue(userId, now);
    expect(token.split('.')).toHaveLength(4);
    expect(session.expiresAt).toBe(now + 24 * HOUR);
    expect(tokens.verify(token, now + 23 * HOUR)).toEqual({ userId, expiresAt: now + 24 * HOUR });
    expect(tokens.verify(token, now + 24 * HOUR)).toBeUndefined();
  });

  it('rejects forged, altered and foreign tokens', () => {
    const { token } = tokens.issue(SessionTokens.newUserId(), now);
    const [v, , expires, signature] = token.split('.');
    expect(tokens.verify(`${v}.${SessionTokens.newUserId()}.${expires}.${signature}`, now)).toBeUndefined();
    expect(tokens.verify(`${v}.${token.split('.')[1]}.${(parseInt(expires!, 36) + 999_999).toString(36)}.${signature}`, now)).toBeUndefined();
    expect(tokens.verify(token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), now)).toBeUndefined();
    expect(new SessionTokens('another-secret-that-is-long-enough-111', HOUR).verify(token, now)).toBeUndefined();
    for (const junk of [undefined, '', 'v1', 'v2.w_AAAAAAAAAAAAAAAA.1.x', 'x'.repeat(500)]) expect(tokens.verify(junk, now)).toBeUndefined();
  });

  it('tags a session without revealing its user id', () => {
    const tag = SessionTokens.tagOf('w_AAAAAAAAAAAAAAAA');
    expect(tag).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(tag).not.toContain('AAAA');
    expect(SessionTokens.tagOf('w_AAAAAAAAAAAAAAAA')).toBe(tag);
  });
});

describe('cookies', () => {
  it('reads one cookie out of a header', () => {
    expect(readCookie('a=1; kd_session=v1.x.y.z; b=2', 'kd_session')).toBe('v1.x.y.z');
    expect(readCookie('kd_session="quoted"', 'kd_session')).toBe('quoted');
    expect(readCookie('xkd_session=1', 'kd_session')).toBeUndefined();
    expect(readCookie(undefined, 'kd_session')).toBeUndefined();
  });

  it('writes an httpOnly, SameSite=Lax cookie, Secure over https', () => {
    expect(sessionCookie('kd_session', 't', { maxAgeMs: HOUR, secure: false })).toBe('kd_session=t; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax');
    expect(sessionCookie('kd_session', 't', { maxAgeMs: HOUR, secure: true })).toMatch(/; Secure$/);
  });
});
