import type { Clock } from '../clock.js';
import type { PrismaClient, StaffRole } from '../db/generated/client.js';
import { AppError } from '../errors.js';
import { audit } from '../services/persistence.js';
import { DUMMY_HASH, generatePassword, hashPassword, passwordProblem, verifyPassword } from './passwords.js';

export const STAFF_ROLES = ['agent', 'supervisor', 'reviewer', 'manager', 'admin'] as const satisfies readonly StaffRole[];

/** What staff pages and the command line see of an account: never its password hash. */
export interface StaffAccount {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly employeeNo: string | null;
  readonly branch: string | null;
  readonly roles: readonly StaffRole[];
  readonly kind: string;
  readonly active: boolean;
  readonly createdAt: string;
}

export interface NewStaffAccount {
  readonly username: string;
  readonly displayName: string;
  readonly roles: readonly StaffRole[];
  readonly employeeNo?: string | undefined;
  readonly branch?: string | undefined;
  /** Unset: a password is generated and returned once. */
  readonly password?: string | undefined;
}

/** Who acted, for the audit log. */
export interface StaffActor {
  readonly actorId: string | null;
  readonly origin?: string | undefined;
}

/** Whether an active admin account exists. Raw SQL: Prisma's `has` on an enum array fails through the driver adapters. */
export async function hasAdmin(prisma: PrismaClient): Promise<boolean> {
  const rows = await prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "StaffUser" WHERE active AND kind = 'person' AND 'admin' = ANY(roles)`;
  return (rows[0]?.n ?? 0) > 0;
}

/** Failed logins per username within the window before the account is locked for the rest of it. */
export const LOCKOUT = { failures: 5, windowMs: 15 * 60_000 } as const;

export type LoginResult = { ok: true; account: StaffAccount } | { ok: false; reason: 'invalid' | 'locked' };

const USERNAME = /^[a-z][a-z0-9._-]{2,31}$/;

const toAccount = (row: { id: string; username: string; displayName: string; employeeNo: string | null; branch: string | null; roles: StaffRole[]; kind: string; active: boolean; createdAt: Date }): StaffAccount => ({
  id: row.id,
  username: row.username,
  displayName: row.displayName,
  employeeNo: row.employeeNo,
  branch: row.branch,
  roles: row.roles,
  kind: row.kind,
  active: row.active,
  createdAt: row.createdAt.toISOString(),
});

/**
 * Staff accounts: create (a generated one-time password, or one given that meets the policy),
 * list, disable (its sessions end: the caller revokes them), reset a password, and log in with a
 * lockout after 5 failures in 15 minutes per username. Failed logins, lockouts and every change are
 * audited; the lockout counts the audit log's failed logins, so it holds across processes and restarts.
 */
export class StaffAccounts {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<StaffAccount[]> {
    const rows = await this.prisma.staffUser.findMany({ orderBy: { username: 'asc' } });
    return rows.map(toAccount);
  }

  async create(input: NewStaffAccount, by: StaffActor): Promise<{ account: StaffAccount; password: string }> {
    const username = input.username.trim().toLowerCase();
    if (!USERNAME.test(username)) throw new AppError('VALIDATION_FAILED', { field: 'username', reason: '3-32 characters: a lowercase letter first, then letters, digits, . _ or -' });
    if (!input.roles.length) throw new AppError('VALIDATION_FAILED', { field: 'roles', reason: `at least one of ${STAFF_ROLES.join(', ')}` });
    const password = input.password ?? generatePassword();
    const problem = passwordProblem(password, username);
    if (problem) throw new AppError('VALIDATION_FAILED', { field: 'password', reason: problem.message });
    const taken = await this.prisma.staffUser.findFirst({ where: { OR: [{ username }, ...(input.employeeNo ? [{ employeeNo: input.employeeNo }] : [])] }, select: { username: true } });
    if (taken) throw new AppError('CONFLICT', { reason: taken.username === username ? `the username ${username} is taken` : `the employee number ${input.employeeNo} is taken` });
    const row = await this.prisma.staffUser.create({
      data: {
        username,
        displayName: input.displayName.trim(),
        roles: [...new Set(input.roles)],
        employeeNo: input.employeeNo?.trim() || null,
        branch: input.branch?.trim() || null,
        passwordHash: await hashPassword(password),
      },
    });
    await this.audited(by, 'staff.account_created', row.id, { username, roles: row.roles, employeeNo: row.employeeNo, branch: row.branch });
    return { account: toAccount(row), password };
  }

  /** The named machine client of STAFF_API_TOKEN: created once, with the roles the token acts with; never logs in. */
  async serviceAccount(username: string, roles: readonly StaffRole[]): Promise<StaffAccount> {
    const row = await this.prisma.staffUser.upsert({
      where: { username },
      create: { username, displayName: '接口服务账号', roles: [...roles], kind: 'service', passwordHash: '' },
      update: {},
    });
    return toAccount(row);
  }

  async setActive(id: string, active: boolean, by: StaffActor): Promise<StaffAccount> {
    const row = await this.prisma.staffUser.update({ where: { id }, data: { active } }).catch(() => null);
    if (!row) throw new AppError('NOT_FOUND', { method: 'POST', url: `staff account ${id}` });
    await this.audited(by, active ? 'staff.account_enabled' : 'staff.account_disabled', id, { username: row.username });
    return toAccount(row);
  }

  /** A new password (generated unless given); the caller ends the account's sessions. */
  async resetPassword(id: string, by: StaffActor, password?: string): Promise<{ account: StaffAccount; password: string }> {
    const row = await this.prisma.staffUser.findUnique({ where: { id } });
    if (!row || row.kind !== 'person') throw new AppError('NOT_FOUND', { method: 'POST', url: `staff account ${id}` });
    const next = password ?? generatePassword();
    const problem = passwordProblem(next, row.username);
    if (problem) throw new AppError('VALIDATION_FAILED', { field: 'password', reason: problem.message });
    const updated = await this.prisma.staffUser.update({ where: { id }, data: { passwordHash: await hashPassword(next) } });
    await this.audited(by, 'staff.password_reset', id, { username: row.username });
    return { account: toAccount(updated), password: next };
  }

  async byUsername(username: string): Promise<StaffAccount | null> {
    const row = await this.prisma.staffUser.findUnique({ where: { username: username.trim().toLowerCase() } });
    return row ? toAccount(row) : null;
  }

  /**
   * Checks a login. An unknown user, a wrong password and a disabled account all answer `invalid`
   * (and take as long); after 5 failures for a username in 15 minutes it answers `locked` without
   * checking the password until the window has passed. Every outcome is audited.
   */
  async login(usernameTyped: string, password: string, origin: string | undefined): Promise<LoginResult> {
    const username = usernameTyped.trim().toLowerCase().slice(0, 64);
    const now = this.clock.now().getTime();
    const failures = await this.prisma.auditLog.count({ where: { action: 'staff.login_failed', subjectId: username, at: { gt: new Date(now - LOCKOUT.windowMs) } } });
    if (failures >= LOCKOUT.failures) {
      await this.audited({ actorId: null, origin }, 'staff.login_locked', username, {}, 'StaffLogin');
      return { ok: false, reason: 'locked' };
    }
    const row = await this.prisma.staffUser.findUnique({ where: { username } });
    const matches = await verifyPassword(password, row && row.kind === 'person' ? row.passwordHash : DUMMY_HASH);
    if (!row || !matches || !row.active || row.kind !== 'person') {
      await this.audited({ actorId: row?.id ?? null, origin }, 'staff.login_failed', username, { reason: !row ? 'unknown user' : !matches ? 'wrong password' : 'account disabled', failures: failures + 1 }, 'StaffLogin');
      if (failures + 1 === LOCKOUT.failures) await this.audited({ actorId: null, origin }, 'staff.locked', username, { until: new Date(now + LOCKOUT.windowMs).toISOString() }, 'StaffLogin');
      return { ok: false, reason: 'invalid' };
    }
    await this.audited({ actorId: row.id, origin }, 'staff.login', row.id, { username });
    return { ok: true, account: toAccount(row) };
  }

  /** Whether an active admin account exists (the console needs one). */
  async hasAdmin(): Promise<boolean> {
    return hasAdmin(this.prisma);
  }

  private audited(by: StaffActor, action: string, subjectId: string, detail: Record<string, unknown>, subjectType = 'StaffUser'): Promise<void> {
    return audit(this.prisma, { actorType: 'staff', actorId: by.actorId, action, subjectType, subjectId, at: this.clock.now().getTime(), detail: { ...detail, ...(by.origin ? { origin: by.origin } : {}) } });
  }
}
