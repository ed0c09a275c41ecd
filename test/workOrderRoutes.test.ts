import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { DEMO_STAFF } from '../server/staff/demoStaff.js';
import { createTestDatabase, staffAuthHeaders, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The work-order API over HTTP: every route × every role (and no session, the service token, a
 * missing CSRF token), then an order's life as an agent and a supervisor see it, and a borrower's
 * complaint escalated to the supervisors by the scheduler.
 */
describe(`work-order routes on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  const clock = manualClock('2026-12-07T02:00:00Z'); // Monday 10:00 in Shanghai
  const password = (username: string) => DEMO_STAFF.find((s) => s.username === username)!.password;

  interface Session {
    readonly cookie: string;
    readonly csrf: string;
  }
  const sessions = new Map<string, Session>();
  const as = async (username: string): Promise<Session> => {
    const known = sessions.get(username);
    if (known) return known;
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/staff/login', remoteAddress: '10.9.0.2', payload: { username, password: password(username) } });
    expect(res.statusCode, res.body).toBe(200);
    const session = { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: (res.json() as { csrfToken: string }).csrfToken };
    sessions.set(username, session);
    return session;
  };
  const call = (method: 'GET' | 'POST', url: string, who: Session | null, payload?: object, options: { csrf?: boolean } = {}) =>
    server.app.inject({
      method,
      url: `/api/v1/staff${url}`,
      headers: { ...(who ? { cookie: who.cookie } : {}), ...(who && method === 'POST' && options.csrf !== false ? { 'x-csrf-token': who.csrf } : {}) },
      ...(method === 'POST' ? { payload: payload ?? {} } : {}),
    });
  const NONE = '00000000-0000-4000-8000-000000000000';

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', RATE_LIMIT_PER_USER: '100000', RATE_LIMIT_PER_IP: '100000' }), createLogger('silent'), { clock, spec: createLendingConversation });
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  it('checks roles on every work-order and notice route: agents and supervisors act, reviewers read, supervisors see the team', async () => {
    type Role = (typeof DEMO_STAFF)[number]['roles'][number];
    const ACT: Role[] = ['agent', 'supervisor'];
    const READ: Role[] = ['agent', 'supervisor', 'reviewer'];
    const ANY: Role[] = ['agent', 'supervisor', 'reviewer', 'manager', 'admin'];
    const routes: { method: 'GET' | 'POST'; url: string; payload?: object; roles: readonly Role[]; ok: number }[] = [
      { method: 'GET', url: '/work-orders', roles: READ, ok: 200 },
      { method: 'GET', url: '/work-orders/team', roles: ['supervisor'], ok: 200 },
      { method: 'GET', url: `/work-orders/${NONE}`, roles: READ, ok: 404 },
      { method: 'GET', url: '/work-orders/GD20261207-9999', roles: READ, ok: 404 },
      { method: 'POST', url: '/work-orders', payload: { title: '客户来电', reason: '要求回电核实还款' }, roles: ACT, ok: 201 },
      { method: 'POST', url: `/work-orders/${NONE}/assign`, payload: { assigneeId: 'me' }, roles: ACT, ok: 404 },
      { method: 'POST', url: `/work-orders/${NONE}/transition`, payload: { to: 'in_progress' }, roles: ACT, ok: 404 },
      { method: 'POST', url: `/work-orders/${NONE}/priority`, payload: { priority: 'high' }, roles: ACT, ok: 404 },
      { method: 'POST', url: `/work-orders/${NONE}/notes`, payload: { text: '备注' }, roles: ACT, ok: 404 },
      { method: 'GET', url: '/notices', roles: ANY, ok: 200 },
      { method: 'POST', url: '/notices/read', payload: { all: true }, roles: ANY, ok: 200 },
    ];
    for (const route of routes) {
      for (const staff of DEMO_STAFF) {
        const res = await call(route.method, route.url, await as(staff.username), route.payload);
        const allowed = staff.roles.some((r) => route.roles.includes(r));
        expect(res.statusCode, `${route.method} ${route.url} as ${staff.username}: ${res.body}`).toBe(allowed ? route.ok : 403);
      }
      expect((await call(route.method, route.url, null, route.payload)).statusCode, `${route.url} without a session`).toBe(401);
      // The service account (STAFF_API_TOKEN) is an agent and a supervisor.
      const token = await server.app.inject({ method: route.method, url: `/api/v1/staff${route.url}`, headers: staffAuthHeaders, ...(route.method === 'POST' ? { payload: route.payload ?? {} } : {}) });
      expect(token.statusCode, `${route.url} with the service token: ${token.body}`).toBe(route.ok);
      if (route.method === 'POST') expect((await call('POST', route.url, await as('zhuguan'), route.payload, { csrf: false })).statusCode).toBe(403);
    }
  });

  it('an order\'s life over HTTP: opened by hand, found by number, taken, refused with reasons, noted, resolved; another agent may not touch it', async () => {
    const kefu = await as('kefu');
    const zhuguan = await as('zhuguan');
    const opened = await call('POST', '/work-orders', kefu, { title: '客户反映扣款两次', reason: '客户来电称 12 月 5 日被扣款两次', priority: 'high' });
    expect(opened.statusCode, opened.body).toBe(201);
    const order = (opened.json() as { workOrder: { id: string; number: string; version: number; dueAt: string; firstResponseDueAt: string } }).workOrder;
    expect(order.number).toMatch(/^GD20261207-\d{4}$/);
    // A manual order: 4 working hours to answer, 16 to resolve: Monday 14:00, and Tuesday 17:00 (Monday 10–18, Tuesday 09–17).
    expect(order.firstResponseDueAt).toBe('2026-12-07T06:00:00.000Z');
    expect(order.dueAt).toBe('2026-12-08T09:00:00.000Z');

    const byNumber = await call('GET', `/work-orders/${order.number}`, kefu);
    expect(byNumber.json()).toMatchObject({ workOrder: { id: order.id, status: 'open', priority: 'high', notes: [{ kind: 'status', text: expect.stringContaining(order.number) }] } });

    const bad = await call('POST', `/work-orders/${order.id}/transition`, kefu, { to: 'finished' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'to' } });

    const taken = await call('POST', `/work-orders/${order.id}/assign`, kefu, { assigneeId: 'me', version: order.version });
    expect(taken.statusCode, taken.body).toBe(200);
    const stale = await call('POST', `/work-orders/${order.id}/transition`, kefu, { to: 'in_progress', version: order.version });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ error: { code: 'WORK_ORDER_CHANGED' } });
    expect((await call('POST', `/work-orders/${order.id}/transition`, kefu, { to: 'in_progress' })).json()).toMatchObject({ workOrder: { status: 'in_progress' } });
    const noResolution = await call('POST', `/work-orders/${order.id}/transition`, kefu, { to: 'resolved' });
    expect(noResolution.statusCode).toBe(409);
    expect(noResolution.json()).toMatchObject({ error: { code: 'WORK_ORDER_TRANSITION_REFUSED', message: expect.stringContaining('办结工单须填写处理结果') } });
    expect((await call('POST', `/work-orders/${order.id}/notes`, kefu, { text: '已联系支付通道核查' })).statusCode).toBe(201);

    // The supervisor moves it to themselves; the agent may no longer act on it.
    expect((await call('POST', `/work-orders/${order.id}/assign`, zhuguan, { assigneeId: (await call('GET', '/me', zhuguan)).json().staff.id })).statusCode).toBe(200);
    const notMine = await call('POST', `/work-orders/${order.id}/notes`, kefu, { text: '我再看看' });
    expect(notMine.statusCode).toBe(403);
    const resolved = await call('POST', `/work-orders/${order.id}/transition`, zhuguan, { to: 'resolved', resolution: '重复扣款已原路退回' });
    expect(resolved.json()).toMatchObject({ workOrder: { status: 'resolved', resolution: '重复扣款已原路退回' } });

    const list = await call('GET', '/work-orders?kind=manual&status=resolved', kefu);
    expect(list.json()).toMatchObject({ workOrders: expect.arrayContaining([expect.objectContaining({ id: order.id })]), counts: { resolved: expect.any(Number) } });
    expect((await call('GET', '/work-orders?assignee=someone', kefu)).statusCode).toBe(400);
    // Reviewers read manual reviews only.
    expect((await call('GET', `/work-orders/${order.id}`, await as('shenpi'))).statusCode).toBe(403);
    expect((await call('GET', '/work-orders?kind=manual', await as('shenpi'))).statusCode).toBe(403);
  });

  it('a borrower\'s 投诉 opens a complaint; past its first-response deadline the scheduler escalates it to the supervisors, once', async () => {
    const chat = (text: string, messageId: string) => server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'wo-borrower', messageId, text } });
    const res = await chat('我要投诉，你们的客服一直不回复', 'wo-m1');
    expect(res.statusCode, res.body).toBe(200);
    const said = JSON.stringify(res.json());
    const number = /GD20261207-\d{4}/.exec(said)?.[0];
    expect(number, said).toBeDefined();
    expect(said).toContain('12:00 前联系您'); // Monday 10:00 + 2 working hours
    // The same message delivered again opens nothing new.
    await chat('我要投诉，你们的客服一直不回复', 'wo-m1');
    expect(await server.db.prisma.workItem.count({ where: { kind: 'complaint' } })).toBe(1);
    // The live queue flags the conversation as a complaint, due by its first response (12:00), not its resolution.
    const queue = (await call('GET', '/queue?view=all&flag=complaint', await as('kefu'))).json() as { rows: { slaDueAt: string | null; flags: { complaint: boolean } }[] };
    expect(queue.rows).toEqual([expect.objectContaining({ slaDueAt: '2026-12-07T04:00:00.000Z', flags: expect.objectContaining({ complaint: true }) })]);

    const { scheduler } = server.conversations!;
    clock.set('2026-12-07T03:30:00Z'); // 11:30, the warning
    await scheduler.runDue(clock.now());
    clock.set('2026-12-07T04:00:00Z'); // 12:00, the deadline
    await scheduler.runDue(clock.now());
    await scheduler.runDue(clock.now());
    // Two hours on, the morning's console sessions have idled out: the supervisor logs in again.
    sessions.clear();
    const zhuguan = await as('zhuguan');
    const notices = (await call('GET', '/notices?unread=true', zhuguan)).json() as { notices: { text: { zh: string; en: string }; link: string }[]; unread: number };
    expect(notices.notices.map((n) => n.text.zh)).toEqual([expect.stringMatching(new RegExp(`^超时督办：工单 ${number}`)), expect.stringContaining(`工单 ${number} 的首次响应时限`)]);
    expect(notices.notices[0]!.text.en).toMatch(/^Escalated: work order GD/);
    const escalated = (await call('GET', '/work-orders?escalated=true', zhuguan)).json() as { workOrders: { number: string; overdue: boolean }[]; counts: { escalated: number; overdue: number } };
    expect(escalated.workOrders).toEqual([expect.objectContaining({ number, overdue: true })]);
    expect(escalated.counts).toMatchObject({ escalated: 1 });
    expect((await call('GET', '/work-orders?kind=complaint', zhuguan)).json()).toMatchObject({ views: { active: 1, mine: 0, unassigned: 1, overdue: 1, escalated: 1, all: 1 } });
    const team = (await call('GET', '/work-orders/team', zhuguan)).json() as { agents: { displayName: string; open: number }[]; unassigned: { escalated: number }; escalated: { number: string }[] };
    expect(team.unassigned.escalated).toBe(1);
    expect(team.escalated.map((o) => o.number)).toEqual([number]);
    expect(team.agents.map((a) => a.displayName)).toEqual(expect.arrayContaining(['小王', '李娜']));
    expect((await call('POST', '/notices/read', zhuguan, { all: true })).json()).toEqual({ marked: 2 });
    expect((await call('GET', '/notices?unread=true', zhuguan)).json()).toMatchObject({ notices: [], unread: 0 });
  });
});
