import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { DEMO_STAFF } from '../server/staff/demoStaff.js';
import { consoleCall, consoleLogin, type ConsoleSession } from './support/consoleClient.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The conversation page's API: every new console route × role (no session, wrong role, right
 * role), CSRF refusal, audit rows; the transcript with tapped options as labels and staff lines as
 * a person's; one holder at a time; the context panel masked and audited; notes and canned replies.
 */
describe(`console conversation workspace on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  const as: Record<string, ConsoleSession> = {};
  const clock = manualClock('2026-12-07T02:00:00Z');
  let n = 0;
  let conversationId = '';
  const say = async (userId: string, text: string) => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId, messageId: `ws-${++n}`, text } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { replies: { text: string; options?: { label: string; value: string }[] }[] };
  };
  const call = (method: 'GET' | 'POST', url: string, who: string | null, payload?: object) => consoleCall(server.app, method, url, who ? as[who]! : null, payload ? { payload } : {});
  const audits = (action: string) => server.db.prisma.auditLog.findMany({ where: { action }, orderBy: { at: 'asc' } });

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', RATE_LIMIT_PER_USER: '10000' }), createLogger('silent'), { clock, spec: createLendingConversation });
    for (const s of DEMO_STAFF) as[s.username] = await consoleLogin(server.app, s.username);
    await say('ws-borrower', '你好');
    conversationId = (await server.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'ws-borrower' } })).id;
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  const c = () => `/api/v1/staff/conversations/${conversationId}`;
  const routes: { method: 'GET' | 'POST'; url: () => string; allowed: readonly string[]; ok: number; payload?: () => object }[] = [
    { method: 'GET', url: () => '/api/v1/staff/queue', allowed: ['kefu', 'zhuguan'], ok: 200 },
    { method: 'POST', url: () => `${c()}/presence`, allowed: ['kefu', 'zhuguan'], ok: 200, payload: () => ({ viewing: true }) },
    { method: 'GET', url: () => `${c()}/transcript`, allowed: ['kefu', 'zhuguan'], ok: 200 },
    { method: 'GET', url: () => `${c()}/context`, allowed: ['kefu', 'zhuguan'], ok: 200 },
    { method: 'GET', url: () => `${c()}/notes`, allowed: ['kefu', 'zhuguan'], ok: 200 },
    { method: 'POST', url: () => `${c()}/notes`, allowed: ['kefu', 'zhuguan'], ok: 201, payload: () => ({ text: `note ${++n}` }) },
    { method: 'GET', url: () => `${c()}/holder`, allowed: ['kefu', 'zhuguan'], ok: 200 },
    { method: 'GET', url: () => '/api/v1/staff/canned-replies', allowed: ['kefu', 'zhuguan'], ok: 200 },
    { method: 'POST', url: () => '/api/v1/staff/canned-replies', allowed: ['zhuguan', 'admin'], ok: 201, payload: () => ({ shortcut: `s${++n}`, locale: 'zh', title: '测试', text: '您好 {name}' }) },
  ];

  it('answers each new route by role: 401 without a session, 403 for other roles, 2xx for the right ones', async () => {
    for (const r of routes) {
      expect((await call(r.method, r.url(), null, r.payload?.())).statusCode, `${r.method} ${r.url()} without a session`).toBe(401);
      for (const s of DEMO_STAFF) {
        const res = await call(r.method, r.url(), s.username, r.payload?.());
        expect(res.statusCode, `${r.method} ${r.url()} as ${s.username}: ${res.body}`).toBe(r.allowed.includes(s.username) ? r.ok : 403);
      }
    }
    // A state-changing request with the cookie but without the CSRF token is refused.
    const noToken = await consoleCall(server.app, 'POST', `${c()}/notes`, as.kefu!, { csrf: false, payload: { text: 'x' } });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
    expect((await call('GET', '/api/v1/staff/conversations/00000000-0000-4000-8000-000000000000/transcript', 'kefu')).statusCode).toBe(404);
  });

  it('shows a tapped option as its label, and a person\'s replies as theirs', async () => {
    const menu = await say('ws-borrower', '帮助');
    const option = [...menu.replies].reverse().find((r) => r.options?.length)!.options![0]!;
    expect(option.value).not.toBe(option.label);
    await say('ws-borrower', option.value);
    const took = await call('POST', `/api/v1/staff/conversations/${conversationId}/takeover`, 'kefu');
    expect(took.statusCode, took.body).toBe(200);
    expect((await call('POST', `/api/v1/staff/conversations/${conversationId}/messages`, 'kefu', { text: '您好，我是小王' })).statusCode).toBe(200);
    const res = await call('GET', `/api/v1/staff/conversations/${conversationId}/transcript`, 'zhuguan');
    const { conversation, messages } = res.json() as { conversation: { handoff: string; assignee: { displayName: string } }; messages: { author: string; text: string; tapped?: boolean; staff?: { displayName: string; employeeNo: string } }[] };
    expect(conversation).toMatchObject({ handoff: 'staff', assignee: { displayName: '小王' } });
    const tapped = messages.filter((m) => m.tapped);
    expect(tapped.map((m) => m.text)).toContain(option.label);
    expect(messages.some((m) => m.author === 'borrower' && m.text === option.value)).toBe(false);
    const staffLines = messages.filter((m) => m.author === 'staff');
    expect(staffLines).toEqual([expect.objectContaining({ text: '您好，我是小王', staff: { displayName: '小王', employeeNo: 'KF001' } })]);
  });

  it('lets one person serve at a time: others are refused with who has it, until it is handed back', async () => {
    const path = `/api/v1/staff/conversations/${conversationId}`;
    for (const act of ['takeover', 'messages', 'handback'] as const) {
      const res = await call('POST', `${path}/${act}`, 'zhuguan', act === 'messages' ? { text: '我来' } : {});
      expect(res.statusCode, `${act}: ${res.body}`).toBe(409);
      expect(res.json()).toMatchObject({ error: { code: 'CONVERSATION_TAKEN', message: expect.stringContaining('小王 (KF001)') } });
    }
    expect((await call('GET', `${path}/holder`, 'zhuguan')).json()).toMatchObject({ holder: { displayName: '小王', employeeNo: 'KF001' } });
    expect((await call('POST', `${path}/handback`, 'kefu')).statusCode).toBe(200);
    expect((await call('GET', `${path}/holder`, 'zhuguan')).json()).toEqual({ holder: null });
    const again = await call('POST', `${path}/takeover`, 'zhuguan');
    expect(again.statusCode, again.body).toBe(200);
    expect((await call('POST', `${path}/handback`, 'zhuguan')).statusCode).toBe(200);
    expect((await audits('conversation.takeover')).map((a) => a.actorId)).toEqual([as.kefu!.staffId, as.zhuguan!.staffId]);
  });

  it('opens the context masked, with reasons in words, and audits it as opening the borrower\'s details', async () => {
    const borrower = await server.db.prisma.borrower.create({ data: { name: '赵建国', idNumberEnc: 'sealed', idNumberMasked: '430703********0272', phoneEnc: 'sealed', phoneMasked: '158****0003' } });
    await server.db.prisma.conversation.update({ where: { id: conversationId }, data: { borrowerId: borrower.id } });
    const application = await server.db.prisma.application.create({ data: { borrowerId: borrower.id, productId: 'personal', status: 'decided', requestedAmount: 20_000_000n, requestedTerm: 12 } });
    await server.db.prisma.decision.create({ data: { applicationId: application.id, outcome: 'declined', score: 512, grade: 'E', reasonCodes: ['COURT_DEFAULTER'], modelVersion: 'test' } });
    const res = await call('GET', `/api/v1/staff/conversations/${conversationId}/context`, 'kefu');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as Record<string, unknown>;
    expect(body).toMatchObject({
      borrower: { name: '赵建国', idNumber: '430703********0272', phone: '158****0003' },
      application: { requestedAmount: '200,000.00', requestedTerm: 12 },
      decision: { outcome: 'declined', score: 512, grade: 'E', reasons: [{ code: 'COURT_DEFAULTER', zh: expect.stringContaining('法院'), en: expect.stringContaining('court defaulter') }] },
      variables: { name: '赵建国' },
    });
    expect(res.body).not.toMatch(/\d{17}[\dX]|1\d{10}/);
    const viewed = await audits('borrower.details_viewed');
    expect(viewed.at(-1)).toMatchObject({ actorId: as.kefu!.staffId, subjectType: 'Borrower', subjectId: borrower.id });
    // The queue flags the declined application.
    const flagged = (await call('GET', '/api/v1/staff/queue?view=all&flag=declined', 'kefu')).json() as { rows: { id: string }[] };
    expect(flagged.rows.map((r) => r.id)).toEqual([conversationId]);
  });

  it('keeps private notes (audited, never in the transcript) and adds canned replies (audited; a duplicate refused)', async () => {
    const path = `/api/v1/staff/conversations/${conversationId}`;
    const added = await call('POST', `${path}/notes`, 'kefu', { text: '客户情绪激动，注意安抚' });
    expect(added.statusCode).toBe(201);
    const notes = (await call('GET', `${path}/notes`, 'zhuguan')).json() as { notes: { text: string; author: { displayName: string } }[] };
    expect(notes.notes.at(-1)).toMatchObject({ text: '客户情绪激动，注意安抚', author: { displayName: '小王' } });
    expect(JSON.stringify((await call('GET', `${path}/transcript`, 'kefu')).json())).not.toContain('注意安抚');
    expect(await server.db.prisma.message.count({ where: { conversationId, text: { contains: '注意安抚' } } })).toBe(0);
    expect((await audits('conversation.note')).at(-1)).toMatchObject({ actorId: as.kefu!.staffId, subjectId: conversationId });

    const canned = (await call('GET', '/api/v1/staff/canned-replies', 'kefu')).json() as { cannedReplies: { shortcut: string; locale: string; text: string }[] };
    expect(canned.cannedReplies).toEqual(expect.arrayContaining([expect.objectContaining({ shortcut: 'due', locale: 'zh', text: expect.stringContaining('{nextDueDate}') }), expect.objectContaining({ shortcut: 'due', locale: 'en' })]));
    const created = await call('POST', '/api/v1/staff/canned-replies', 'zhuguan', { shortcut: 'thanks', locale: 'en', title: 'Thanks', text: 'Thank you, {name}.' });
    expect(created.statusCode).toBe(201);
    const duplicate = await call('POST', '/api/v1/staff/canned-replies', 'admin', { shortcut: 'thanks', locale: 'en', title: 'Again', text: 'x' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toMatchObject({ error: { code: 'CANNED_REPLY_EXISTS' } });
    expect((await call('POST', '/api/v1/staff/canned-replies', 'zhuguan', { shortcut: 'Bad Name', locale: 'zh', title: 't', text: 'x' })).statusCode).toBe(400);
    expect((await audits('canned_reply.created')).at(-1)).toMatchObject({ actorId: as.zhuguan!.staffId });
  });

  it("refuses every new route with a borrower's cookie, a disabled account's session and an expired one (401)", async () => {
    const page = await server.app.inject({ url: '/' });
    const borrowerCookie = String(page.headers['set-cookie']).split(';')[0]!;
    const created = await call('POST', '/api/v1/staff/accounts', 'admin', { username: 'kftemp', displayName: '临时', roles: ['agent', 'supervisor'], password: 'Temp-Agent-2026-x' });
    expect(created.statusCode, created.body).toBe(201);
    const login = await server.app.inject({ method: 'POST', url: '/api/v1/staff/login', remoteAddress: '10.77.1.1', payload: { username: 'kftemp', password: 'Temp-Agent-2026-x' } });
    const temp = { cookie: String(login.headers['set-cookie']).split(';')[0]!, csrf: (login.json() as { csrfToken: string }).csrfToken, staffId: (login.json() as { staff: { id: string } }).staff.id };
    expect((await consoleCall(server.app, 'GET', '/api/v1/staff/queue', temp)).statusCode).toBe(200);
    expect((await call('POST', `/api/v1/staff/accounts/${temp.staffId}/disable`, 'admin')).statusCode).toBe(200);
    for (const r of routes) {
      const payload = r.payload?.();
      const withBorrower = await server.app.inject({ method: r.method, url: r.url(), headers: { cookie: borrowerCookie }, ...(r.method === 'POST' ? { payload: payload ?? {} } : {}) });
      expect(withBorrower.statusCode, `${r.method} ${r.url()} with a borrower's cookie`).toBe(401);
      expect((await consoleCall(server.app, r.method, r.url(), temp, payload ? { payload } : {})).statusCode, `${r.method} ${r.url()} disabled`).toBe(401);
    }
    // Past the idle timeout (30 minutes unused) every session has ended.
    clock.advance(31 * 60_000);
    for (const r of routes) {
      const payload = r.payload?.();
      expect((await call(r.method, r.url(), r.allowed[0]!, payload)).statusCode, `${r.method} ${r.url()} expired`).toBe(401);
    }
  });
});
