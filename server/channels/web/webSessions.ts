import { randomBytes } from 'node:crypto';
import { sha256, SignedTokens } from '../../security/signedTokens.js';
import type { Clock } from '../../clock.js';
import type { PrismaClient } from '../../db/index.js';

export interface WebSessionSettings {
  /** SESSION_SECRET: the cookies' signing key is derived from it. */
  readonly secret: string;
  /** A session lapses this long after it was last seen (WEB_SESSION_IDLE_MS). */
  readonly idleMs: number;
  /** ... and this long after it was created, whatever its use (WEB_SESSION_MAX_MS). */
  readonly maxMs: number;
}

/** A valid borrower session, as the server keeps it (all times epoch milliseconds). */
export interface WebSession {
  /** The row id: SHA-256 of the cookie's secret (the table alone gives no cookie). */
  readonly id: string;
  /** The web chat user the conversation is keyed by; kept across a renewal. */
  readonly userId: string;
  readonly createdAt: number;
  /** Absolute end of the session. */
  readonly expiresAt: number;
  /** When the borrower last verified an SMS code in this session; undefined until then. */
  readonly verifiedAt: number | undefined;
}

/** A session and the cookie value that carries it. */
export interface IssuedSession {
  readonly session: WebSession;
  readonly token: string;
}

/** lastSeenAt is written at most this often per session (not once per message). */
export const TOUCH_EVERY_MS = 60_000;
/** A renewal ticket is exchanged for its cookie within this time, once. */
export const TICKET_TTL_MS = 60_000;
/** Rows are deleted this long after they expired. */
const KEEP_EXPIRED_MS = 86_400_000;
const PURGE_EVERY_MS = 3_600_000;

const VERSION = 's1';
const TICKET = /^[A-Za-z0-9_-]{43}$/;


interface SessionRow {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly expiresAt: Date;
  readonly verifiedAt: Date | null;
  readonly revokedAt: Date | null;
}

/**
 * The borrower's web sessions, kept in the database so they can be revoked. The cookie is
 * `s1.<secret>.<hmac>`: 256 random bits and a signature (keyed from SESSION_SECRET), so garbage is
 * refused without a database read; the row is keyed by SHA-256 of the secret. A session is valid
 * while not revoked, before its absolute end (`maxMs` after it began) and less than `idleMs` after it
 * was last seen. After the borrower verifies an SMS code the session is renewed: a new row (same
 * user, same end), the old one revoked, the new cookie handed out once for a one-time ticket.
 */
