import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sessionCookie } from '../channels/web/webSessions.js';
import { AppError } from '../errors.js';
import { audit } from '../services/persistence.js';
import { LOCKOUT, STAFF_ROLES, type StaffAccounts, type StaffPrincipal, type StaffSessions } from '../staff/index.js';
import { clientOrigin } from './clientOrigin.js';
import { STAFF_COOKIE, type StaffAuth } from './staffAuth.js';
import { PUBLIC, STAFF_SECURITY, doc } from './apiSchemas.js';

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
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { accounts, sessions, auth } = deps;
  const actor = (request: FastifyRequest) => ({ actorId: request.staff?.staffId ?? null, origin: clientOrigin(app, request) });
  const audited = (request: FastifyRequest, action: string, detail: Record<string, unknown>) => {
    const origin = clientOrigin(app, request);
    return audit(app.deps.db.prisma, { actorType: 'staff', actorId: request.staff!.staffId, action, subjectType: 'StaffUser', subjectId: request.staff!.staffId, at: app.deps.clock.now().getTime(), detail: { ...detail, ...(origin ? { origin } : {}) } });
  };
  const setCookie = (request: FastifyRequest, reply: FastifyReply, token: string, maxAgeMs: number) =>
    reply.header('set-cookie', sessionCookie(STAFF_COOKIE, token, { maxAgeMs, secure: deps.secureCookies(request), sameSite: 'Strict' }));

  api.post('/api/v1/staff/login', { schema: { ...doc('staff-accounts', 'Log in: a session cookie and the CSRF token · 员工登录', PUBLIC), body: loginBody } }, async (request, reply) => {
    const body = request.body;
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

  api.get('/api/v1/staff/me', { onRequest: auth.require(), schema: { ...doc('staff-accounts', 'Who is logged in, with the session’s CSRF token · 当前员工', STAFF_SECURITY, 'Any staff member.') } }, async (request) => {
    const staff = request.staff!;
    return { staff: me(staff), ...(staff.sessionId ? { csrfToken: sessions.csrfOf(staff.sessionId) } : {}) };
  });

  api.post('/api/v1/staff/logout', { onRequest: auth.require(), schema: { ...doc('staff-accounts', 'Log out this session · 退出登录', STAFF_SECURITY, 'Any staff member.') } }, async (request, reply) => {
    const staff = request.staff!;
    if (staff.sessionId) await sessions.revoke(staff.sessionId, 'logout');
    await audited(request, 'staff.logout', {});
    setCookie(request, reply, '', 0);
    return { ok: true };
  });

  api.post('/api/v1/staff/logout-everywhere', { onRequest: auth.require(), schema: { ...doc('staff-accounts', 'End every session of this staff member · 全部退出', STAFF_SECURITY, 'Any staff member.') } }, async (request, reply) => {
    const staff = request.staff!;
    const ended = await sessions.revokeAll(staff.staffId, 'logout everywhere');
    await audited(request, 'staff.logout_everywhere', { sessions: ended });
    setCookie(request, reply, '', 0);
    return { ok: true, sessionsEnded: ended };
  });

  const admin = auth.require('admin');
  api.get('/api/v1/staff/accounts', { onRequest: admin, schema: { ...doc('staff-accounts', 'Staff accounts · 员工账号列表', STAFF_SECURITY, 'Roles: admin.') } }, async () => ({ accounts: await accounts.list() }));

  api.post('/api/v1/staff/accounts', { onRequest: admin, schema: { ...doc('staff-accounts', 'Create a staff account (a one-time password when none is given) · 新建账号', STAFF_SECURITY, 'Roles: admin.'), body: newAccountBody } }, async (request, reply) => {
    const body = request.body;
    const created = await accounts.create(body, actor(request));
    // The password is shown once: only when it was generated here.
    return reply.code(201).send({ account: created.account, ...(body.password === undefined ? { oneTimePassword: created.password } : {}) });
  });

  api.post('/api/v1/staff/accounts/:id/disable', { onRequest: admin, schema: { ...doc('staff-accounts', 'Disable an account; its sessions end at once · 停用账号', STAFF_SECURITY, 'Roles: admin.'), params: accountParams } }, async (request) => {
    const { id } = request.params;
    const account = await accounts.setActive(id, false, actor(request));
    return { account, sessionsEnded: await sessions.revokeAll(id, 'account disabled') };
  });

  api.post('/api/v1/staff/accounts/:id/enable', { onRequest: admin, schema: { ...doc('staff-accounts', 'Enable an account · 启用账号', STAFF_SECURITY, 'Roles: admin.'), params: accountParams } }, async (request) => {
    const { id } = request.params;
    return { account: await accounts.setActive(id, true, actor(request)) };
  });

  api.post('/api/v1/staff/accounts/:id/reset-password', { onRequest: admin, schema: { ...doc('staff-accounts', 'Reset a password; the account’s sessions end · 重置密码', STAFF_SECURITY, 'Roles: admin.'), params: accountParams, body: resetBody } }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    const reset = await accounts.resetPassword(id, actor(request), body.password);
    const sessionsEnded = await sessions.revokeAll(id, 'password reset');
    return { account: reset.account, sessionsEnded, ...(body.password === undefined ? { oneTimePassword: reset.password } : {}) };
  });
}
