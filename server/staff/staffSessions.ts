import type { Clock } from '../clock.js';
import type { PrismaClient, StaffRole } from '../db/generated/client.js';
import { SignedTokens } from '../security/signedTokens.js';

export interface StaffSessionSettings {
  /** Signs the cookies (SESSION_SECRET; a purpose of its own). */
  readonly secret: string;
  /** A session unused this long ends (STAFF_SESSION_IDLE_MS). */
  readonly idleMs: number;
  /** A session ends this long after login whatever its use (STAFF_SESSION_MAX_MS). */
  readonly maxMs: number;
}

/** Who a valid staff session belongs to, as the routes need it. */
export interface StaffPrincipal {
  readonly staffId: string;
  readonly username: string;
  readonly displayName: string;
  readonly employeeNo: string | null;
  readonly roles: readonly StaffRole[];
  /** `person`, or `service` (the STAFF_API_TOKEN machine client). */
  readonly kind: string;
  /** The session, for a person in the console; absent for the token. */
  readonly sessionId?: string;
}

/** The session's last use is written at most this often. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Staff console sessions, kept in the database: the cookie is a signed random secret
 * (SignedTokens), the row keyed by its hash. Valid while not revoked, within the idle timeout of
 * its last use and before its absolute end, and while the account is active: disabling an
 * account ends its sessions at once (they are revoked, and checked against the account anyway).
 * Each session has a CSRF token derived from it, which every state-changing request must carry.
 */
export class StaffSessions {
  private readonly tokens: SignedTokens;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    readonly settings: StaffSessionSettings,
  ) {
    this.tokens = new SignedTokens(settings.secret, 'kuaidai staff session v1', 'st1');
  }

  /** A new session for a staff member who just logged in: the cookie value, its CSRF token and when it ends. */
  async start(staffId: string, origin: string | undefined): Promise<{ token: string; csrfToken: string; expiresAt: number }> {
    const { token, id } = this.tokens.mint();
    const now = this.clock.now().getTime();
    const expiresAt = now + this.settings.maxMs;
    await this.prisma.staffSession.create({ data: { id, staffId, createdAt: new Date(now), lastSeenAt: new Date(now), expiresAt: new Date(expiresAt), origin: origin ?? null } });
    return { token, csrfToken: this.csrfOf(id), expiresAt };
  }

  /** The staff member a cookie value's session belongs to, seen now; undefined when unknown, revoked, idle, expired or the account is disabled. */
  async find(token: string | undefined): Promise<StaffPrincipal | undefined> {
    const id = this.tokens.idOf(token);
    if (id === undefined) return undefined;
    const row = await this.prisma.staffSession.findUnique({ where: { id } });
    const now = this.clock.now().getTime();
    if (!row || row.revokedAt !== null || now >= row.expiresAt.getTime() || now - row.lastSeenAt.getTime() >= this.settings.idleMs) return undefined;
    const staff = await this.prisma.staffUser.findUnique({ where: { id: row.staffId } });
    if (!staff?.active) return undefined;
    if (now - row.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await this.prisma.staffSession.updateMany({ where: { id, revokedAt: null }, data: { lastSeenAt: new Date(now) } });
    return { staffId: staff.id, username: staff.username, displayName: staff.displayName, employeeNo: staff.employeeNo, roles: staff.roles, kind: staff.kind, sessionId: id };
  }

  /** The CSRF token of a session: derived from it, so nothing more is stored. */
  csrfOf(sessionId: string): string {
    return this.tokens.derive(`csrf ${sessionId}`);
  }

  /** Whether `given` is the session's CSRF token (constant time). */
  csrfMatches(sessionId: string, given: string | undefined): boolean {
    return this.tokens.matchesDerived(`csrf ${sessionId}`, given);
  }

  /** Ends one session (logout). */
  async revoke(sessionId: string, why: string): Promise<void> {
    await this.prisma.staffSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: this.clock.now(), revokedWhy: why } });
  }

  /** Ends every session of a staff member (logout everywhere, account disabled, password reset); how many were open. */
  async revokeAll(staffId: string, why: string): Promise<number> {
    const { count } = await this.prisma.staffSession.updateMany({ where: { staffId, revokedAt: null }, data: { revokedAt: this.clock.now(), revokedWhy: why } });
    return count;
  }
}