export class WebSessions {
  private readonly tokens: SignedTokens;
  private lastPurge = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    readonly settings: WebSessionSettings,
  ) {
    // A key of its own, so the secret could serve other purposes without cookies being reusable there.
    this.tokens = new SignedTokens(settings.secret, 'kuaidai web session v2', VERSION);
  }

  /** A fresh web user id: `w_` and 96 random bits. */
  static newUserId(): string {
    return `w_${randomBytes(12).toString('base64url')}`;
  }

  /** A short tag that tells sessions' users apart without revealing the user id. */
  static tagOf(userId: string): string {
    return sha256(userId).slice(0, 12);
  }

  /** The row id a cookie value names, when it is well formed and signed by us (no database read). */
  idOf(token: string | undefined): string | undefined {
    return this.tokens.idOf(token);
  }

  /** The valid session a cookie value carries, seen now; undefined when unknown, revoked, idle or expired. */
  async find(token: string | undefined): Promise<WebSession | undefined> {
    const id = this.idOf(token);
    return id === undefined ? undefined : this.check(id);
  }

  /** The session with this id if it is still valid, seen now (lastSeenAt written at most once a minute). */
  async check(id: string): Promise<WebSession | undefined> {
    const row = await this.prisma.webSession.findUnique({ where: { id } });
    const now = this.clock.now().getTime();
    if (!row || !this.isValid(row, now)) return undefined;
    if (now - row.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
      await this.prisma.webSession.updateMany({ where: { id, revokedAt: null }, data: { lastSeenAt: new Date(now) } });
    }
    return toSession(row);
  }

  /** A new anonymous session with a new user id (so a new conversation). */
  async start(): Promise<IssuedSession> {
    const now = this.clock.now().getTime();
    await this.purge(now);
    const { secret } = this.tokens.mint();
    const row = await this.prisma.webSession.create({
      data: { id: sha256(secret), userId: WebSessions.newUserId(), createdAt: new Date(now), lastSeenAt: new Date(now), expiresAt: new Date(now + this.settings.maxMs) },
    });
    return { session: toSession(row), token: this.tokens.tokenOf(secret) };
  }

  /** Revokes a session (logout); its user when this call revoked it, undefined when it was already. */
  async revoke(id: string, why: string): Promise<{ userId: string } | undefined> {
    const rows = await this.prisma.$queryRaw<{ userId: string }[]>`
      UPDATE "WebSession" SET "revokedAt" = ${this.clock.now()}::timestamptz, "revokedWhy" = ${why} WHERE id = ${id} AND "revokedAt" IS NULL RETURNING "userId"`;
    return rows[0];
  }

  /**
   * When the session's user has used an SMS code up since the session was verified (or began): a new
   * session for the same user and with the same end, verified now, the old one revoked ('renewed'),
   * and the ticket the page exchanges for the new cookie (redeem). Undefined otherwise, or when the
   * session is no longer valid.
   */
  async renewIfCodeVerified(id: string): Promise<{ session: WebSession; ticket: string } | undefined> {
    const current = await this.check(id);
    if (!current) return undefined;
    const conversation = await this.prisma.conversation.findUnique({
      where: { channel_externalUserId_externalChatId: { channel: 'web', externalUserId: current.userId, externalChatId: '' } },
      select: { id: true },
    });
    if (!conversation) return undefined;
    const since = new Date(current.verifiedAt ?? current.createdAt);
    const verified = await this.prisma.otpChallenge.findFirst({ where: { conversationId: conversation.id, consumedAt: { gt: since } }, select: { id: true } });
    if (!verified) return undefined;
    const now = this.clock.now();
    const ticket = randomBytes(32).toString('base64url');
    const newId = sha256(this.secretOfTicket(ticket));
    // One statement: the old session is revoked exactly when the new one is created.
    const rows = await this.prisma.$queryRaw<SessionRow[]>`
      WITH old AS (
        UPDATE "WebSession" SET "revokedAt" = ${now}::timestamptz, "revokedWhy" = 'renewed'
        WHERE id = ${id} AND "revokedAt" IS NULL AND "expiresAt" > ${now}::timestamptz
        RETURNING "userId", "expiresAt")
      INSERT INTO "WebSession" (id, "userId", "createdAt", "lastSeenAt", "expiresAt", "verifiedAt", "ticketHash", "ticketExpiresAt")
      SELECT ${newId}, "userId", ${now}::timestamptz, ${now}::timestamptz, "expiresAt", ${now}::timestamptz, ${sha256(ticket)}, ${new Date(now.getTime() + TICKET_TTL_MS)}::timestamptz FROM old
      RETURNING id, "userId", "createdAt", "lastSeenAt", "expiresAt", "verifiedAt", "revokedAt"`;
    const row = rows[0];
    return row ? { session: toSession(row), ticket } : undefined;
  }

  /** The cookie of the session a renewal ticket was made for: once, within TICKET_TTL_MS. */
  async redeem(ticket: string): Promise<IssuedSession | undefined> {
    if (!TICKET.test(ticket)) return undefined;
    const now = this.clock.now();
    const rows = await this.prisma.$queryRaw<SessionRow[]>`
      UPDATE "WebSession" SET "ticketHash" = NULL, "ticketExpiresAt" = NULL, "lastSeenAt" = ${now}::timestamptz
      WHERE "ticketHash" = ${sha256(ticket)} AND "ticketExpiresAt" > ${now}::timestamptz AND "revokedAt" IS NULL AND "expiresAt" > ${now}::timestamptz
      RETURNING id, "userId", "createdAt", "lastSeenAt", "expiresAt", "verifiedAt", "revokedAt"`;
    const row = rows[0];
    const secret = this.secretOfTicket(ticket);
    if (!row || row.id !== sha256(secret)) return undefined;
    return { session: toSession(row), token: this.tokens.tokenOf(secret) };
  }

  private isValid(row: SessionRow, now: number): boolean {
    return row.revokedAt === null && now < row.expiresAt.getTime() && now - row.lastSeenAt.getTime() < this.settings.idleMs;
  }

  /** Rows that expired more than a day ago go, at most once an hour per process. */
  private async purge(now: number): Promise<void> {
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    await this.prisma.webSession.deleteMany({ where: { expiresAt: { lt: new Date(now - KEEP_EXPIRED_MS) } } });
  }

  /** A renewed session's secret follows from its ticket, so any server can hand out the cookie without storing the secret. */
  private secretOfTicket(ticket: string): string {
    return this.tokens.derive(`renewal ticket ${ticket}`);
  }
}

const toSession = (row: SessionRow): WebSession => ({
  id: row.id,
  userId: row.userId,
  createdAt: row.createdAt.getTime(),
  expiresAt: row.expiresAt.getTime(),
  verifiedAt: row.verifiedAt?.getTime(),
});

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

/** The Set-Cookie value of the session: httpOnly, SameSite=Lax, Secure when served over https; Max-Age 0 clears it. */
export function sessionCookie(name: string, token: string, options: { maxAgeMs: number; secure: boolean; sameSite?: 'Lax' | 'Strict' }): string {
  return [`${name}=${token}`, 'Path=/', `Max-Age=${Math.max(0, Math.round(options.maxAgeMs / 1000))}`, 'HttpOnly', `SameSite=${options.sameSite ?? 'Lax'}`, ...(options.secure ? ['Secure'] : [])].join('; ');
}
