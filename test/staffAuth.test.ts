import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { DEMO_STAFF } from '../server/staff/demoStaff.js';
import { createTestDatabase, staffAuthHeaders, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * Staff identity over HTTP: login to a server-side session (httpOnly, SameSite=Strict cookie; CSRF
 * token for every state-changing request), roles checked on the server for every staff route,
 * lockout after 5 failed logins in 15 minutes, logout / logout everywhere / a disabled account ending
 * sessions at once, idle timeout, and the admin's account routes.
 */
describe(`staff accounts, sessions and roles on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  const clock = manualClock('2026-11-23T02:00:00Z');
  const password = (username: string) => DEMO_STAFF.find((s) => s.username === username)!.password;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', STAFF_SESSION_IDLE_MS: '1800000' }), createLogger('silent'), { clock, spec: createLendingConversation });
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  interface Session {
    readonly cookie: string;
    readonly csrf: string;
  }
  const login = async (username: string, pass = password(username), remoteAddress = '10.9.0.1') =>
    server.app.inject({ method: 'POST', url: '/api/v1/staff/login', remoteAddress, payload: { username, password: pass } });
  const loggedIn = async (username: string, pass?: string): Promise<Session> => {
    const res = await login(username, pass);
    expect(res.statusCode, res.body).toBe(200);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    return { cookie, csrf: (res.json() as { csrfToken: string }).csrfToken };
  };
  const call = (method: 'GET' | 'POST', url: string, as: Session | null, options: { csrf?: boolean; payload?: object; headers?: Record<string, string> } = {}) =>
    server.app.inject({
      method,
      url: `/api/v1/staff${url}`,
      headers: { ...(as ? { cookie: as.cookie } : {}), ...(as && options.csrf !== false && method === 'POST' ? { 'x-csrf-token': as.csrf } : {}), ...options.headers },
      ...(method === 'POST' ? { payload: options.payload ?? {} } : {}),
    });
  const NO_CONVERSATION = '00000000-0000-4000-8000-000000000000';

  it('logs in to an httpOnly, SameSite=Strict session cookie and answers who is logged in', async () => {
    const res = await login('kefu');
    expect(res.statusCode, res.body).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(/^kd_staff=st1\.[\w-]{43}\.[\w-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    expect(res.json()).toMatchObject({ staff: { username: 'kefu', displayName: '小王', employeeNo: 'KF001', roles: ['agent'] }, csrfToken: expect.any(String) });
    expect(JSON.stringify(res.json())).not.toContain('passwordHash');
    const session = await loggedIn('kefu');
    expect((await call('GET', '/me', session)).json()).toMatchObject({ staff: { username: 'kefu' }, csrfToken: session.csrf });
    expect((await call('GET', '/me', null)).statusCode).toBe(401);
    expect(await server.db.prisma.auditLog.count({ where: { action: 'staff.login', subjectId: (res.json() as { staff: { id: string } }).staff.id } })).toBe(2);
  });

  it('checks roles on the server for every staff route: each role, no session, a borrower\'s cookie, the service token', async () => {
    const as = Object.fromEntries(await Promise.all(DEMO_STAFF.map(async (s) => [s.username, await loggedIn(s.username)] as const)));
    const page = await server.app.inject({ url: '/' });
    const borrowerCookie = String(page.headers['set-cookie']).split(';')[0]!;
    const routes: { method: 'GET' | 'POST'; url: string; allowed: readonly string[]; ok: number }[] = [
      { method: 'GET', url: '/conversations', allowed: ['kefu', 'zhuguan'], ok: 200 },
      { method: 'GET', url: `/conversations/${NO_CONVERSATION}/messages`, allowed: ['kefu', 'zhuguan'], ok: 404 },
      { method: 'POST', url: `/conversations/${NO_CONVERSATION}/takeover`, allowed: ['kefu', 'zhuguan'], ok: 404 },
      { method: 'POST', url: `/conversations/${NO_CONVERSATION}/handback`, allowed: ['kefu', 'zhuguan'], ok: 404 },
      { method: 'GET', url: '/accounts', allowed: ['admin'], ok: 200 },
      { method: 'GET', url: '/me', allowed: DEMO_STAFF.map((s) => s.username), ok: 200 },
    ];
    for (const route of routes) {
      for (const s of DEMO_STAFF) {
        const res = await call(route.method, route.url, as[s.username]!);
        expect(res.statusCode, `${route.method} ${route.url} as ${s.username}: ${res.body}`).toBe(route.allowed.includes(s.username) ? route.ok : 403);
      }
      expect((await call(route.method, route.url, null)).statusCode, `${route.url} without a session`).toBe(401);
      expect((await call(route.method, route.url, null, { headers: { cookie: borrowerCookie } })).statusCode, `${route.url} with a borrower's cookie`).toBe(401);
      expect((await call(route.method, route.url, null, { headers: { cookie: 'kd_staff=st1.forged.forged' } })).statusCode).toBe(401);
    }
    // The service token is the api-service account: agent and supervisor, not admin.
    expect((await call('GET', '/conversations', null, { headers: staffAuthHeaders })).statusCode).toBe(200);
    expect((await call('GET', '/accounts', null, { headers: staffAuthHeaders })).statusCode).toBe(403);
  });

  it('refuses a state-changing request without the session\'s CSRF token', async () => {
    const kefu = await loggedIn('kefu');
    const other = await loggedIn('zhuguan');
    expect((await call('POST', `/conversations/${NO_CONVERSATION}/takeover`, kefu, { csrf: false })).json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
    expect((await call('POST', `/conversations/${NO_CONVERSATION}/takeover`, kefu, { csrf: false, headers: { 'x-csrf-token': other.csrf } })).statusCode).toBe(403);
    expect((await call('POST', `/conversations/${NO_CONVERSATION}/takeover`, kefu)).statusCode).toBe(404); // past auth and CSRF
  });

  it('locks a username after 5 wrong passwords in 15 minutes, audited, whatever the password then; open again after the window', async () => {
    for (let i = 0; i < 5; i++) expect((await login('shenpi', `wrong-password-${i}`)).json()).toMatchObject({ error: { code: 'LOGIN_FAILED' } });
    const locked = await login('shenpi');
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ error: { code: 'ACCOUNT_LOCKED' } });
    expect(await server.db.prisma.auditLog.count({ where: { action: 'staff.login_failed', subjectId: 'shenpi' } })).toBe(5);
    expect(await server.db.prisma.auditLog.count({ where: { action: 'staff.locked', subjectId: 'shenpi' } })).toBe(1);
    expect(await server.db.prisma.auditLog.count({ where: { action: 'staff.login_locked', subjectId: 'shenpi' } })).toBe(1);
    // An unknown user is answered like a wrong password.
    expect((await login('nobody-here', 'whatever-password')).json()).toMatchObject({ error: { code: 'LOGIN_FAILED' } });
    clock.advance(15 * 60_000 + 1);
    expect((await login('shenpi')).statusCode).toBe(200);
  });

  it('logout ends the session on the server; logout everywhere ends every session; the idle timeout ends one', async () => {
    const one = await loggedIn('jingli');
    const two = await loggedIn('jingli');
    const out = await call('POST', '/logout', one);
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await call('GET', '/me', one)).statusCode).toBe(401); // the copied cookie is dead
    expect((await call('GET', '/me', two)).statusCode).toBe(200);
    const three = await loggedIn('jingli');
    expect((await call('POST', '/logout-everywhere', three)).json()).toMatchObject({ ok: true, sessionsEnded: expect.any(Number) });
    expect((await call('GET', '/me', two)).statusCode).toBe(401);
    expect((await call('GET', '/me', three)).statusCode).toBe(401);
    const idle = await loggedIn('jingli');
    clock.advance(30 * 60_000);
    expect((await call('GET', '/me', idle)).statusCode).toBe(401);
    expect(await server.db.prisma.auditLog.count({ where: { action: { in: ['staff.logout', 'staff.logout_everywhere'] } } })).toBe(2);
  });

  it('an admin creates an account (a one-time password), disables it (its sessions end at once) and resets a password', async () => {
    const admin = await loggedIn('admin');
    const weak = await call('POST', '/accounts', admin, { payload: { username: 'kefu2', displayName: '客服小刘', roles: ['agent'], password: 'short' } });
    expect(weak.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'password' } });
    const created = await call('POST', '/accounts', admin, { payload: { username: 'kefu2', displayName: '客服小刘', roles: ['agent'], employeeNo: 'KF002', branch: '0736' } });
    expect(created.statusCode, created.body).toBe(201);
    const { account, oneTimePassword } = created.json() as { account: { id: string }; oneTimePassword: string };
    expect(oneTimePassword).toMatch(/^[A-Za-z0-9]{20}$/);
    expect((await call('POST', '/accounts', admin, { payload: { username: 'kefu2', displayName: 'x', roles: ['agent'] } })).statusCode).toBe(409);
    const kefu2 = await loggedIn('kefu2', oneTimePassword);
    expect((await call('POST', `/accounts/${account.id}/disable`, admin)).json()).toMatchObject({ account: { active: false }, sessionsEnded: 1 });
    expect((await call('GET', '/me', kefu2)).statusCode).toBe(401);
    expect((await login('kefu2', oneTimePassword)).json()).toMatchObject({ error: { code: 'LOGIN_FAILED' } });
    await call('POST', `/accounts/${account.id}/enable`, admin);
    const reset = (await call('POST', `/accounts/${account.id}/reset-password`, admin)).json() as { oneTimePassword: string };
    expect((await login('kefu2', oneTimePassword)).statusCode).toBe(401);
    expect((await login('kefu2', reset.oneTimePassword)).statusCode).toBe(200);
    const actions = (await server.db.prisma.auditLog.findMany({ where: { subjectId: account.id, action: { startsWith: 'staff.account' } }, orderBy: { at: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(['staff.account_created', 'staff.account_disabled', 'staff.account_enabled']);
  });
  it('lets admins filter the audit log and export it as CSV (formulas defused), and audits the export', async () => {
    expect((await login('=hyperlink("http://x")', 'wrong-password')).statusCode).toBe(401);
    const admin = await loggedIn('admin');
    const res = await call('GET', '/audit?action=staff.login_failed&subjectId=shenpi', admin);
    expect(res.statusCode, res.body).toBe(200);
    const { entries } = res.json() as { entries: { action: string; subjectId: string; detail: { reason: string } }[] };
    expect(entries).toHaveLength(5);
    expect(entries.every((e) => e.action === 'staff.login_failed' && e.subjectId === 'shenpi' && e.detail.reason === 'wrong password')).toBe(true);
    expect((await call('GET', '/audit?from=yesterday', admin)).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'from' } });
    expect((await call('GET', '/audit', await loggedIn('shenpi'))).statusCode).toBe(403);

    const csv = await call('GET', '/audit.csv?action=staff.login_failed', admin);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="kuaidai-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(csv.body.startsWith('\uFEFFat,actorType,actorId,action,subjectType,subjectId,detail\r\n')).toBe(true);
    expect(csv.body).toContain(`,staff.login_failed,StaffLogin,"'=hyperlink(""http://x"")",`);
    expect(await server.db.prisma.auditLog.count({ where: { action: 'audit.exported' } })).toBe(1);
  });
  it('a person who takes over is shown to the borrower by name and 工号, and the audit names the account', async () => {
    const chat = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'staff-auth-b1', messageId: 'm1', text: '转人工' } });
    expect(chat.statusCode, chat.body).toBe(200);
    const conversation = await server.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'staff-auth-b1' } });
    const kefu = await loggedIn('kefu');
    // A staffName in the body does not change who acts for a person.
    const taken = await call('POST', `/conversations/${conversation.id}/takeover`, kefu, { payload: { staffName: '冒名' } });
    expect(taken.statusCode, taken.body).toBe(200);
    expect((taken.json() as { replies: { text: string }[] }).replies.map((r) => r.text)).toContain('人工客服 小王（工号 KF001）为您服务。');
    const staffId = (await server.db.prisma.staffUser.findUniqueOrThrow({ where: { username: 'kefu' } })).id;
    expect(await server.db.prisma.auditLog.count({ where: { action: 'conversation.takeover', subjectId: conversation.id, actorId: staffId } })).toBe(1);
  });
});
