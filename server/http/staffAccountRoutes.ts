import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sessionCookie } from '../channels/web/webSessions.js';
import { AppError } from '../errors.js';
import { audit } from '../services/persistence.js';
import { LOCKOUT, STAFF_ROLES, type StaffAccounts, type StaffPrincipal, type StaffSessions } from '../staff/index.js';
import { clientOrigin } from './clientOrigin.js';
import { parseInput } from './parseInput.js';
import { STAFF_COOKIE, type StaffAuth } from './staffAuth.js';

const loginBody = z.object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) });
const roles = z.array(z.enum(STAFF_ROLES)).min(1).max(STAFF_ROLES.length);
const newAccountBody = z.object({
  username: z.string().trim().min(3).max(32),
  displayName: z.string().trim().min(1).max(32),
  roles,
  employeeNo: z.string().trim().min(1).max(32).optional(),
  branch: z.string().trim().min(1).max(32).optional(),
  password: z.string().min(1).max(256).optional(),
});
const accountParams = z.object({ id: z.uuid({ error: 'must be a staff account id (UUID)' }) });
const resetBody = z.object({ password: z.string().min(1).max(256).optional() }).default({});

export interface StaffAccountRoutesDeps {
  readonly accounts: StaffAccounts;
  readonly sessions: StaffSessions;
  readonly auth: StaffAuth;
  /** Whether cookies are marked Secure: always in production, else when the page is served over https. */
  readonly secureCookies: (request: FastifyRequest) => boolean;
  /** Production: the console opens only once an active admin account exists (none are seeded there). */
  readonly requireAdmin: boolean;
}

const me = (p: StaffPrincipal) => ({ id: p.staffId, username: p.username, displayName: p.displayName, employeeNo: p.employeeNo, roles: p.roles, kind: p.kind });

/**
 * Staff identity over HTTP: login (a server-side session in an httpOnly, SameSite=Strict cookie;
 * the CSRF token in the answer), the current staff member, logout and logout everywhere; and, for
 * admins (or the local command line), the accounts: list, create, disable, enable, reset a password.
 * Disabling an account or resetting its password ends its sessions at once. Every act is audited.
 */
export function staffAccountRoutes(app: FastifyInstance, deps: StaffAccountRoutesDeps): void {
  const { accounts, sessions, auth } = deps;
  const actor = (request: FastifyRequest) => ({ actorId: request.staff?.staffId ?? null, origin: clientOrigin(app, request) });
  const audited = (request: FastifyRequest, action: string, detail: Record<string, unknown>) => {
    const origin = clientOrigin(app, request);
    return audit(app.deps.db.prisma, { actorType: 'staff', actorId: request.staff!.staffId, action, subjectType: 'StaffUser', subjectId: request.staff!.staffId, at: app.deps.clock.now().getTime(), detail: { ...detail, ...(origin ? { origin } : {}) } });
  };
  const setCookie = (request: FastifyRequest, reply: FastifyReply, token: string, maxAgeMs: number) =>
    reply.header('set-cookie', sessionCookie(STAFF_COOKIE, token, { maxAgeMs, secure: deps.secureCookies(request), sameSite: 'Strict' }));

  app.post('/api/v1/staff/login', async (request, reply) => {
    const body = parseInput(loginBody, request.body);
    if (deps.requireAdmin && !(await accounts.hasAdmin())) {
      throw new AppError('CONSOLE_UNAVAILABLE', { reason: 'create one on the server with `npm run staff -- add --username <u> --name <n> --roles admin`' });
    }
    const origin = clientOrigin(app, request);
    const result = await accounts.login(body.username, body.password, origin);
    if (!result.ok) throw result.reason === 'locked' ? new AppError('ACCOUNT_LOCKED', { minutes: LOCKOUT.windowMs / 60_000 }) : new AppError('LOGIN_FAILED');
    const started = await sessions.start(result.account.id, origin);
    setCookie(request, reply, started.token, started.expiresAt - app.deps.clock.now().getTime());
    const { account } = result;
    return { staff: { id: account.id, username: account.username, displayName: account.displayName, employeeNo: account.employeeNo, roles: account.roles, kind: account.kind }, csrfToken: started.csrfToken, expiresAt: new Date(started.expiresAt).toISOString() };
  });

  app.get('/api/v1/staff/me', { onRequest: auth.require() }, async (request) => {
    const staff = request.staff!;
    return { staff: me(staff), ...(staff.sessionId ? { csrfToken: sessions.csrfOf(staff.sessionId) } : {}) };
  });

  app.post('/api/v1/staff/logout', { onRequest: auth.require() }, async (request, reply) => {
    const staff = request.staff!;
    if (staff.sessionId) await sessions.revoke(staff.sessionId, 'logout');
    await audited(request, 'staff.logout', {});
    setCookie(request, reply, '', 0);
    return { ok: true };
  });

  app.post('/api/v1/staff/logout-everywhere', { onRequest: auth.require() }, async (request, reply) => {
    const staff = request.staff!;
    const ended = await sessions.revokeAll(staff.staffId, 'logout everywhere');
    await audited(request, 'staff.logout_everywhere', { sessions: ended });
    setCookie(request, reply, '', 0);
    return { ok: true, sessionsEnded: ended };
  });

  const admin = auth.require('admin');
  app.get('/api/v1/staff/accounts', { onRequest: admin }, async () => ({ accounts: await accounts.list() }));

  app.post('/api/v1/staff/accounts', { onRequest: admin }, async (request, reply) => {
    const body = parseInput(newAccountBody, request.body);
    const created = await accounts.create(body, actor(request));
    // The password is shown once: only when it was generated here.
    return reply.code(201).send({ account: created.account, ...(body.password === undefined ? { oneTimePassword: created.password } : {}) });
  });

  app.post('/api/v1/staff/accounts/:id/disable', { onRequest: admin }, async (request) => {
    const { id } = parseInput(accountParams, request.params);
    const account = await accounts.setActive(id, false, actor(request));
    return { account, sessionsEnded: await sessions.revokeAll(id, 'account disabled') };
  });

  app.post('/api/v1/staff/accounts/:id/enable', { onRequest: admin }, async (request) => {
    const { id } = parseInput(accountParams, request.params);
    return { account: await accounts.setActive(id, true, actor(request)) };
  });

  app.post('/api/v1/staff/accounts/:id/reset-password', { onRequest: admin }, async (request) => {
    const { id } = parseInput(accountParams, request.params);
    const body = parseInput(resetBody, request.body ?? {});
    const reset = await accounts.resetPassword(id, actor(request), body.password);
    const sessionsEnded = await sessions.revokeAll(id, 'password reset');
    return { account: reset.account, sessionsEnded, ...(body.password === undefined ? { oneTimePassword: reset.password } : {}) };
  });
}
