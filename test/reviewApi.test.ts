import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PERSONAL_PRODUCT, demoPersona, quoteLoan } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { DEMO_STAFF } from '../server/staff/demoStaff.js';
import { createTestDatabase, staffAuthHeaders, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * Manual review (人工审批) over HTTP: 李晓薇, the thin-file persona, applies over REST and goes to
 * review; reviewers read the queue and the application (masked, audited) and approve within the
 * product's bounds, with four eyes above its threshold, decline with a reason code and an
 * explanation, or ask her a question. Each decision reaches her conversation at once, and an
 * approval is accepted as after an automatic one.
 */
const thin = demoPersona('thin_file').profile.person;
const logger = createLogger('silent');
const databases: TestDatabase[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.app.close();
  for (const d of databases) await d.drop();
});

interface Session {
  readonly cookie: string;
  readonly csrf: string;
}
interface ChatMessage {
  readonly seq: number;
  readonly text: string;
  readonly sender?: { kind: string; name: string };
  readonly card?: { type: string };
}

async function boot() {
  const database = await createTestDatabase();
  databases.push(database);
  const clock = manualClock('2026-11-23T02:00:00Z'); // Monday 10:00 in Shanghai
  const server = await bootServer(testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0' }), logger, { clock, spec: createLendingConversation });
  servers.push(server);
  const { app } = server;
  let n = 0;
  const say = async (text: string) => {
    clock.advance(30_000);
    const res = await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'lxw', messageId: `m${++n}`, text } });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
  };
  /** What the borrower's conversation was sent after `afterSeq` (a person's words, a review's decision). */
  const later = async (afterSeq = 0): Promise<ChatMessage[]> => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/chat/messages?userId=lxw&afterSeq=${afterSeq}&limit=200` });
    return (res.json() as { messages: ChatMessage[] }).messages;
  };
  const login = async (username: string): Promise<Session> => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/staff/login', remoteAddress: '10.9.0.7', payload: { username, password: DEMO_STAFF.find((s) => s.username === username)!.password } });
    expect(res.statusCode, res.body).toBe(200);
    return { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: (res.json() as { csrfToken: string }).csrfToken };
  };
  const call = (method: 'GET' | 'POST', url: string, as: Session | null, payload?: object, headers: Record<string, string> = {}) => {
    clock.advance(1_000);
    return app.inject({
      method,
      url: `/api/v1/staff${url}`,
      remoteAddress: '10.9.0.7',
      headers: { ...(as ? { cookie: as.cookie } : {}), ...(as && method === 'POST' ? { 'x-csrf-token': as.csrf } : {}), ...headers },
      ...(method === 'POST' ? { payload: payload ?? {} } : {}),
    });
  };
  /** 李晓薇 applies for ¥50,000 on the personal product and is sent to manual review; answers her application's id. */
  const toReview = async (): Promise<string> => {
    for (const text of ['申请', '1', thin.name, thin.idNumber, thin.mobile, '123456', '1', '5万', '确认']) await say(text);
    expect(await say('同意全部授权')).toContain('您的申请已提交人工审核');
    const application = await server.db.prisma.application.findFirstOrThrow({ where: { borrower: { name: thin.name } } });
    return application.id;
  };
  const lastSeq = async () => (await later()).at(-1)?.seq ?? 0;
  return { server, clock, say, later, login, call, toReview, lastSeq };
}

describe(`manual review API on ${testDatabaseKind()}`, () => {
  it('queues oldest first, shows the application masked with its data, sources and rule hits in words (audited), and four eyes above the threshold', async () => {
    const { server, call, login, toReview, later, lastSeq } = await boot();
    const applicationId = await toReview();
    const older = await olderReview(server);
    const shenpi = await login('shenpi');
    const shenpi2 = await login('shenpi2');

    const queue = (await call('GET', '/reviews', shenpi)).json() as { reviews: { applicationId: string; dueAt: string; overdue: boolean; applicant: { name: string; phone: string }; provisionalLimitFen: number }[] };
    expect(queue.reviews.map((r) => r.applicationId)).toEqual([older, applicationId]);
    expect(queue.reviews[1]).toMatchObject({ applicant: { name: thin.name, phone: '139****0002' }, provisionalLimitFen: 10_300_000, overdue: false, dueAt: expect.any(String) });

    const opened = await call('GET', `/reviews/${applicationId}`, shenpi);
    expect(opened.statusCode, opened.body).toBe(200);
    // Never a full ID number or mobile, anywhere in what a reviewer receives.
    expect(opened.body).not.toContain(thin.idNumber);
    expect(opened.body).not.toContain(thin.mobile);
    const detail = opened.json() as {
      applicant: { idNumber: string; phone: string };
      consents: { source: string; sourceName: { zh: string } }[];
      data: { sources: { source: string; consentId: string | null; values: Record<string, unknown> }[] };
      decision: { score: number; grade: string; hits: { code: string; reason: { zh: string; en: string } }[]; rules: unknown[] };
      provisional: { limitFen: number; annualRate: number };
      bounds: { minLimit: number; maxLimit: number; maxLimitBinding: string; rateFloor: number; rateCap: number; fourEyesAbove: number };
    };
    expect(detail.applicant).toMatchObject({ idNumber: '430702********0243', phone: '139****0002' });
    expect(detail.consents.map((c) => c.source).sort()).toEqual(['bank', 'credit_bureau', 'housing_fund', 'social_security']);
    const bureau = detail.data.sources.find((s) => s.source === 'credit_bureau')!;
    expect(bureau.consentId).toBe((await server.db.prisma.consent.findFirstOrThrow({ where: { source: 'credit_bureau' } })).id);
    expect(bureau.values).toMatchObject({ historyMonths: 4 });
    expect(detail.decision).toMatchObject({ score: 655, grade: 'B' });
    expect(detail.decision.hits).toEqual([expect.objectContaining({ code: 'THIN_CREDIT_FILE', reason: { zh: '您的信用记录较少,本次申请需人工审核', en: 'Credit history shorter than the minimum for automatic approval' } })]);
    expect(detail.decision.rules.length).toBeGreaterThan(1);
    expect(detail.provisional).toEqual(expect.objectContaining({ limitFen: 10_300_000, annualRate: 0.08 }));
    expect(detail.bounds).toMatchObject({ minLimit: 100_000, maxLimit: 10_300_000, maxLimitBinding: 'decision', rateFloor: 0.0648, rateCap: 0.15, fourEyesAbove: 10_000_000 });
    const viewed = await server.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'borrower.details_viewed', subjectId: applicationId } });
    expect(viewed).toMatchObject({ actorType: 'staff', detail: expect.objectContaining({ username: 'shenpi', origin: expect.any(String) }) });

    // Above ¥100,000: recorded pending; the borrower hears nothing yet.
    const seq = await lastSeq();
    const approve = { limitFen: 10_300_000, annualRate: 0.075, reason: '公积金连续缴存 36 个月，收入稳定' };
    expect((await call('POST', `/reviews/${applicationId}/approve`, shenpi, approve)).json()).toMatchObject({ status: 'pending_confirmation', limitFen: 10_300_000, fourEyesAbove: 10_000_000, replayed: false });
    expect(await later(seq)).toEqual([]);
    expect((await call('GET', '/reviews', shenpi)).json()).toMatchObject({ reviews: [{}, { applicationId, pendingApproval: { by: '赵敏', limitFen: 10_300_000 } }] });
    // The same reviewer cannot confirm their own approval, nor approve other terms over it.
    expect((await call('POST', `/reviews/${applicationId}/confirm`, shenpi)).json()).toMatchObject({ error: { code: 'REVIEW_SECOND_REVIEWER_REQUIRED' } });
    expect((await call('POST', `/reviews/${applicationId}/confirm`, shenpi)).statusCode).toBe(403);
    expect((await call('POST', `/reviews/${applicationId}/approve`, shenpi, { ...approve, limitFen: 9_000_000 })).json()).toMatchObject({ error: { code: 'REVIEW_AWAITS_CONFIRMATION' } });
    // Sent again, the same approval is the same pending one.
    expect((await call('POST', `/reviews/${applicationId}/approve`, shenpi, approve)).json()).toMatchObject({ status: 'pending_confirmation', replayed: true });

    const confirmed = await call('POST', `/reviews/${applicationId}/confirm`, shenpi2, { reason: '同意' });
    expect(confirmed.json()).toMatchObject({ status: 'approved', limitFen: 10_300_000, annualRate: 0.075, borrowerNotified: true, replayed: false });
    const told = await later(seq);
    expect(told.map((m) => m.text).join('\n')).toContain('好消息！您的申请已通过人工审核');
    expect(told.map((m) => m.text).join('\n')).toContain('授信额度 ¥103,000.00，合同年利率 7.50%');
    // A retried confirmation records nothing more and tells her nothing more.
    expect((await call('POST', `/reviews/${applicationId}/confirm`, shenpi2, { reason: '同意' })).json()).toMatchObject({ status: 'approved', replayed: true });
    expect(await later(seq)).toHaveLength(told.length);
    const decisions = await server.db.prisma.decision.findMany({ where: { applicationId }, orderBy: { createdAt: 'asc' } });
    expect(decisions.map((d) => d.outcome)).toEqual(['manual_review', 'approved']);
    expect(decisions[1]).toMatchObject({ limitFen: 10_300_000n, ratePpm: 75_000, modelVersion: 'manual-review:SP001+SP002' });
    const workItem = await server.db.prisma.workItem.findFirstOrThrow({ where: { applicationId } });
    expect(workItem).toMatchObject({ status: 'resolved', doneAt: expect.any(Date), firstRespondedAt: expect.any(Date) });
    // The work order's timeline says what the reviewers did, and its deadline jobs are off.
    const notes = await server.db.prisma.workItemNote.findMany({ where: { workItemId: workItem.id, text: { startsWith: '人工审批' } }, orderBy: { at: 'asc' } });
    expect(notes.map((n) => n.text)).toEqual([expect.stringContaining('批准待复核'), expect.stringContaining('复核确认批准：额度 ¥103000.00')]);
    expect(await server.db.prisma.job.count({ where: { key: { contains: workItem.id }, status: 'cancelled' } })).toBeGreaterThan(0);
    expect(await server.db.prisma.job.count({ where: { key: { contains: workItem.id }, status: 'pending' } })).toBe(0);
    const audits = await server.db.prisma.auditLog.findMany({ where: { subjectId: applicationId, action: { startsWith: 'review.' } }, orderBy: { at: 'asc' } });
    expect(audits.map((a) => a.action)).toEqual(['review.approval_pending', 'review.approval_confirmed']);
    expect(audits[1]!.detail).toMatchObject({ username: 'shenpi2', origin: expect.any(String), approvedBy: expect.any(String) });
    // Decided: it leaves the queue, and a later act is refused.
    expect((await call('GET', '/reviews', shenpi)).json()).toMatchObject({ reviews: [{ applicationId: older }] });
    expect((await call('POST', `/reviews/${applicationId}/decline`, shenpi, { reasonCode: 'POLICY', explanation: '不符合政策' })).json()).toMatchObject({ error: { code: 'REVIEW_DECIDED' } });
  });

  it('refuses terms outside the bounds naming the field, and a missing reason or explanation', async () => {
    const { server, call, login, toReview } = await boot();
    const applicationId = await toReview();
    const shenpi = await login('shenpi');
    const approve = (body: object) => call('POST', `/reviews/${applicationId}/approve`, shenpi, { limitFen: 5_000_000, annualRate: 0.08, reason: '收入稳定', ...body });
    for (const [body, field] of [
      [{ limitFen: 10_300_100 }, 'limitFen'], // above the decision's income/DTI limit
      [{ limitFen: 99_900 }, 'limitFen'], // below the product minimum
      [{ limitFen: 12.5 }, 'limitFen'],
      [{ annualRate: 0.06 }, 'annualRate'], // below the floor
      [{ annualRate: 0.16 }, 'annualRate'], // above the cap
      [{ reason: '  ' }, 'reason'],
      [{ reason: undefined }, 'reason'],
    ] as const) {
      const res = await approve(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json(), JSON.stringify(body)).toMatchObject({ error: { code: 'VALIDATION_FAILED', field } });
    }
    expect((await approve({ limitFen: 10_300_100 })).json()).toMatchObject({ error: { message: expect.stringContaining('¥103,000.00') } });
    expect((await call('POST', `/reviews/${applicationId}/decline`, shenpi, { reasonCode: 'BAD_LUCK', explanation: '…' })).json()).toMatchObject({ error: { field: 'reasonCode' } });
    expect((await call('POST', `/reviews/${applicationId}/decline`, shenpi, { reasonCode: 'POLICY' })).json()).toMatchObject({ error: { field: 'explanation' } });
    expect((await call('POST', `/reviews/${applicationId}/ask-info`, shenpi, {})).json()).toMatchObject({ error: { field: 'question' } });
    expect((await call('GET', `/reviews/not-a-uuid`, shenpi)).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'applicationId' } });
    expect((await call('GET', `/reviews/${randomUUID()}`, shenpi)).json()).toMatchObject({ error: { code: 'REVIEW_NOT_FOUND' } });
    expect((await call('GET', '/reviews', shenpi)).json()).toMatchObject({ reviews: [{ applicationId }] });
    // Its work order closed by hand (not by a decision): the review is over, nothing more is recorded.
    await server.db.prisma.workItem.updateMany({ where: { applicationId }, data: { status: 'closed' } });
    expect((await approve({})).json()).toMatchObject({ error: { code: 'REVIEW_DECIDED' } });
    expect(await server.db.prisma.decision.count({ where: { applicationId } })).toBe(1);
  });

  it('below the threshold an approval takes effect at once, a repeated request records once, and 李晓薇 accepts the offer and has a line', async () => {
    const { server, say, call, login, toReview, later, lastSeq } = await boot();
    const applicationId = await toReview();
    expect(await say('进度')).toContain('正在人工审核中');
    const [shenpi, shenpi2] = [await login('shenpi'), await login('shenpi2')];
    const seq = await lastSeq();
    const body = { limitFen: 8_000_000, annualRate: 0.08, reason: '工作稳定，负债低' };
    // Two reviewers approve at the same moment: one decision, the other is told it was decided.
    const both = await Promise.all([call('POST', `/reviews/${applicationId}/approve`, shenpi, body), call('POST', `/reviews/${applicationId}/approve`, shenpi2, body)]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(both.find((r) => r.statusCode === 409)!.json()).toMatchObject({ error: { code: 'REVIEW_DECIDED' } });
    const winner = both[0]!.statusCode === 200 ? shenpi : shenpi2;
    const first = both.find((r) => r.statusCode === 200)!;
    expect(first.json()).toMatchObject({ status: 'approved', limitFen: 8_000_000, annualRate: 0.08, apr: aprOf(0.08), borrowerNotified: true, replayed: false });
    const told = await later(seq);
    expect(told.map((m) => m.text)).toEqual([expect.stringContaining('好消息！您的申请已通过人工审核'), expect.stringContaining('授信额度 ¥80,000.00，合同年利率 8.00%')]);
    expect(told[1]!.card).toMatchObject({ type: 'offer' });
    // The retried request: the same answer, nothing recorded or told twice.
    const again = await call('POST', `/reviews/${applicationId}/approve`, winner, body);
    expect(again.json()).toMatchObject({ status: 'approved', decisionId: (first.json() as { decisionId: string }).decisionId, replayed: true });
    expect(await later(seq)).toHaveLength(2);
    expect(await server.db.prisma.decision.count({ where: { applicationId, outcome: 'approved' } })).toBe(1);
    expect(await server.db.prisma.auditLog.count({ where: { subjectId: applicationId, action: 'review.approved' } })).toBe(1);

    // She accepts it as after an automatic approval, and has a line.
    expect(await say('接受额度')).toContain('《借款合同》主要条款');
    expect(await say('我已阅读并同意')).toContain('额度已开通！可用额度 ¥80,000.00');
    const line = await server.db.prisma.creditLine.findFirstOrThrow({ where: { borrower: { name: thin.name } } });
    expect(line).toMatchObject({ limitFen: 8_000_000n, ratePpm: 80_000, status: 'active' });
    expect(await say('额度')).toContain('可用额度 ¥80,000.00');
  });

  it('asks her a question as the reviewer\'s message, keeps the review open, then declines with the explanation she reads', async () => {
    const { say, call, login, toReview, later, lastSeq } = await boot();
    const applicationId = await toReview();
    const shenpi = await login('shenpi');
    let seq = await lastSeq();
    const question = '请问您目前的工作单位和月收入大约是多少？';
    expect((await call('POST', `/reviews/${applicationId}/ask-info`, shenpi, { question })).json()).toMatchObject({ status: 'info_requested', borrowerNotified: true });
    const asked = await later(seq);
    expect(asked).toContainEqual(expect.objectContaining({ text: question, sender: { kind: 'staff', name: '赵敏' } }));
    expect((await call('POST', `/reviews/${applicationId}/ask-info`, shenpi, { question })).json()).toMatchObject({ replayed: true });
    expect(await later(seq)).toHaveLength(asked.length);
    expect(await say('在常德一家超市做店长，月收入6000左右')).toContain('您的回复已转交审核人员');
    const detail = (await call('GET', `/reviews/${applicationId}`, shenpi)).json() as { review: { status: string; acts: { kind: string }[] }; conversation: { recentMessages: { text: string }[] } };
    expect(detail.review).toMatchObject({ status: 'in_progress', acts: [{ kind: 'ask_info' }] });
    expect(detail.conversation.recentMessages.map((m) => m.text)).toContain('在常德一家超市做店长，月收入6000左右');
    expect((await call('GET', '/reviews', shenpi)).json()).toMatchObject({ reviews: [{ applicationId }] });

    seq = await lastSeq();
    const explanation = '您的信用记录目前不足 6 个月，暂时无法为您授信。建议保持良好的还款记录，半年后再来申请。';
    expect((await call('POST', `/reviews/${applicationId}/decline`, shenpi, { reasonCode: 'THIN_CREDIT_HISTORY', explanation })).json()).toMatchObject({ status: 'declined', borrowerNotified: true });
    expect((await later(seq)).map((m) => m.text).join('\n')).toContain(`审核说明：${explanation}`);
    expect(await say('进度')).toContain('未通过审批');
    expect((await call('GET', '/reviews', shenpi)).json()).toEqual({ reviews: [] });
  });

  it('lets reviewers and supervisors read, only reviewers decide: every route × role, without a session, and with the service token', async () => {
    const { call, login } = await boot();
    const NO_APP = '00000000-0000-4000-8000-000000000000';
    const as = Object.fromEntries(await Promise.all(DEMO_STAFF.map(async (s) => [s.username, await login(s.username)] as const)));
    const readers = ['zhuguan', 'shenpi', 'shenpi2'];
    const deciders = ['shenpi', 'shenpi2'];
    const routes: { method: 'GET' | 'POST'; url: string; body?: object; allowed: readonly string[]; ok: number }[] = [
      { method: 'GET', url: '/reviews', allowed: readers, ok: 200 },
      { method: 'GET', url: `/reviews/${NO_APP}`, allowed: readers, ok: 404 },
      { method: 'POST', url: `/reviews/${NO_APP}/approve`, body: { limitFen: 5_000_000, annualRate: 0.08, reason: 'r' }, allowed: deciders, ok: 404 },
      { method: 'POST', url: `/reviews/${NO_APP}/confirm`, allowed: deciders, ok: 404 },
      { method: 'POST', url: `/reviews/${NO_APP}/decline`, body: { reasonCode: 'POLICY', explanation: 'e' }, allowed: deciders, ok: 404 },
      { method: 'POST', url: `/reviews/${NO_APP}/ask-info`, body: { question: 'q' }, allowed: deciders, ok: 404 },
    ];
    for (const route of routes) {
      for (const s of DEMO_STAFF) {
        const res = await call(route.method, route.url, as[s.username]!, route.body);
        expect(res.statusCode, `${route.method} ${route.url} as ${s.username}: ${res.body}`).toBe(route.allowed.includes(s.username) ? route.ok : 403);
      }
      expect((await call(route.method, route.url, null, route.body)).statusCode, `${route.url} without a session`).toBe(401);
      // The service token is agent and supervisor: it reads, never decides.
      expect((await call(route.method, route.url, null, route.body, staffAuthHeaders)).statusCode, `${route.url} with the service token`).toBe(route.method === 'GET' ? route.ok : 403);
    }
    // A state-changing request needs the session's CSRF token.
    expect((await call('POST', `/reviews/${NO_APP}/confirm`, { ...as.shenpi!, csrf: 'forged' })).json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
  });
});

/** The APR core quotes for an offer at this rate, as for an automatic one: the application's 12 months, the product's first method, from today. */
function aprOf(annualRate: number) {
  const q = quoteLoan({ principal: 10_000_000, annualRate, termMonths: 12, method: DEMO_PERSONAL_PRODUCT.repaymentMethods[0]!, startDate: '2026-11-23' });
  if (!q.ok) throw new Error(q.error.message);
  return { simple: q.value.apr.simple, compound: q.value.apr.compound };
}

/** A second application in review, opened an hour before 李晓薇's (another borrower; written as the decision effect writes it). */
async function olderReview(server: Server): Promise<string> {
  const { prisma } = server.db;
  const first = await prisma.workItem.findFirstOrThrow({ where: { kind: 'manual_review' } });
  const borrower = await prisma.borrower.create({ data: { name: '周测试', idNumberMasked: '430702********0019', phoneMasked: '138****0019' } });
  const application = await prisma.application.create({ data: { borrowerId: borrower.id, productId: 'changde-kuaidai-personal-demo', status: 'decided', requestedAmount: 3_000_000n, purpose: 'consumer' } });
  const decision = await prisma.decision.create({ data: { applicationId: application.id, outcome: 'manual_review', score: 640, grade: 'B', reasonCodes: ['INCOME_UNKNOWN'], modelVersion: 'test', limitFen: 0n } });
  const openedAt = new Date(first.createdAt.getTime() - 3_600_000);
  await prisma.workItem.create({ data: { kind: 'manual_review', borrowerId: borrower.id, applicationId: application.id, decisionId: decision.id, reason: 'INCOME_UNKNOWN', dueAt: new Date(openedAt.getTime() + 4 * 3_600_000), createdAt: openedAt } });
  return application.id;
}
