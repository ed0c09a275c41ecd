import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Who a web session is: a random user id the runtime keys the conversation by, and when it lapses. */
export interface WebSession {
  readonly userId: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

const VERSION = 'v1';
const USER_ID = /^w_[A-Za-z0-9_-]{16}$/;

/**
 * The borrower's browser session: a signed, expiring token `v1.<userId>.<expires>.<hmac>` in an
 * httpOnly cookie. Nothing secret is in it; the HMAC (keyed from SESSION_SECRET) makes it
 * unforgeable, so a socket only ever serves the conversation of the user its cookie names.
 */
export class SessionTokens {
  private readonly key: Buffer;

  constructor(
    secret: string,
    readonly ttlMs: number,
  ) {
    // A key of its own, so the secret could serve other purposes without tokens being reusable there.
    this.key = createHmac('sha256', secret).update('kuaidai web session token v1').digest();
  }

  /** A fresh web user id: `w_` and 96 random bits. */
  static newUserId(): string {
    return `w_${randomBytes(12).toString('base64url')}`;
  }

  /** A short tag that tells sessions apart without revealing the user id. */
  static tagOf(userId: string): string {
    return createHash('sha256').update(userId).digest('base64url').slice(0, 12);
  }

  issue(userId: string, now: number): { token: string; session: WebSession } {
    const expiresAt = now + this.ttlMs;
    const body = `${VERSION}.${userId}.${Math.floor(expiresAt / 1000).toString(36)}`;
    return { token: `${body}.${this.sign(body)}`, session: { userId, expiresAt: Math.floor(expiresAt / 1000) * 1000 } };
  }

  /** The session a token names, or undefined when it is malformed, forged or expired. */
  verify(token: string | undefined, now: number): WebSession | undefined {
    if (!token || token.length > 200) return undefined;
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
    const [, userId, expires, signature] = parts as [string, string, string, string];
    if (!USER_ID.test(userId) || !/^[0-9a-z]{1,10}$/.test(expires)) return undefined;
    const expected = Buffer.from(this.sign(`${VERSION}.${userId}.${expires}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const expiresAt = parseInt(expires, 36) * 1000;
    return expiresAt > now ? { userId, expiresAt } : undefined;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** The value of one cookie from a Cookie header (the first, as browsers send the most specific first). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}

/** The Set-Cookie value of the session: httpOnly, SameSite=Lax, Secure when served over https. */
export function sessionCookie(name: string, token: string, options: { maxAgeMs: number; secure: boolean }): string {
  return [`${name}=${token}`, 'Path=/', `Max-Age=${Math.floor(options.maxAgeMs / 1000)}`, 'HttpOnly', 'SameSite=Lax', ...(options.secure ? ['Secure'] : [])].join('; ');
}
